/**
 * run-flyway-cli's flow in-process: a real throwaway PostgreSQL for the preflight,
 * and in place of the Flyway CLI a process port that records what Flyway would
 * have been given (arguments, environment, directory, time limit) and answers as
 * told (exit code, output, a timeout, processes left behind). What the user relies
 * on: each database in order, stopping at the first failure with the later ones
 * shown skipped; credentials only in the environment; the preflight's decisions
 * (an empty history table, a schema without history) said on a note line; Flyway's
 * own settings left to Flyway; the locking and statement limits told as such.
 *
 * References: Flyway's environment variables (documentation.red-gate.com, "Environment
 * variables": FLYWAY_URL, FLYWAY_USER, FLYWAY_PASSWORD, FLYWAY_LOCATIONS,
 * FLYWAY_CONNECT_RETRIES, FLYWAY_BASELINE_ON_MIGRATE, FLYWAY_BASELINE_VERSION) and
 * PostgreSQL's error codes 55P03 lock_not_available and 57014 query_canceled
 * (postgresql.org/docs/current/errcodes-appendix.html).
 */
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunToolOptions, RunToolResult } from "../../src/adapters/proc.js";
import { createHost, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { InterruptedError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { runFlywayCli } from "../../src/flows/flyway-cli.js";
import type { Host } from "../../src/flows/host.js";
import { ThrowawayPostgres } from "../../src/sandbox/postgres.js";
import { REPO } from "../helpers/cli.js";
import { recreateDatabases } from "../helpers/db-world.js";
import { captureLog } from "../helpers/flow-run.js";
import { historyTableDdl } from "../helpers/flyway-history.js";
import { finishedRun } from "../helpers/tool-run.js";
import { makeWorkspace } from "../helpers/workspace.js";

const PASSWORDS = { platform: "pl@tform:pw/?#%& x", agents: "agents-pw-7d1c" };
const SQL = join(REPO, "db/flyway/sql");
let server: ThrowawayPostgres;

beforeAll(async () => {
  server = new ThrowawayPostgres();
  await server.start();
}, 60_000);
afterAll(async () => server?.stop());
beforeEach(async () => {
  await recreateDatabases(server, [
    { name: "platform", owner: "platform", password: PASSWORDS.platform },
    { name: "agents", owner: "agents", password: PASSWORDS.agents },
  ]);
});

/** A session as the database's owner, for set-up and for looking afterwards. */
async function asOwner<T>(db: "platform" | "agents", fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await server.superuserClient(db);
  try {
    await c.query(`set role ${db}`);
    return await fn(c);
  } finally {
    await c.end();
  }
}

type Answer = Partial<RunToolResult> & { lines?: string[] };

interface FlywayRun {
  error: unknown;
  calls: Array<Omit<RunToolOptions, "baseEnv">>;
  out: string;
  log: ReturnType<typeof captureLog>;
  masker: SecretMasker;
}

async function flyway(
  command: "info" | "migrate" | "validate" | "baseline" | "repair",
  options: {
    database?: string;
    config?: string;
    env?: Record<string, string>;
    timeoutMs?: number;
    answer?: (call: Omit<RunToolOptions, "baseEnv">) => Answer;
    signal?: AbortSignal;
  } = {},
): Promise<FlywayRun> {
  const url = (db: "platform" | "agents") =>
    `postgresql://${db}:${encodeURIComponent(PASSWORDS[db])}@127.0.0.1:${server.port}/${db}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: url("platform"),
    AGENTS_DATABASE_URL: url("agents"),
    ...options.env,
  };
  const ws = makeWorkspace({
    "dev-bootstrap.yaml": `migrations:\n  sqlDir: ${SQL}\n${options.config ?? ""}`,
  });
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const masker = new SecretMasker();
  const calls: FlywayRun["calls"] = [];
  const host: Host = {
    ...createHost({ resolved, masker, env, clock: systemClock, signal: options.signal }),
    proc: {
      run: async (call) => {
        calls.push(call);
        const { lines = [], ...result } = options.answer?.(call) ?? {};
        return finishedRun(call, lines, result);
      },
    } as Host["proc"],
  };
  const log = captureLog({ command: "run-flyway-cli", clock: systemClock, masker });
  let out = "";
  let error: unknown;
  try {
    await runFlywayCli(host, resolved, log.log, {
      command,
      from: "env",
      ...(options.database ? { database: options.database } : {}),
      stdout: { write: (text: string) => (out += text) },
      timeoutMs: options.timeoutMs ?? 120_000,
    });
  } catch (e) {
    error = e;
  }
  return { error, calls, out, log, masker };
}

const notes = (run: FlywayRun, step: string) =>
  run.log
    .notes()
    .filter((n) => n.step === step)
    .map((n) => n.message);

describe("run-flyway-cli: what Flyway is given", () => {
  it("each database in order, credentials in the environment only, our defaults where nothing else sets them", async () => {
    const run = await flyway("migrate");
    expect(run.error).toBeUndefined();
    expect(run.calls.map((c) => [c.tool, c.args])).toEqual([
      ["flyway", ["migrate"]],
      ["flyway", ["migrate"]],
    ]);
    const [platform, agents] = run.calls;
    expect(platform?.env).toEqual({
      FLYWAY_URL: `jdbc:postgresql://127.0.0.1:${server.port}/platform`,
      FLYWAY_USER: "platform",
      FLYWAY_PASSWORD: PASSWORDS.platform,
      FLYWAY_LOCATIONS: `filesystem:${SQL}/platform`,
      FLYWAY_CONNECT_RETRIES: "10",
    });
    // agents has a baseline version, but an empty schema has nothing to baseline.
    expect(agents?.env).toEqual({
      FLYWAY_URL: `jdbc:postgresql://127.0.0.1:${server.port}/agents`,
      FLYWAY_USER: "agents",
      FLYWAY_PASSWORD: PASSWORDS.agents,
      FLYWAY_LOCATIONS: `filesystem:${SQL}/agents`,
      FLYWAY_CONNECT_RETRIES: "10",
    });
    expect(platform?.timeoutMs).toBe(120_000);
    expect(platform?.cwd).toMatch(/dbws-/);
    expect(run.log.checkpoint("flyway:platform", "start")?.message).toBe(
      `flyway migrate on platform (jdbc:postgresql://127.0.0.1:${server.port}/platform)`,
    );
    expect(run.log.checkpoint("flyway:platform", "ok")?.message).toBe(
      "flyway migrate on platform succeeded",
    );
    expect(run.log.checkpoint("flyway:agents", "ok")?.message).toBe(
      "flyway migrate on agents succeeded",
    );
    expect(notes(run, "flyway:platform")).toEqual([
      "schema public is empty: migrating from scratch",
    ]);
    expect(run.log.text()).not.toContain(PASSWORDS.platform);
  });

  it("Flyway's output is shown line by line under the database's step, secrets masked", async () => {
    const run = await flyway("info", {
      database: "platform",
      answer: () => ({
        lines: ["Schema version: << Empty Schema >>", `password=${PASSWORDS.platform}`],
      }),
    });
    expect(run.out).toBe(
      "[flyway:platform] Schema version: << Empty Schema >>\n[flyway:platform] password=***\n",
    );
    expect(run.calls).toHaveLength(1);
  });

  it("--database runs that one only", async () => {
    const run = await flyway("validate", { database: "agents" });
    expect(run.calls.map((c) => c.env?.FLYWAY_USER)).toEqual(["agents"]);
    expect(run.log.checkpoint("flyway:platform", "start")).toBeUndefined();
  });

  it("locations and connectRetries set for Flyway itself are left to Flyway, and the note says where from", async () => {
    const run = await flyway("info", {
      database: "platform",
      env: { FLYWAY_LOCATIONS: `filesystem:${SQL}/platform`, FLYWAY_CONNECT_RETRIES: "3" },
    });
    expect(run.calls[0]?.env).not.toHaveProperty("FLYWAY_LOCATIONS");
    expect(run.calls[0]?.env).not.toHaveProperty("FLYWAY_CONNECT_RETRIES");
    expect(notes(run, "flyway:platform")).toContain(
      "locations from FLYWAY_LOCATIONS, connectRetries from FLYWAY_CONNECT_RETRIES (instead of the default)",
    );
  });

  it("only connectRetries set for Flyway: the note names that one alone", async () => {
    const run = await flyway("info", {
      database: "platform",
      env: { FLYWAY_CONNECT_RETRIES: "3" },
    });
    expect(run.calls[0]?.env?.FLYWAY_LOCATIONS).toBe(`filesystem:${SQL}/platform`);
    expect(notes(run, "flyway:platform")).toContain(
      "connectRetries from FLYWAY_CONNECT_RETRIES (instead of the default)",
    );
  });

  it("a setting Flyway does not read is warned about before any database", async () => {
    const run = await flyway("info", { database: "platform", env: { FLYWAY_ENVIRONMENT: "dev" } });
    expect(run.log.checkpoint("flyway:settings", "warn")?.message).toMatch(
      /^FLYWAY_ENVIRONMENT is not read by Flyway 10/,
    );
    const records = run.log.records();
    expect(records.findIndex((r) => r.step === "flyway:settings")).toBeLessThan(
      records.findIndex((r) => r.step === "flyway:platform"),
    );
  });
});

