import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { PRECEDENCE } from "../helpers/precedence.js";
import { runChild } from "../helpers/run-child.js";
import { StandIns } from "../helpers/standin.js";

const ENTRYPOINT = join(REPO, "charts/db-migrations/files/flyway-entrypoint.sh");

function runEntrypoint(env: Record<string, string>, databases: string, standins: StandIns) {
  return runChild("bash", [ENTRYPOINT], {
    env: {
      PATH: standins.path(),
      DATABASES: databases,
      PRIMARY_DATABASE: "platform",
      SQL_ROOT: "/sql",
      FLYWAY_ACTION: "migrate",
      ...env,
    },
  });
}

describe("the chart's Flyway entrypoint follows the same precedence table, case by case", () => {
  for (const c of PRECEDENCE) {
    it(c.name, async () => {
      const standins = new StandIns(["flyway"]);
      const r = await runEntrypoint(c.env, c.database, standins);
      const calls = standins.calls("flyway");
      if (c.expect.missing) {
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(
          new RegExp(`${c.database}: (FLYWAY_URL not set|no user|no password)`),
        );
        expect(calls).toHaveLength(0);
        return;
      }
      expect(r.status, r.stderr).toBe(0);
      expect(calls).toHaveLength(1);
      const call = calls[0]!;
      expect({
        url: call.env.FLYWAY_URL,
        user: call.env.FLYWAY_USER,
        password: call.env.FLYWAY_PASSWORD,
      }).toEqual(c.expect);
      expect(call.argv).toEqual(["migrate"]);
      expect(call.env.FLYWAY_LOCATIONS).toBe(`filesystem:/sql/${c.database}`);
      // never in argv or in the log
      expect(r.stdout + r.stderr).not.toContain(c.expect.password);
    });
  }
});

describe("the entrypoint as a whole", () => {
  const both = {
    DATABASE_URL: "postgresql://p:pw-platform@db:5432/platform",
    AGENTS_DATABASE_URL: "postgresql://a:pw-agents@db:5432/agents",
  };

  it("runs databases in order and baselines where a version is set", async () => {
    const standins = new StandIns(["flyway"]);
    const r = await runEntrypoint(
      { ...both, AGENTS_BASELINE_VERSION: "3" },
      "platform agents",
      standins,
    );
    expect(r.status, r.stderr).toBe(0);
    const calls = standins.calls("flyway");
    expect(calls.map((c) => c.env.FLYWAY_URL)).toEqual([
      "jdbc:postgresql://db:5432/platform",
      "jdbc:postgresql://db:5432/agents",
    ]);
    expect(calls[0]?.env.FLYWAY_BASELINE_ON_MIGRATE).toBeUndefined();
    expect(calls[1]?.env).toMatchObject({
      FLYWAY_BASELINE_ON_MIGRATE: "true",
      FLYWAY_BASELINE_VERSION: "3",
    });
    expect(r.stdout).toContain("db-migrations: migrate done for platform agents");
  });

  it("adds a database's demo seed location only when SEED_ROOT is set and it has one", async () => {
    const seedRoot = mkdtempSync(join(tmpdir(), "seed-"));
    mkdirSync(join(seedRoot, "platform"));
    const standins = new StandIns(["flyway"]);
    const r = await runEntrypoint({ ...both, SEED_ROOT: seedRoot }, "platform agents", standins);
    expect(r.status, r.stderr).toBe(0);
    expect(standins.calls("flyway").map((c) => c.env.FLYWAY_LOCATIONS)).toEqual([
      `filesystem:/sql/platform,filesystem:${seedRoot}/platform`,
      "filesystem:/sql/agents",
    ]);
    const off = new StandIns(["flyway"]);
    await runEntrypoint(both, "platform agents", off);
    expect(off.calls("flyway").map((c) => c.env.FLYWAY_LOCATIONS)).toEqual([
      "filesystem:/sql/platform",
      "filesystem:/sql/agents",
    ]);
  });

  it("validates every database before the first Flyway call", async () => {
    const standins = new StandIns(["flyway"]);
    const r = await runEntrypoint({ DATABASE_URL: both.DATABASE_URL }, "platform agents", standins);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /agents: FLYWAY_URL not set \(none of AGENTS_FLYWAY_URL AGENTS_DATABASE_URL\)/,
    );
    // The command that explains (and names the fix for) a secret lacking a key.
    expect(r.stderr).toMatch(/^db-migrations: locally, run: dev-bootstrap why {3}\(/m);
    expect(standins.calls("flyway")).toHaveLength(0);
  });

  it("stops at the first failing database with Flyway's exit code", async () => {
    const standins = new StandIns(["flyway"]);
    standins.plan("flyway", { exit: 7 });
    const r = await runEntrypoint(both, "platform agents", standins);
    expect(r.status).toBe(7);
    expect(r.stderr).toMatch(
      /flyway migrate failed for platform \(exit 7\); later databases were not run/,
    );
    expect(standins.calls("flyway")).toHaveLength(1);
  });
});
