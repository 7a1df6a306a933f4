/**
 * `why --connect`'s last two links against a real PostgreSQL, walked in-process: each
 * login as the migrations secret gives it, then each database's Flyway verdict. Pending
 * migrations are what `migrate` is for, so `why` (and `wait --allow-pending`) accept
 * them and `wait --connect` does not: Flyway's `validate` fails on pending migrations
 * unless `ignoreMigrationPatterns` holds `*:pending` (flyway-core, MigrationInfoImpl.
 * validate reports it as "Detected resolved migration not applied to database: <version>").
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { ChainReport, Link } from "../../src/core/chain.js";
import { SecretMasker } from "../../src/core/mask.js";
import { explainFailure, walkChain } from "../../src/flows/why.js";
import type { World } from "../../src/sandbox/world.js";
import { cleanEnv } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { startDatabaseWorld, vaultPassword } from "../helpers/db-world.js";
import type { Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
const env = () => cleanEnv(world.env);
const pw = (path: string) => vaultPassword(world, path);

beforeAll(async () => {
  ({ world, ws } = await startDatabaseWorld((w) => cleanEnv(w.env)));
}, 120_000);
afterAll(async () => world?.stop());

async function walk(options: {
  allowPending: boolean;
  database?: string;
}): Promise<ChainReport & { link(id: string): Link; text: string }> {
  const e = env();
  const resolved = resolveConfig({ cwd: ws.dir, env: e });
  const masker = new SecretMasker();
  const host = createHost({ resolved, masker, env: e, clock: virtualClock() });
  const report = await walkChain(host, resolved, { connect: true, ...options });
  return {
    ...report,
    link: (id) => report.links.find((l) => l.id === id)!,
    text: masker.mask(JSON.stringify(report)),
  };
}

describe("why --connect: database-login and flyway", () => {
  it("every login works, pending allowed: both links ok, with what each database said", async () => {
    const port = world.postgres!.port;
    const r = await walk({ allowPending: true });
    expect(r.ok, JSON.stringify(r.links)).toBe(true);
    expect(r.link("database-login")).toMatchObject({
      status: "ok",
      summary: "every database accepts its login",
      evidence: [
        `platform: logged in as platform at 127.0.0.1:${port}`,
        `agents: logged in as agents at 127.0.0.1:${port}`,
      ],
    });
    expect(r.link("flyway")).toMatchObject({
      status: "ok",
      summary: "Flyway validate passes (pending allowed)",
      evidence: ["platform: no version yet, 1 pending", "agents: no version yet, 1 pending"],
    });
    expect(r.text).not.toContain(pw("platform/db"));
  });

  it("pending not allowed: flyway broken on the first database, every database's verdict as evidence", async () => {
    const r = await walk({ allowPending: false });
    expect(r.firstBroken).toBe("flyway");
    const link = r.link("flyway");
    expect(link).toMatchObject({
      summary:
        "platform: Detected resolved migration not applied to database: 1. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
      evidence: [
        "platform: no version yet, 1 pending, 1 validate error(s)",
        "agents: no version yet, 1 pending, 1 validate error(s)",
      ],
      // The flyway-status step's own hint.
      fix: "migrate ('dev-bootstrap run-flyway-cli migrate' or run-migrations); before migrating, check with --allow-pending",
    });
  });

  it("--database: that database's login and history only", async () => {
    const port = world.postgres!.port;
    const r = await walk({ allowPending: false, database: "agents" });
    expect(r.link("database-login").evidence).toEqual([
      `agents: logged in as agents at 127.0.0.1:${port}`,
    ]);
    expect(r.link("flyway").evidence[0]).toBe(
      "agents: no version yet, 1 pending, 1 validate error(s)",
    );
    expect(r.link("flyway").summary).toMatch(/^agents: Detected resolved migration not applied/);
  });

  it("a failing command's summary, with --connect: pending migrations are no broken link", async () => {
    // The command failed for its own reasons (a migration about to run is not one).
    const e = env();
    const resolved = resolveConfig({ cwd: ws.dir, env: e });
    const host = createHost({
      resolved,
      masker: new SecretMasker(),
      env: e,
      clock: virtualClock(),
    });
    expect(await explainFailure(host, resolved, { connect: true })).toBe(
      "why: no broken link (fixtures … flyway ok); the failure is in the step above\n",
    );
  });
});
