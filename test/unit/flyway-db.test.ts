/**
 * Talking to a database Flyway manages, against a real PostgreSQL through the real
 * pg adapter (the Host's database port): what a failed login tells the user, what
 * the preflight reads of a schema (the schema Flyway takes, its history table, the
 * other objects in it), Flyway's history as stored, and the empty history table a
 * failed first run leaves behind, dropped only while it is empty (FAULTS.md 33).
 *
 * The schema Flyway takes is PostgreSQLConnection.doGetCurrentSchema's (Flyway
 * 10, flyway-database-postgresql): `SELECT current_schema`, else `SHOW
 * search_path`, else "Unable to determine current schema as search_path is
 * empty"; the history table's columns are JdbcTableSchemaHistory's
 * (createMetaDataTable.sql for PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPg } from "../../src/adapters/postgres.js";
import { PgConnectError, PgQueryTimeoutError } from "../../src/adapters/postgres-errors.js";
import { StepError } from "../../src/core/errors.js";
import {
  dropEmptyHistory,
  inspectSchema,
  inspectSchemaFacts,
  openDatabase,
  readHistory,
} from "../../src/flows/flyway-db.js";
import type { DbClient, DbPort, Host } from "../../src/flows/host.js";
import { freePort, ThrowawayPostgres } from "../../src/sandbox/postgres.js";
import { virtualClock } from "../helpers/clock.js";

const PASSWORD = "s3cret-app-pw";
let server: ThrowawayPostgres;

beforeAll(async () => {
  server = new ThrowawayPostgres();
  await server.start();
  await server.ensureDatabases([
    { name: "app", owner: "app", password: PASSWORD },
    { name: "other", owner: "other", password: PASSWORD },
  ]);
}, 60_000);
afterAll(async () => server?.stop());

/** The Host's database port, as createHost builds it, on a clock that never waits. */
function realPort(clock = virtualClock()): Host["db"] {
  return async () => ({ connect: (target, options) => connectPg(target, { ...options, clock }) });
}

const target = (
  over: Partial<{ port: number; user: string; password: string; database: string }> = {},
) => ({
  host: "127.0.0.1",
  port: over.port ?? server.port,
  database: over.database ?? "app",
  user: over.user ?? "app",
  password: over.password ?? PASSWORD,
  params: [] as Array<[string, string]>,
});

async function open(database = "app"): Promise<DbClient> {
  return openDatabase(
    realPort(),
    { database: "platform", target: target({ database, user: database }) },
    { queryTimeoutMs: 10_000 },
  );
}

/** The thrown error, for asserting its message and hint together. */
async function failure(p: Promise<unknown>): Promise<StepError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepError);
  return error as StepError;
}

/** Flyway 10's history table for PostgreSQL (createMetaDataTable.sql). */
const historyDdl = (table: string) => `create table ${table} (
  installed_rank int not null primary key, version varchar(50), description varchar(200) not null,
  type varchar(20) not null, script varchar(1000) not null, checksum int,
  installed_by varchar(100) not null, installed_on timestamp not null default now(),
  execution_time int not null, success boolean not null)`;

/** Runs `sql` in `database` as its owner (what a migration would have done). */
async function asOwner(database: string, ...sql: string[]): Promise<void> {
  const client = await open(database);
  try {
    for (const s of sql) await client.query(s);
  } finally {
    await client.end();
  }
}