describe("run-flyway-cli: the preflight (FAULTS 33–34)", () => {
  it("info on a schema without history but a baseline version: says what migrate will do, and tells Flyway", async () => {
    await asOwner("agents", (c) => c.query("create table agents (id int)"));
    const run = await flyway("info", { database: "agents" });
    expect(notes(run, "flyway:agents")).toEqual([
      "schema public exists without history: 'migrate' will baseline it at version 3",
    ]);
    expect(run.calls[0]?.env).toMatchObject({
      FLYWAY_BASELINE_ON_MIGRATE: "true",
      FLYWAY_BASELINE_VERSION: "3",
    });
  });

  it("info on a schema without history and no baseline version: Flyway is left to report it", async () => {
    await asOwner("platform", (c) => c.query("create table legacy (id int)"));
    const run = await flyway("info", { database: "platform" });
    expect(run.error).toBeUndefined();
    expect(notes(run, "flyway:platform")).toEqual([]);
    expect(run.calls).toHaveLength(1);
    expect(run.calls[0]?.env).not.toHaveProperty("FLYWAY_BASELINE_ON_MIGRATE");
  });

  it("baseline on a schema without history and no baseline version: refused, later databases skipped", async () => {
    await asOwner("platform", (c) => c.query("create table legacy (id int)"));
    const run = await flyway("baseline");
    const fail = run.log.checkpoint("flyway:platform", "fail");
    expect(fail?.message).toBe(
      "database platform: schema public has 1 object(s) but no Flyway history, and no baseline version is configured",
    );
    expect(fail?.hint).toBe(
      "set baselineVersion for 'platform' in migrations.databases (the version the existing schema corresponds to)",
    );
    expect(run.log.checkpoint("flyway:agents", "skip")?.message).toBe("skipped: platform failed");
    expect(run.calls).toEqual([]);
  });

  it("baseline with a baseline version configured: Flyway gets the version even on an empty schema", async () => {
    const run = await flyway("baseline", { database: "agents" });
    expect(run.calls[0]?.args).toEqual(["baseline"]);
    expect(run.calls[0]?.env?.FLYWAY_BASELINE_VERSION).toBe("3");
    expect(run.calls[0]?.env).not.toHaveProperty("FLYWAY_BASELINE_ON_MIGRATE");
    expect(notes(run, "flyway:agents")).toEqual(["schema public is empty: migrating from scratch"]);
  });

  it("baseline drops an empty history table as migrate does; info and validate only say so", async () => {
    await asOwner("platform", (c) => c.query(historyTableDdl()));
    const info = await flyway("validate", { database: "platform" });
    expect(notes(info, "flyway:platform")).toEqual([
      "public.flyway_schema_history exists but is empty (a failed first run); 'migrate' will clear it",
    ]);
    const run = await flyway("baseline", { database: "platform" });
    expect(notes(run, "flyway:platform")).toEqual([
      "dropped an empty public.flyway_schema_history (left by a failed first run) so Flyway can baseline",
      "schema public is empty: migrating from scratch",
    ]);
    const left = await asOwner("platform", (c) =>
      c.query("select to_regclass('flyway_schema_history') as t"),
    );
    expect(left.rows[0].t).toBeNull();
  });

  it("an empty history table in the configured schema and table is the one dropped", async () => {
    await asOwner("platform", async (c) => {
      await c.query("create schema app");
      await c.query(historyTableDdl("app", "history"));
    });
    const run = await flyway("migrate", {
      database: "platform",
      env: { FLYWAY_DEFAULT_SCHEMA: "app", FLYWAY_TABLE: "history" },
    });
    expect(notes(run, "flyway:platform")[0]).toBe(
      "dropped an empty app.history (left by a failed first run) so Flyway can baseline",
    );
  });

  it("a history table with rows is never dropped, and no baseline is forced", async () => {
    await asOwner("platform", async (c) => {
      await c.query(historyTableDdl());
      await c.query(
        "insert into flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) values (1,'1','<< Flyway Baseline >>','BASELINE','<< Flyway Baseline >>',null,current_user,0,true)",
      );
      await c.query("create table organizations (id int)");
    });
    const run = await flyway("migrate", { database: "platform" });
    expect(run.error).toBeUndefined();
    expect(notes(run, "flyway:platform")).toEqual([]);
    expect(run.calls[0]?.env).not.toHaveProperty("FLYWAY_BASELINE_ON_MIGRATE");
    const rows = await asOwner("platform", (c) =>
      c.query("select count(*)::int as n from flyway_schema_history"),
    );
    expect(rows.rows[0].n).toBe(1);
  });

  it("a history table locked by another session: told as a lock, with the query that finds it", async () => {
    await asOwner("platform", (c) => c.query(historyTableDdl()));
    const holder = await server.superuserClient("platform");
    try {
      await holder.query("begin");
      await holder.query("lock table flyway_schema_history in access exclusive mode");
      const run = await flyway("migrate", { config: "  lockTimeoutSeconds: 1\n" });
      const fail = run.log.checkpoint("flyway:platform", "fail");
      expect(fail?.message).toBe(
        "database platform: public.flyway_schema_history is locked by another session (waited 1 s)",
      );
      expect(fail?.hint).toBe(
        "find it with: select pid, state, query from pg_stat_activity where state = 'idle in transaction'; end it, then rerun (or raise migrations.lockTimeoutSeconds)",
      );
      expect(run.log.checkpoint("flyway:agents", "skip")?.message).toBe("skipped: platform failed");
      expect(run.calls).toEqual([]);
    } finally {
      await holder.query("rollback");
      await holder.end();
    }
  });

  it("a preflight query past statementTimeoutSeconds: told as cancelled, with the setting to raise", async () => {
    await asOwner("platform", (c) => c.query(historyTableDdl()));
    const holder = await server.superuserClient("platform");
    try {
      await holder.query("begin");
      await holder.query("lock table flyway_schema_history in access exclusive mode");
      // The statement's limit comes before the lock's.
      const run = await flyway("info", {
        database: "platform",
        config: "  lockTimeoutSeconds: 30\n  statementTimeoutSeconds: 1\n",
      });
      const fail = run.log.checkpoint("flyway:platform", "fail");
      expect(fail?.message).toBe(
        "database platform: a preflight query ran longer than 1 s and was cancelled",
      );
      expect(fail?.hint).toBe(
        "check the database for long-running sessions, or raise migrations.statementTimeoutSeconds",
      );
    } finally {
      await holder.query("rollback");
      await holder.end();
    }
  });

  it("a database that refuses the login fails that database's step and skips the rest", async () => {
    const run = await flyway("info", {
      env: {
        DATABASE_URL: `postgresql://platform:wrong@127.0.0.1:${server.port}/platform`,
      },
    });
    expect(run.log.checkpoint("flyway:platform", "fail")?.message).toBe(
      `database platform: password authentication failed for user "platform" at 127.0.0.1:${server.port}`,
    );
    expect(run.log.checkpoint("flyway:agents", "skip")?.message).toBe("skipped: platform failed");
  });
});

