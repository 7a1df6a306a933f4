/**
 * Where Flyway finds a database's migrations, as run-flyway-cli hands them to
 * Flyway (FLYWAY_LOCATIONS) and flyway-status scans them: the schema migrations,
 * the seed migrations when demo seed data is on and the database has any, or the
 * locations a Flyway setting names (which Flyway reads for every database alike).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFs } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { flywayLocations, migrationLocations } from "../../src/flows/flyway-locations.js";
import { makeWorkspace } from "../helpers/workspace.js";

function workspace(config?: string, dirs: string[] = []) {
  const ws = makeWorkspace(config ? { "dev-bootstrap.yaml": config } : {});
  for (const d of dirs) mkdirSync(join(ws.dir, d), { recursive: true });
  return { dir: ws.dir, resolved: resolveConfig({ cwd: ws.dir, env: {} }) };
}

describe("a database's migration locations", () => {
  it("its schema migrations, then its seed migrations when it has any", () => {
    const { dir, resolved } = workspace(undefined, [
      "db/flyway/sql/platform",
      "db/flyway/seed/platform",
    ]);
    expect(migrationLocations(nodeFs, resolved, "platform")).toEqual([
      {
        group: "schema",
        dir: join(dir, "db/flyway/sql/platform"),
        display: "db/flyway/sql/platform",
      },
      {
        group: "seed",
        dir: join(dir, "db/flyway/seed/platform"),
        display: "db/flyway/seed/platform",
      },
    ]);
    // agents has no seed directory: its schema migrations alone.
    expect(migrationLocations(nodeFs, resolved, "agents")).toEqual([
      { group: "schema", dir: join(dir, "db/flyway/sql/agents"), display: "db/flyway/sql/agents" },
    ]);
  });

  it("no seed migrations when demo seed data is off", () => {
    const { resolved } = workspace("migrations:\n  seedData: false\n", ["db/flyway/seed/platform"]);
    expect(migrationLocations(nodeFs, resolved, "platform").map((l) => l.group)).toEqual([
      "schema",
    ]);
  });

  it("the configured directories, relative to the workspace or absolute", () => {
    const outside = makeWorkspace().dir;
    const { dir, resolved } = workspace(
      `migrations:\n  sqlDir: migrations\n  seedDir: ${join(outside, "seed")}\n`,
      [],
    );
    mkdirSync(join(outside, "seed", "platform"), { recursive: true });
    const locations = migrationLocations(nodeFs, resolved, "platform");
    expect(locations).toEqual([
      { group: "schema", dir: join(dir, "migrations/platform"), display: "migrations/platform" },
      {
        group: "seed",
        dir: join(outside, "seed/platform"),
        display: join("..", outside.slice(outside.lastIndexOf("/") + 1), "seed/platform"),
      },
    ]);
  });

  it("locations a Flyway setting names replace ours, for every database alike", () => {
    const { dir, resolved } = workspace(undefined, ["db/flyway/seed/platform"]);
    const settings = {
      locations: { value: [], origin: "env" as never, dirs: [join(dir, "shared"), dir] },
    };
    const expected = [
      { group: "schema", dir: join(dir, "shared"), display: "shared" },
      // The workspace itself has no relative name: it is shown as it is.
      { group: "schema", dir, display: dir },
    ];
    expect(migrationLocations(nodeFs, resolved, "platform", settings)).toEqual(expected);
    expect(migrationLocations(nodeFs, resolved, "agents", settings)).toEqual(expected);
    // No Flyway setting: ours.
    expect(migrationLocations(nodeFs, resolved, "platform", { locations: undefined })).toHaveLength(
      2,
    );
  });

  it("FLYWAY_LOCATIONS names each as a filesystem location, comma-separated, in order", () => {
    expect(
      flywayLocations([
        { group: "schema", dir: "/ws/db/flyway/sql/platform", display: "" },
        { group: "seed", dir: "/ws/db/flyway/seed/platform", display: "" },
      ]),
    ).toBe("filesystem:/ws/db/flyway/sql/platform,filesystem:/ws/db/flyway/seed/platform");
    expect(flywayLocations([])).toBe("");
  });
});