describe("logging in (openDatabase)", () => {
  it("a wrong password names the database, the user and the address, never the password", async () => {
    const e = await failure(
      openDatabase(
        realPort(),
        { database: "platform", target: target({ password: "not-the-password" }) },
        { queryTimeoutMs: 10_000 },
      ),
    );
    expect(e.message).toBe(
      `database platform: password authentication failed for user "app" at 127.0.0.1:${server.port}`,
    );
    expect(e.hint).toBe(
      "the password in the migrations secret does not match the role; rerun ensure-local-secrets and the bootstrap, or reset the role's password",
    );
    expect(`${e.message} ${e.hint}`).not.toContain("not-the-password");
  });

  it("a database that does not exist is named with the createdb line that makes it", async () => {
    const e = await failure(
      openDatabase(
        realPort(),
        { database: "platform", target: target({ database: "nowhere" }) },
        { queryTimeoutMs: 10_000 },
      ),
    );
    expect(e.message).toBe(
      `database platform: "nowhere" does not exist at 127.0.0.1:${server.port}`,
    );
    expect(e.hint).toBe(`create it: createdb -h 127.0.0.1 -p ${server.port} nowhere`);
  });

  it("a server that is not there is tried five times, spaced, then reported unreachable", async () => {
    const port = await freePort();
    const clock = virtualClock();
    const e = await failure(
      openDatabase(
        realPort(clock),
        { database: "agents", target: target({ port }) },
        { queryTimeoutMs: 10_000 },
      ),
    );
    expect(e.message).toBe(
      `database agents: PostgreSQL unreachable at 127.0.0.1:${port} (ECONNREFUSED) after retries`,
    );
    expect(e.hint).toBe("start PostgreSQL (or its port-forward) and check host and port");
    // Four waits between five attempts, each longer than the last.
    expect(clock.sleeps).toHaveLength(4);
    expect([...clock.sleeps].sort((a, b) => a - b)).toEqual(clock.sleeps);
  });

  it("the number of attempts can be lowered (one login, no wait)", async () => {
    const port = await freePort();
    const clock = virtualClock();
    await failure(
      openDatabase(
        realPort(clock),
        { database: "agents", target: target({ port }) },
        { queryTimeoutMs: 10_000, attempts: 1 },
      ),
    );
    expect(clock.sleeps).toEqual([]);
  });

  it("another refusal is passed on as the server said it, with the server's log to check", async () => {
    const port: DbPort = {
      connect: async (t) => {
        throw new PgConnectError(
          { kind: "other", code: "53300", message: "sorry, too many clients already" },
          t,
        );
      },
    };
    const e = await failure(
      openDatabase(
        async () => port,
        { database: "platform", target: target() },
        {
          queryTimeoutMs: 10_000,
        },
      ),
    );
    expect(e.message).toBe("database platform: sorry, too many clients already");
    expect(e.hint).toBe("check the server's log");
  });

  it("an error that is not a login failure (an interrupt) is passed on unchanged", async () => {
    const interrupt = new Error("interrupted");
    const port: DbPort = {
      connect: async () => {
        throw interrupt;
      },
    };
    await expect(
      openDatabase(
        async () => port,
        { database: "platform", target: target() },
        {
          queryTimeoutMs: 10_000,
        },
      ),
    ).rejects.toBe(interrupt);
  });

  it("logs in with the session limits asked for, and five attempts unless told", async () => {
    const seen: unknown[] = [];
    const signal = new AbortController().signal;
    const port: DbPort = {
      connect: async (_t, options) => {
        seen.push(options);
        return {
          query: async () => ({ rows: [], rowCount: 0 }),
          escapeIdentifier: (s) => s,
          end: async () => {},
        };
      },
    };
    const c = { database: "platform", target: target() };
    await openDatabase(async () => port, c, {
      queryTimeoutMs: 65_000,
      signal,
      lockTimeoutMs: 10_000,
      statementTimeoutMs: 60_000,
    });
    await openDatabase(async () => port, c, { queryTimeoutMs: 65_000, attempts: 2 });
    expect(seen).toEqual([
      {
        queryTimeoutMs: 65_000,
        signal,
        lockTimeoutMs: 10_000,
        statementTimeoutMs: 60_000,
        attempts: 5,
      },
      { queryTimeoutMs: 65_000, attempts: 2 },
    ]);
  });

  it("a query the server never answers is a step failure naming the database, with what to check", async () => {
    const ended: string[] = [];
    const failing = new Error("relation does not exist");
    const port: DbPort = {
      connect: async (t) => ({
        query: async (text: string) => {
          if (text === "select 1") throw new PgQueryTimeoutError(65_000, t);
          throw failing;
        },
        escapeIdentifier: (s) => `"${s}"`,
        end: async () => void ended.push("end"),
      }),
    };
    const client = await openDatabase(
      async () => port,
      { database: "agents", target: target() },
      { queryTimeoutMs: 65_000 },
    );
    const e = await failure(client.query("select 1"));
    expect(e.message).toBe(
      `database agents: PostgreSQL at 127.0.0.1:${server.port} did not answer a query within 65 s`,
    );
    expect(e.hint).toBe(
      "the server took the login but runs no queries: check it (its log, load, locks, disk) or its port-forward; if it is only slow, raise migrations.queryTimeoutSeconds",
    );
    // Any other error is the caller's to explain.
    await expect(client.query("select x")).rejects.toBe(failing);
    expect(client.escapeIdentifier("a")).toBe('"a"');
    await client.end();
    expect(ended).toEqual(["end"]);
  });

  it("queries run with their values on the connection it opened", async () => {
    const client = await open();
    try {
      const r = await client.query<{ n: number; who: string }>(
        "select $1::int + 1 as n, current_user as who",
        [41],
      );
      expect(r.rows).toEqual([{ n: 42, who: "app" }]);
      expect(client.escapeIdentifier('we"ird')).toBe('"we""ird"');
    } finally {
      await client.end();
    }
  });
});