describe("run-flyway-cli: how Flyway ended", () => {
  it("a non-zero exit: its code and a masked tail, the command to rerun; later databases skipped", async () => {
    const run = await flyway("migrate", {
      answer: () => ({
        exitCode: 1,
        lines: [
          `ERROR: login as platform with ${PASSWORDS.platform} failed`,
          "Migration V2 failed",
        ],
      }),
    });
    const fail = run.log.checkpoint("flyway:platform", "fail");
    expect(fail?.message).toBe(
      "flyway migrate on platform exited 1: ERROR: login as platform with *** failed | Migration V2 failed",
    );
    expect(fail?.hint).toBe(
      "fix it, then rerun 'dev-bootstrap run-flyway-cli migrate --database platform'",
    );
    expect(run.log.checkpoint("flyway:agents", "skip")?.message).toBe("skipped: platform failed");
    expect(run.calls).toHaveLength(1);
    expect(run.log.text()).not.toContain(PASSWORDS.platform);
  });

  it("the last database failing skips nothing: the ones before it ran", async () => {
    const run = await flyway("migrate", {
      answer: (call) => (call.env?.FLYWAY_USER === "agents" ? { exitCode: 2 } : {}),
    });
    expect(run.log.checkpoint("flyway:platform", "ok")).toBeDefined();
    expect(run.log.checkpoint("flyway:agents", "fail")?.message).toBe(
      "flyway migrate on agents exited 2: (no output)",
    );
    expect(run.log.records().filter((r) => r.status === "skip")).toEqual([]);
  });

  it("killed by a signal: the signal is named; no output says so", async () => {
    const run = await flyway("info", {
      database: "agents",
      answer: () => ({ exitCode: undefined, signal: "SIGKILL" }),
    });
    expect(run.log.checkpoint("flyway:agents", "fail")?.message).toBe(
      "flyway info on agents exited SIGKILL: (no output)",
    );
  });

  it("past its time limit: stopped, with the limit in seconds and what to check", async () => {
    const run = await flyway("migrate", {
      timeoutMs: 90_400,
      answer: () => ({ exitCode: undefined, signal: "SIGKILL", timedOut: true }),
    });
    expect(run.calls[0]?.timeoutMs).toBe(90_400);
    const fail = run.log.checkpoint("flyway:platform", "fail");
    expect(fail?.message).toBe(
      "flyway migrate on platform did not finish within 90 s; it and its children were stopped",
    );
    expect(fail?.hint).toBe("check the database for locks, or raise --timeout");
    expect(run.log.checkpoint("flyway:agents", "skip")).toBeDefined();
  });

  it("processes Flyway left running: a warning naming them, and the next database still runs", async () => {
    const run = await flyway("migrate", {
      answer: (call) =>
        call.env?.FLYWAY_USER === "platform" ? { leftovers: ["java", "sleep"] } : {},
    });
    const warn = run.log.checkpoint("flyway:platform", "warn");
    expect(warn?.message).toBe(
      "flyway migrate on platform succeeded; it left 2 processes running (java, sleep); they were stopped",
    );
    expect(warn?.hint).toMatch(/^nothing a run starts outlives it/);
    expect(run.log.checkpoint("flyway:platform", "ok")).toBeUndefined();
    expect(run.log.checkpoint("flyway:agents", "ok")).toBeDefined();
  });

  it("interrupted after the first database: Flyway is not started again, and nothing is marked failed or skipped", async () => {
    const stop = new AbortController();
    const run = await flyway("migrate", {
      signal: stop.signal,
      answer: () => {
        stop.abort(new Error("interrupted (SIGINT)"));
        return {};
      },
    });
    expect(run.calls).toHaveLength(1);
    expect((run.error as Error).message).toBe("interrupted (SIGINT)");
    expect(run.log.checkpoint("flyway:agents", "fail")).toBeUndefined();
    expect(run.log.checkpoint("flyway:agents", "skip")).toBeUndefined();
  });

  it("interrupted while Flyway runs: the interruption is the outcome, not a failed Flyway (docs/reference/logs.md: reported once)", async () => {
    const stop = new AbortController();
    const run = await flyway("migrate", {
      signal: stop.signal,
      // Ctrl-C while Flyway runs: the process port stops its tree and says so.
      answer: () => {
        stop.abort(new InterruptedError("SIGINT"));
        return { exitCode: undefined, signal: "SIGTERM", interrupted: true, lines: ["Migrating"] };
      },
    });
    expect(run.error).toBeInstanceOf(InterruptedError);
    expect(run.calls).toHaveLength(1);
    // Not "exited SIGTERM … fix it, then rerun", and the other database did not fail.
    expect(run.log.checkpoint("flyway:platform", "fail")).toBeUndefined();
    expect(run.log.checkpoint("flyway:platform", "ok")).toBeUndefined();
    expect(run.log.checkpoint("flyway:agents", "skip")).toBeUndefined();
  });
});
