/**
 * FAULTS.md 37 over a real PostgreSQL: run-flyway-cli's preflight waiting on a
 * lock held by an idle transaction. An interrupt stops it before any destructive
 * step; a lock that is never released ends the wait at lock_timeout.
 */
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ThrowawayPostgres } from "../../src/sandbox/postgres.js";
import { cleanEnv, REPO } from "../helpers/cli.js";
import { recreateDatabases } from "../helpers/db-world.js";
import { historyTableDdl } from "../helpers/flyway-history.js";
import { spawnCli } from "../helpers/spawned.js";
import { StandIns } from "../helpers/standin.js";
import { until } from "../helpers/wait.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const PASSWORD = "pl@tform:pw/?#%& x";
let server: ThrowawayPostgres;
let ws: Workspace;
let standins: StandIns;
let holder: pg.Client;

const connect = (db: string) => server.superuserClient(db);

beforeAll(async () => {
  server = new ThrowawayPostgres();
  await server.start();
}, 60_000);
afterAll(async () => server?.stop());
beforeEach(async () => {
  await recreateDatabases(server, [{ name: "platform", owner: "platform", password: PASSWORD }]);
  // An empty history table, as a failed first run leaves it: the preflight drops it.
  const c = await connect("platform");
  await c.query("set role platform");
  await c.query(historyTableDdl());
  await c.end();
  // Another session reads it inside a transaction and stays idle: it holds a lock.
  holder = await connect("platform");
  await holder.query("begin");
  await holder.query("select count(*) from flyway_schema_history");
  standins = new StandIns(["flyway"]);
  ws = makeWorkspace({ "dev-bootstrap.yaml": `migrations:\n  sqlDir: ${REPO}db/flyway/sql\n` });
});
afterEach(async () => {
  await holder.end().catch(() => {});
});

const env = () =>
  cleanEnv({
    PATH: standins.path(),
    DATABASE_URL: `postgresql://platform:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/platform`,
  });

/** Resolves once a session of `user` waits on a lock (the preflight's lock table). */
async function lockWaitOf(user: string): Promise<void> {
  const c = await connect("postgres");
  try {
    // Poll the server's own status view; nothing here races a clock. Bounded, so a
    // run that never reaches the lock fails here with a name, not at vitest's timeout.
    await until(
      async () =>
        Boolean(
          (
            await c.query(
              "select 1 from pg_stat_activity where usename = $1 and wait_event_type = 'Lock'",
              [user],
            )
          ).rowCount,
        ),
      `a session of ${user} waiting on a lock`,
    );
  } finally {
    await c.end();
  }
}

const historyExists = async () => {
  const c = await connect("platform");
  try {
    return (await c.query("select to_regclass('public.flyway_schema_history') is not null as e"))
      .rows[0].e as boolean;
  } finally {
    await c.end();
  }
};

describe("run-flyway-cli migrate while another session holds a lock on the history table", () => {
  it("SIGTERM during the wait: exit 143, no table dropped, flyway never started — even once the lock is freed", async () => {
    const run = spawnCli(["run-flyway-cli", "migrate", "--from", "env", "--database", "platform"], {
      cwd: ws.dir,
      env: env(),
    });
    await lockWaitOf("platform");
    run.child.kill("SIGTERM");
    // The idle transaction ends right after the interrupt: the lock becomes free.
    await holder.query("rollback");
    expect(await run.exited, run.output()).toBe(143);
    expect(standins.calls("flyway")).toEqual([]);
    expect(await historyExists()).toBe(true);
  });

  it("a lock never released ends the wait at migrations.lockTimeoutSeconds with a clear error", async () => {
    ws.write(
      "dev-bootstrap.yaml",
      `migrations:\n  sqlDir: ${REPO}db/flyway/sql\n  lockTimeoutSeconds: 1\n`,
    );
    const run = spawnCli(["run-flyway-cli", "migrate", "--from", "env", "--database", "platform"], {
      cwd: ws.dir,
      env: env(),
    });
    expect(await run.exited, run.output()).toBe(1);
    expect(run.output()).toMatch(
      /database platform: public\.flyway_schema_history is locked by another session \(waited 1 s\)/,
    );
    expect(run.output()).toMatch(/hint: .*idle in transaction/);
    expect(run.output()).not.toContain(PASSWORD);
    expect(standins.calls("flyway")).toEqual([]);
    expect(await historyExists()).toBe(true);
  });

  it("a live server's statement_timeout reports before the client's own query limit (statement + 5 s)", async () => {
    ws.write(
      "dev-bootstrap.yaml",
      `migrations:\n  sqlDir: ${REPO}db/flyway/sql\n  statementTimeoutSeconds: 1\n`,
    );
    const run = spawnCli(["run-flyway-cli", "migrate", "--from", "env", "--database", "platform"], {
      cwd: ws.dir,
      env: env(),
    });
    expect(await run.exited, run.output()).toBe(1);
    expect(run.output()).toMatch(
      /database platform: a preflight query ran longer than 1 s and was cancelled/,
    );
    expect(run.output()).not.toMatch(/did not answer a query/);
    expect(standins.calls("flyway")).toEqual([]);
    expect(await historyExists()).toBe(true);
  });
});

describe("run-flyway-cli and the user's own Flyway settings", () => {
  it("FLYWAY_LOCATIONS and FLYWAY_CONNECT_RETRIES set by the user win (Flyway: args > env > config)", async () => {
    await holder.query("rollback");
    const run = spawnCli(["run-flyway-cli", "info", "--from", "env", "--database", "platform"], {
      cwd: ws.dir,
      env: { ...env(), FLYWAY_LOCATIONS: "filesystem:/custom/sql", FLYWAY_CONNECT_RETRIES: "2" },
    });
    expect(await run.exited, run.output()).toBe(0);
    const [call] = standins.calls("flyway");
    expect(call?.env.FLYWAY_LOCATIONS).toBe("filesystem:/custom/sql");
    expect(call?.env.FLYWAY_CONNECT_RETRIES).toBe("2");
    expect(run.output()).toMatch(
      /locations from FLYWAY_LOCATIONS, connectRetries from FLYWAY_CONNECT_RETRIES \(instead of the default\)/,
    );
  });
});