describe("what the preflight reads of a schema", () => {
  it("a fresh database: public, which exists, no history and nothing else in it", async () => {
    const client = await open("other");
    try {
      expect(await inspectSchema(client)).toEqual({
        schema: "public",
        schemaExists: true,
        user: "other",
        database: "other",
        historyExists: false,
        historyRows: 0,
        otherObjects: 0,
      });
    } finally {
      await client.end();
    }
  });

  it("counts the history's rows; without a history, tables, views and sequences other than the history table", async () => {
    await asOwner(
      "app",
      "create schema if not exists counted",
      historyDdl("counted.flyway_schema_history"),
      `insert into counted.flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
         values (1, '1', 'init', 'SQL', 'V1__init.sql', 12345, 'app', 7, true),
                (2, '2', 'more', 'SQL', 'V2__more.sql', -5, 'app', 3, true)`,
      "create table counted.t (id serial primary key)", // a table, its sequence, its index (not counted)
      "create view counted.v as select 1 as x",
      "create sequence counted.s",
    );
    const client = await open();
    try {
      const state = await inspectSchema(client, { schema: "counted" });
      expect(state).toEqual({
        schema: "counted",
        schemaExists: true,
        user: "app",
        database: "app",
        historyExists: true,
        historyRows: 2,
        // Not counted where there is a history: every use of the count is for a schema without one.
        otherObjects: 0,
      });
      await client.query("drop table counted.flyway_schema_history");
      expect(await inspectSchema(client, { schema: "counted" })).toMatchObject({
        historyExists: false,
        historyRows: 0,
        // t, its id sequence, v, s
        otherObjects: 4,
      });
    } finally {
      await client.end();
    }
  });

  it("counts what makes Flyway call a schema non-empty: types and functions too, not an extension's objects", async () => {
    // PostgreSQLSchema.doEmpty (Flyway 10): relations of kind r, v, S, t; types but row and
    // array types; functions; each unless it belongs to an extension. A schema holding only a
    // function is not empty to Flyway: migrate without a baseline stops ("Found non-empty schema(s)").
    await asOwner(
      "app",
      "create schema if not exists fn_only",
      "create function fn_only.answer() returns int language sql as 'select 42'",
      "create schema if not exists types_only",
      "create type types_only.mood as enum ('ok')",
      "create domain types_only.positive as int check (value > 0)",
      "create schema if not exists mv_only",
      "create materialized view mv_only.mv as select 1 as x",
      "create schema if not exists ext_only",
      "create extension if not exists citext schema ext_only",
    );
    const client = await open();
    try {
      const count = async (schema: string) =>
        (await inspectSchemaFacts(client, { schema })).otherObjects;
      expect(await count("fn_only")).toBe(1);
      expect(await count("types_only")).toBe(2);
      // Flyway's emptiness check leaves materialized views out, and an extension's objects.
      expect(await count("mv_only")).toBe(0);
      expect(await count("ext_only")).toBe(0);
    } finally {
      await client.end();
    }
  });

  it("a history table under another name (FLYWAY_TABLE) is found by that name alone", async () => {
    await asOwner(
      "app",
      "create schema if not exists named",
      historyDdl("named.my_history"),
      `insert into named.my_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
         values (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'app', 1, true)`,
    );
    const client = await open();
    try {
      const named = await inspectSchema(client, { schema: "named", table: "my_history" });
      expect(named).toMatchObject({ historyExists: true, historyRows: 1, otherObjects: 0 });
      // Under the default name, that table is just another object, and there is no history.
      const byDefault = await inspectSchema(client, { schema: "named" });
      expect(byDefault).toMatchObject({ historyExists: false, historyRows: 0, otherObjects: 1 });
    } finally {
      await client.end();
    }
  });

  it("a schema Flyway will create on its first migrate: named, not existing, empty", async () => {
    const client = await open();
    try {
      expect(await inspectSchemaFacts(client, { schema: "not_yet" })).toEqual({
        schema: "not_yet",
        schemaExists: false,
        user: "app",
        database: "app",
        historyExists: false,
        otherObjects: 0,
      });
    } finally {
      await client.end();
    }
  });

  it("no schema given: the connection's current schema, else its search_path as Flyway takes it", async () => {
    await asOwner(
      "app",
      "create schema if not exists current_one",
      historyDdl("current_one.flyway_schema_history"),
    );
    const client = await open();
    try {
      await client.query("set search_path = current_one, public");
      expect(await inspectSchema(client)).toMatchObject({
        schema: "current_one",
        schemaExists: true,
        historyExists: true,
        historyRows: 0,
      });
      // No schema on the search_path exists yet (currentSchema=x in the URL, before the first
      // migrate): current_schema is null and Flyway takes SHOW search_path itself.
      await client.query("set search_path = not_created");
      expect(await inspectSchemaFacts(client)).toMatchObject({
        schema: "not_created",
        schemaExists: false,
        historyExists: false,
        otherObjects: 0,
      });
    } finally {
      await client.end();
    }
  });

  it("a search_path that names nothing stops with Flyway's message", async () => {
    // Only a server whose SHOW search_path is empty: a stand-in client answers the one query so.
    const client: DbClient = {
      query: async <R>() => ({ rows: [{ schema: null }] as R[], rowCount: 1 }),
      escapeIdentifier: (s) => s,
      end: async () => {},
    };
    const e = await failure(inspectSchemaFacts(client));
    expect(e.message).toBe("Unable to determine current schema as search_path is empty");
    expect(e.hint).toBe("set currentSchema in the connection URL, or give the role a search_path");
  });
});

