/**
 * FAULTS 36 for PostgreSQL: a server that takes the login and then answers no
 * query. Every query has the client's own limit (here migrations.queryTimeoutSeconds:
 * 2); the run fails with one clear line in bounded time, closes the connection,
 * and releases the workspace lock. The limit runs on real time (it is the
 * driver's socket deadline, not a wait on the run's clock); the tests wait for the
 * commands to end, which they do only through that limit.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli, runInProcess, setUpWith } from "../helpers/cli.js";
import { type SilentPostgres, startSilentPostgres } from "../helpers/silent-postgres.js";
import { spawnCli } from "../helpers/spawned.js";
import { StandIns } from "../helpers/standin.js";
import { dbPartsFixtures, makeWorkspace, type Workspace } from "../helpers/workspace.js";

const PASSWORD = "pw-silent-7c1e";
let world: World;
let ws: Workspace;
let pg: SilentPostgres;
let standins: StandIns;

beforeAll(async () => {
  world = await startWorld();
  pg = await startSilentPostgres();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": [
      "vault:\n  readyTimeoutSeconds: 2",
      "eso:\n  readyTimeoutSeconds: 30",
      "migrations:\n  statementTimeoutSeconds: 1\n  queryTimeoutSeconds: 2\n",
    ].join("\n"),
    "vault/fixtures/db.yaml": dbPartsFixtures(pg.port),
  });
  await setUpWith(["ensure-local-secrets"], { cwd: ws.dir, env: cleanEnv(world.env) });
  await setUpWith(["bootstrap-db-migrations-secret"], { cwd: ws.dir, env: cleanEnv(world.env) });
}, 120_000);
afterAll(async () => {
  await pg?.close();
  await world?.stop();
});
beforeEach(() => {
  pg.queries.length = 0;
  pg.logins.length = 0;
  standins = new StandIns(["flyway"]);
});
afterEach(async () => {
  // Every connection the run opened was closed by the run itself.
  await pg.idle();
});

const where = () => `PostgreSQL at 127\\.0\\.0\\.1:${pg.port} did not answer a query within 2 s`;
const lockFile = () => join(ws.dir, ".dev-bootstrap/dev-bootstrap.lock");
const env = (extra: Record<string, string> = {}) =>
  cleanEnv({ ...world.env, PATH: standins.path(), ...extra });
const url = (db: string) => `postgresql://${db}:${PASSWORD}@127.0.0.1:${pg.port}/${db}`;

describe("a PostgreSQL that takes the login and never answers a query", () => {
  it("flyway-status reports it for each database, with a hint; exit 1", async () => {
    const r = await runInProcess(["flyway-status", "--from", "cluster"], {
      cwd: ws.dir,
      env: env(),
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    for (const db of ["platform", "agents"])
      expect(r.stdout).toMatch(new RegExp(`error: database ${db}: ${where()}\\n`));
    // The step's failure line carries the hint.
    expect(r.stdout).toMatch(
      /✖ database platform: .* — hint: .*raise migrations\.queryTimeoutSeconds/,
    );
    expect(pg.logins.sort()).toEqual(["agents", "platform"]);
    expect(pg.queries.length).toBeGreaterThanOrEqual(2);
  });

  it("check-db-migrations-secret --connect: cannot-connect (exit 5), naming database and address", async () => {
    const r = await runInProcess(["check-db-migrations-secret", "--connect", "--json"], {
      cwd: ws.dir,
      env: env(),
    });
    expect(r.code, r.stdout + r.stderr).toBe(5);
    const json = JSON.parse(r.stdout);
    expect(json.databases.map((d: { status: string }) => d.status)).toEqual([
      "cannot-connect",
      "cannot-connect",
    ]);
    expect(json.databases[0].problems).toEqual([
      expect.stringMatching(new RegExp(`^database platform: ${where()}$`)),
    ]);
    expect(r.stderr).toMatch(/check it \(its log, load, locks, disk\)/);
    expect(pg.queries).toEqual(["select 1", "select 1"]);
  });

  it("run-flyway-cli fails the database's step (exit 1), starts no Flyway, skips the rest", async () => {
    const r = await runCli(["run-flyway-cli", "migrate", "--from", "env"], {
      cwd: ws.dir,
      env: env({ DATABASE_URL: url("platform"), AGENTS_DATABASE_URL: url("agents") }),
    });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(1);
    expect(out).toMatch(new RegExp(`database platform: ${where()}`));
    expect(out).toMatch(/hint: .*raise migrations\.queryTimeoutSeconds/);
    expect(out).toMatch(/skipped: platform failed/);
    expect(standins.calls("flyway")).toEqual([]);
    expect(out).not.toContain(PASSWORD);
    expect(pg.logins).toEqual(["platform"]);
  });

  it("smoke holds the workspace lock while it waits, then fails and releases it", async () => {
    const run = spawnCli(["smoke", "--connect", "--skip-layer"], { cwd: ws.dir, env: env() });
    await pg.queried();
    // The health check is waiting on the silent server, inside the run's lock.
    expect(existsSync(lockFile())).toBe(true);
    const code = await run.exited;
    expect(code, run.output()).toBe(1);
    expect(run.output()).toMatch(new RegExp(`database platform: ${where()}`));
    expect(existsSync(lockFile())).toBe(false);
  });
});