describe("reading Flyway's history", () => {
  it("every row in installed_rank order, installed_on as stored (no time zone applied)", async () => {
    await asOwner(
      "app",
      "create schema if not exists hist",
      historyDdl(`hist."odd name"`),
      `insert into hist."odd name" (installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success)
         values (2, '2', 'second', 'SQL', 'V2__second.sql', -42, 'app', '2026-01-02 03:04:05.678901', 9, false),
                (1, null, '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', null, 'app', '2026-01-01 00:00:00', 0, true)`,
    );
    const client = await open();
    try {
      await client.query("set timezone = 'Pacific/Kiritimati'");
      expect(await readHistory(client, "hist", "odd name")).toEqual([
        {
          installed_rank: 1,
          version: null,
          description: "<< Flyway Baseline >>",
          type: "BASELINE",
          script: "<< Flyway Baseline >>",
          checksum: null,
          installed_by: "app",
          installed_on: "2026-01-01 00:00:00.000000",
          execution_time: 0,
          success: true,
        },
        {
          installed_rank: 2,
          version: "2",
          description: "second",
          type: "SQL",
          script: "V2__second.sql",
          checksum: -42,
          installed_by: "app",
          installed_on: "2026-01-02 03:04:05.678901",
          execution_time: 9,
          success: false,
        },
      ]);
    } finally {
      await client.end();
    }
  });

  it("the default table is flyway_schema_history", async () => {
    await asOwner(
      "app",
      "create schema if not exists hist_default",
      historyDdl("hist_default.flyway_schema_history"),
      `insert into hist_default.flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
         values (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'app', 1, true)`,
    );
    const client = await open();
    try {
      expect((await readHistory(client, "hist_default")).map((r) => r.script)).toEqual([
        "V1__init.sql",
      ]);
    } finally {
      await client.end();
    }
  });
});

describe("the empty history a failed first run leaves (FAULTS.md 33)", () => {
  const tableExists = async (client: DbClient, name: string) =>
    (await client.query<{ t: string | null }>("select to_regclass($1)::text as t", [name])).rows[0]
      ?.t != null;

  it("an empty history table is dropped, so Flyway can baseline", async () => {
    await asOwner(
      "app",
      "create schema if not exists empty_one",
      historyDdl("empty_one.flyway_schema_history"),
    );
    const client = await open();
    try {
      expect(await dropEmptyHistory(client, "empty_one")).toBe(true);
      // Committed: gone for every other session too (Flyway's own connection among them).
      const other = await open();
      try {
        await other.query("set lock_timeout = '2s'");
        expect(await tableExists(other, "empty_one.flyway_schema_history")).toBe(false);
      } finally {
        await other.end();
      }
    } finally {
      await client.end();
    }
  });

  it("a history table with rows is never dropped, and the session is left usable", async () => {
    await asOwner(
      "app",
      "create schema if not exists kept",
      historyDdl("kept.my_history"),
      `insert into kept.my_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
         values (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'app', 1, true)`,
    );
    const client = await open();
    try {
      expect(await dropEmptyHistory(client, "kept", undefined, "my_history")).toBe(false);
      expect(await tableExists(client, "kept.my_history")).toBe(true);
      // Not left in a transaction holding the lock: another session can read it at once.
      const other = await open();
      try {
        await other.query("set lock_timeout = '2s'");
        expect((await other.query("select * from kept.my_history")).rows).toHaveLength(1);
      } finally {
        await other.end();
      }
    } finally {
      await client.end();
    }
  });

  it("a row another session is writing is waited for, and then the table is kept", async () => {
    await asOwner(
      "app",
      "create schema if not exists racing",
      historyDdl("racing.flyway_schema_history"),
    );
    // Flyway's own first run, still in its transaction: its row is not visible yet.
    const flyway = await open();
    const client = await open();
    try {
      await flyway.query("begin");
      await flyway.query(
        `insert into racing.flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
           values (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'app', 1, true)`,
      );
      const pid = (await client.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!
        .pid;
      const dropping = dropEmptyHistory(client, "racing");
      // Wait for the event: the preflight's session blocked on the table's lock.
      for (;;) {
        const r = await flyway.query<{ w: string | null }>(
          "select wait_event_type as w from pg_stat_activity where pid = $1",
          [pid],
        );
        if (r.rows[0]?.w === "Lock") break;
      }
      await flyway.query("commit");
      expect(await dropping).toBe(false);
      expect((await client.query("select * from racing.flyway_schema_history")).rows).toHaveLength(
        1,
      );
    } finally {
      await flyway.end();
      await client.end();
    }
  });

  it("an interrupt that came while it waited for the lock changes nothing", async () => {
    await asOwner(
      "app",
      "create schema if not exists interrupted",
      historyDdl("interrupted.flyway_schema_history"),
    );
    const client = await open();
    const controller = new AbortController();
    const reason = new Error("interrupted");
    controller.abort(reason);
    try {
      await expect(dropEmptyHistory(client, "interrupted", controller.signal)).rejects.toBe(reason);
      expect(await tableExists(client, "interrupted.flyway_schema_history")).toBe(true);
      // Rolled back: no transaction is left holding the lock.
      const other = await open();
      try {
        await other.query("set lock_timeout = '2s'");
        await other.query("select count(*) from interrupted.flyway_schema_history");
      } finally {
        await other.end();
      }
    } finally {
      await client.end();
    }
  });

  it("a history table that is not there is an error, and the transaction is rolled back", async () => {
    const client = await open();
    try {
      await expect(dropEmptyHistory(client, "public", undefined, "absent")).rejects.toThrow(
        'relation "public.absent" does not exist',
      );
      // Not left in an aborted transaction.
      expect((await client.query<{ n: number }>("select 2 as n")).rows).toEqual([{ n: 2 }]);
    } finally {
      await client.end();
    }
  });
});
