/**
 * flyway-status over a real PostgreSQL, with flyway_schema_history created by
 * Flyway's own DDL for PostgreSQL (flyway-database-postgresql
 * PostgreSQLDatabase.getRawCreateScript) and rows inserted the way Flyway's
 * JdbcTableSchemaHistory inserts them. Every case of test/helpers/flyway-cases.ts
 * states the `flyway info` states and the `flyway validate` outcome Flyway 10
 * gives, and cites the rule.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  compareVersions,
  flywayChecksum,
  parseMigrationName,
} from "../../src/core/flyway-files.js";
import { ThrowawayPostgres } from "../../src/sandbox/postgres.js";
import { cleanEnv, REPO, runCli, runInProcess } from "../helpers/cli.js";
import {
  BASELINE_DESCRIPTION,
  FLYWAY_CASES,
  type FlywayCase,
  rowChecksum,
} from "../helpers/flyway-cases.js";
import { historyTableDdl } from "../helpers/flyway-history.js";
import { StandIns } from "../helpers/standin.js";
import { makeWorkspace } from "../helpers/workspace.js";

const PASSWORDS = {
  cases: "c@ses:pw/?#%& x",
  platform: "platform-pw-41b2",
  agents: "agents-pw-7d1c",
  schemas: "schemas-pw-90e3",
};
let server: ThrowawayPostgres;

const url = (db: keyof typeof PASSWORDS, password: string = PASSWORDS[db]) =>
  `postgresql://${db}:${encodeURIComponent(password)}@127.0.0.1:${server.port}/${db}`;

/** Connects as the database's owner, as Flyway does with FLYWAY_USER. */
async function asOwner<T>(
  db: keyof typeof PASSWORDS,
  fn: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const c = new pg.Client({
    host: server.host,
    port: server.port,
    user: db,
    password: PASSWORDS[db],
    database: db,
  });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** JdbcTableSchemaHistory's insert (Database.getInsertStatement): installed_on takes its default. */
const INSERT = `INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;

beforeAll(async () => {
  server = new ThrowawayPostgres();
  await server.start();
  await server.ensureDatabases(
    (Object.keys(PASSWORDS) as Array<keyof typeof PASSWORDS>).map((name) => ({
      name,
      owner: name,
      password: PASSWORDS[name],
    })),
  );
}, 60_000);
afterAll(async () => server?.stop());

interface StatusJson {
  settings: { ignoreMigrationPatterns: string[] };
  databases: Array<{
    database: string;
    healthy: boolean;
    currentVersion?: string;
    error?: string;
    locations: string[];
    counts: Record<string, number>;
    errors: Array<{ code: string; message: string }>;
    migrations: Array<
      Record<string, unknown> & { state: string; version?: string; description: string }
    >;
  }>;
}

/** A workspace holding one database, "cases", whose migrations are the case's files. */
function caseWorkspace(files: Record<string, string>) {
  const entries = Object.entries(files).map(([name, text]) => [`sql/cases/${name}`, text]);
  return makeWorkspace({
    "dev-bootstrap.yaml":
      "migrations:\n  sqlDir: sql\n  databases:\n    - { name: cases, vaultPath: cases/db }\n",
    ...Object.fromEntries(entries),
  });
}

async function writeHistory(c: FlywayCase) {
  await asOwner("cases", async (client) => {
    await client.query("drop table if exists flyway_schema_history");
    if (c.rows.length === 0) return;
    await client.query(historyTableDdl());
    for (const [i, r] of c.rows.entries()) {
      await client.query(INSERT, [
        i + 1,
        r.version,
        r.description,
        r.type ?? "SQL",
        r.script,
        rowChecksum(c, r),
        "cases",
        r.type === "DELETE" || r.type === "BASELINE" ? 0 : 3,
        r.success ?? true,
      ]);
    }
  });
}

describe("every Flyway state over a real PostgreSQL (flyway info state, flyway validate outcome)", () => {
  it.each(FLYWAY_CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    // Rule: see c.rule (cited in test/helpers/flyway-cases.ts).
    await writeHistory(c);
    const ws = caseWorkspace(c.files);
    // In-process (the command's code over a real PostgreSQL); the table and JSON tests
    // below run the built CLI.
    const r = await runInProcess(
      ["flyway-status", "--from", "env", "--json", ...(c.allowPending ? ["--allow-pending"] : [])],
      { cwd: ws.dir, env: cleanEnv({ DATABASE_URL: url("cases"), ...c.env }) },
    );
    expect(r.code, `${c.rule}\n${r.stderr}`).toBe(c.validate === "ok" ? 0 : 1);
    const group = (JSON.parse(r.stdout) as StatusJson).databases[0]!;
    expect(group.migrations.map((m) => [m.version ?? m.description, m.state])).toEqual(c.info);
    expect(group.errors.map((e) => e.code)).toEqual(c.validate === "ok" ? [] : c.validate);
    expect(r.stdout + r.stderr).not.toContain(PASSWORDS.cases);
  });
});

describe("a history table exactly as Flyway 10 writes it", () => {
  const files = {
    "V1__Legacy_schema.sql": "create table legacy (id int);\n",
    "V2__Create_users.sql": "create table users (\n  id bigint primary key\n);\n",
    "V3__Add_display_name.sql": "alter table users add column display_name text;\r\n",
    "R__User_summary_view.sql":
      "create or replace view user_summary as select count(*) from users;\n",
  };
  const crc = (name: keyof typeof files) => flywayChecksum(files[name]);

  beforeAll(async () => {
    await asOwner("cases", async (c) => {
      await c.query("drop table if exists flyway_schema_history");
      // `flyway baseline -baselineVersion=1` on a schema with objects: the table
      // with its baseline row (PostgreSQLDatabase.getRawCreateScript(table, true)).
      await c.query(historyTableDdl());
      await c.query(INSERT, [
        1,
        "1",
        BASELINE_DESCRIPTION,
        "BASELINE",
        BASELINE_DESCRIPTION,
        null,
        "cases",
        0,
        true,
      ]);
      // `flyway migrate`: two versioned migrations and a repeatable, with Flyway's checksums and timings.
      await c.query(INSERT, [
        2,
        "2",
        "Create users",
        "SQL",
        "V2__Create_users.sql",
        crc("V2__Create_users.sql"),
        "cases",
        14,
        true,
      ]);
      await c.query(INSERT, [
        3,
        "3",
        "Add display name",
        "SQL",
        "V3__Add_display_name.sql",
        crc("V3__Add_display_name.sql"),
        "cases",
        6,
        true,
      ]);
      await c.query(INSERT, [
        4,
        null,
        "User summary view",
        "SQL",
        "R__User_summary_view.sql",
        crc("R__User_summary_view.sql"),
        "cases",
        3,
        true,
      ]);
    });
  });

  it("has Flyway's column types, key and index", async () => {
    const columns = await asOwner("cases", (c) =>
      c.query(
        `select column_name, data_type, character_maximum_length as len, is_nullable, column_default
           from information_schema.columns where table_name = 'flyway_schema_history' order by ordinal_position`,
      ),
    );
    expect(columns.rows.map((r) => [r.column_name, r.data_type, r.len, r.is_nullable])).toEqual([
      ["installed_rank", "integer", null, "NO"],
      ["version", "character varying", 50, "YES"],
      ["description", "character varying", 200, "NO"],
      ["type", "character varying", 20, "NO"],
      ["script", "character varying", 1000, "NO"],
      ["checksum", "integer", null, "YES"],
      ["installed_by", "character varying", 100, "NO"],
      ["installed_on", "timestamp without time zone", null, "NO"],
      ["execution_time", "integer", null, "NO"],
      ["success", "boolean", null, "NO"],
    ]);
    expect(columns.rows.find((r) => r.column_name === "installed_on")?.column_default).toBe(
      "now()",
    );
    const indexes = await asOwner("cases", (c) =>
      c.query(
        "select indexname from pg_indexes where tablename = 'flyway_schema_history' order by 1",
      ),
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual([
      "flyway_schema_history_pk",
      "flyway_schema_history_s_idx",
    ]);
  });

  it("reads it as flyway info does: Baseline, Success ×3, the file at the baseline Ignored (Baseline); validate passes", async () => {
    // Rules: BaseAppliedMigration.getState (BASELINE row → Baseline; rows with their files → Success);
    // ResolvedMigration.getState (a file at the applied baseline → Ignored (Baseline));
    // MigrationInfoImpl.compareTo (installed rows by rank, then files); validate: nothing to report.
    const ws = caseWorkspace(files);
    const r = await runCli(["flyway-status", "--from", "env", "--json"], {
      cwd: ws.dir,
      env: cleanEnv({ DATABASE_URL: url("cases") }),
    });
    expect(r.code, r.stderr).toBe(0);
    const db = (JSON.parse(r.stdout) as StatusJson).databases[0]!;
    expect(db).toMatchObject({
      database: "cases",
      healthy: true,
      currentVersion: "3",
      locations: ["sql/cases"],
    });
    const m = db.migrations;
    // MigrationInfoImpl.compareTo: a file at the baseline comes before the applied rows;
    // MigrationInfoDumper.getCategory: "" for the synthetic BASELINE row.
    expect(m.map((x) => [x.category, x.version ?? "", x.description, x.type, x.state])).toEqual([
      ["Versioned", "1", "Legacy schema", "SQL", "Ignored (Baseline)"],
      ["", "1", BASELINE_DESCRIPTION, "BASELINE", "Baseline"],
      ["Versioned", "2", "Create users", "SQL", "Success"],
      ["Versioned", "3", "Add display name", "SQL", "Success"],
      ["Repeatable", "", "User summary view", "SQL", "Success"],
    ]);
    expect(m[2]).toMatchObject({
      script: "V2__Create_users.sql",
      stateCode: "SUCCESS",
      checksumOnDisk: crc("V2__Create_users.sql"),
      checksumInHistory: crc("V2__Create_users.sql"),
      installedRank: 2,
      installedBy: "cases",
      executionTime: 14,
      group: "schema",
    });
    expect(m[1]).not.toHaveProperty("group");
    expect(m[2]!.installedOn).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(m[0]).toMatchObject({ installedRank: null, installedOn: null, checksumInHistory: null });
    // flyway info -outputType=json (CommandResultFactory.createInfoResult / createInfoOutput).
    const info = (
      db as unknown as {
        flywayInfo: Record<string, unknown> & { migrations: Record<string, unknown>[] };
      }
    ).flywayInfo;
    expect(info).toMatchObject({
      operation: "info",
      flywayVersion: "10.22.0",
      database: "cases",
      schemaVersion: "3",
      schemaName: "",
      allSchemasEmpty: false,
    });
    expect(info.migrations[0]).toEqual({
      category: "Versioned",
      version: "1",
      rawVersion: "1",
      description: "Legacy schema",
      type: "SQL",
      installedOnUTC: "",
      state: "Ignored (Baseline)",
      undoable: "No",
      filepath: join(ws.dir, "sql/cases/V1__Legacy_schema.sql"),
      undoFilepath: "",
      installedBy: "",
      shouldExecuteExpression: null,
      executionTime: 0,
    });
    expect(info.migrations[2]).toMatchObject({
      version: "2",
      installedBy: "cases",
      executionTime: 14,
      installedOnUTC: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$/),
    });
    expect(info.migrations[4]).toMatchObject({ category: "Repeatable", version: "", undoable: "" });
  });

  it("prints the table flyway info prints, with Flyway's display names", async () => {
    const ws = caseWorkspace(files);
    const r = await runCli(["flyway-status", "--from", "env"], {
      cwd: ws.dir,
      env: cleanEnv({ DATABASE_URL: url("cases") }),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  Schema version: 3\n");
    // MigrationInfoDumper.dumpToAsciiTable: Flyway 10's columns, Undoable last.
    expect(r.stdout).toMatch(
      /\| Category {3}\| Version \| Description {11}\| Type {5}\| Installed On {8}\| State {14}\| Undoable \|/,
    );
    expect(r.stdout).toMatch(
      /\| Versioned {2}\| 1 {7}\| Legacy schema {9}\| SQL {6}\| {21}\| Ignored \(Baseline\) \| No {7}\|/,
    );
    expect(r.stdout).toMatch(/\| {12}\| 1 {7}\| << Flyway Baseline >> \| BASELINE \|/);
    expect(r.stdout).toMatch(
      /\| Repeatable \| {9}\| User summary view {5}\| SQL {6}\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| Success {12}\| {10}\|/,
    );
    expect(r.stdout).toContain("  validate: ok\n");
  });
});

describe("flyway-status on the example migrations", () => {
  const SQL = join(REPO, "db/flyway/sql");
  const env = (extra: Record<string, string> = {}) =>
    cleanEnv({ DATABASE_URL: url("platform"), AGENTS_DATABASE_URL: url("agents"), ...extra });
  const ws = makeWorkspace({ "dev-bootstrap.yaml": `migrations:\n  sqlDir: ${SQL}\n` });
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runInProcess(["flyway-status", "--from", "env", ...args], { cwd: ws.dir, env: env(extra) });

  /** Runs the example files as Flyway would (versioned in order, then repeatables) and records them. */
  async function migrate(db: "platform" | "agents") {
    await asOwner(db, async (c) => {
      await c.query("drop owned by current_user");
      await c.query(historyTableDdl());
      const files = readdirSync(join(SQL, db))
        .map((name) => parseMigrationName(name))
        .flatMap((p) => (p.ok === true ? [p.file] : []))
        .sort((a, b) =>
          a.version && b.version ? compareVersions(a.version, b.version) : a.version ? -1 : 1,
        );
      for (const [i, f] of files.entries()) {
        const text = readFileSync(join(SQL, db, f.script));
        await c.query(text.toString());
        await c.query(INSERT, [
          i + 1,
          f.version ?? null,
          f.description,
          "SQL",
          f.script,
          flywayChecksum(text),
          db,
          1,
          true,
        ]);
      }
    });
  }

  it("before migrating: exit 1 as validate, exit 0 with --allow-pending; no password in output", async () => {
    await asOwner("platform", (c) => c.query("drop table if exists flyway_schema_history"));
    await asOwner("agents", (c) => c.query("drop table if exists flyway_schema_history"));
    const strict = await cli(["--json"]);
    expect(strict.code).toBe(1);
    const dbs = (JSON.parse(strict.stdout) as StatusJson).databases;
    expect(dbs.map((d) => [d.database, d.counts])).toEqual([
      ["platform", { Pending: 4 }],
      ["agents", { Pending: 4 }],
    ]);
    expect(strict.stdout).toMatch(
      /"message": "Detected resolved migration not applied to database: 1\./,
    );
    expect(strict.stderr).toMatch(
      /platform: no version yet, 4 pending, validate failed \(4 errors\).*hint: migrate \('dev-bootstrap run-flyway-cli migrate' or run-migrations\); before migrating, check with --allow-pending/,
    );
    const before = await cli(["--allow-pending"]);
    expect(before.code, before.stdout).toBe(0);
    expect(before.stdout).toContain("validate: ok");
    for (const out of [strict, before])
      for (const pw of Object.values(PASSWORDS)) expect(out.stdout + out.stderr).not.toContain(pw);
  });

  it("after migrating: every example file agrees with the checksum Flyway stored; exit 0", async () => {
    await migrate("platform");
    await migrate("agents");
    const r = await cli(["--json"]);
    expect(r.code, r.stdout).toBe(0);
    const dbs = (JSON.parse(r.stdout) as StatusJson).databases;
    expect(dbs.map((d) => [d.currentVersion, d.counts])).toEqual([
      ["2", { Success: 4 }],
      ["4", { Success: 4 }],
    ]);
  });

  it("a file edited after it was applied: exit 1, with validate's message and a hint", async () => {
    await migrate("platform");
    await asOwner("platform", (c) =>
      c.query("update flyway_schema_history set checksum = checksum + 1 where version = '1.1'"),
    );
    const r = await cli(["--database", "platform"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /validate: 1 error\n {4}Migration checksum mismatch for migration version 1\.1 -> Applied to database : -?\d+ -> Resolved locally {4}: -?\d+\./,
    );
    expect(r.stdout).toMatch(
      /hint: a migration file changed after it was applied: restore it, or 'dev-bootstrap run-flyway-cli repair'/,
    );
  });

  it("a bad FLYWAY_IGNORE_MIGRATION_PATTERNS is refused before connecting (exit 2)", async () => {
    const r = await cli([], { FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:gone" });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(
      /FLYWAY_IGNORE_MIGRATION_PATTERNS: invalid migration state 'gone' in '\*:gone'.*valid states are \*, missing, pending, ignored, future/,
    );
  });

  it("an unreachable server and a wrong password are reported per database", async () => {
    const wrong = await cli([], { AGENTS_DATABASE_URL: url("agents", "nope-wrong") });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(
      /database agents: password authentication failed for user "agents" at 127\.0\.0\.1:\d+/,
    );
    expect(wrong.stdout).not.toContain("nope-wrong");
    const down = await cli(["--database", "platform"], {
      DATABASE_URL: "postgresql://platform:x1x1@127.0.0.1:1/platform",
    });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(
      /PostgreSQL unreachable at 127\.0\.0\.1:1 \(ECONNREFUSED\) after retries/,
    );
  });
});

describe("a migration file that is not valid UTF-8", () => {
  it("stops that database as Flyway does, with the file and a hint; the others are read", async () => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml":
        "migrations:\n  sqlDir: sql\n  databases:\n    - { name: cases, vaultPath: cases/db }\n    - { name: platform, vaultPath: platform/db }\n",
      "sql/cases/V1__First.sql": "select 1;\n",
      "sql/platform/V1__First.sql": "select 1;\n",
    });
    // Saved by an editor in Latin-1: 'Zürich' with ü as the single byte 0xFC.
    ws.write(
      "sql/cases/V2__Cities.sql",
      Buffer.from("insert into city values ('Z\xfcrich');\n", "latin1"),
    );
    const r = await runInProcess(["flyway-status", "--from", "env", "--allow-pending", "--json"], {
      cwd: ws.dir,
      env: cleanEnv({ DATABASE_URL: url("cases"), PLATFORM_DATABASE_URL: url("platform") }),
    });
    expect(r.code, r.stderr).toBe(1);
    const byName = Object.fromEntries(
      (JSON.parse(r.stdout) as StatusJson).databases.map((d) => [d.database, d]),
    );
    expect(byName.cases!.error).toBe(
      "Unable to calculate checksum of V2__Cities.sql: not valid UTF-8 at byte 27",
    );
    expect(byName.cases!.healthy).toBe(false);
    expect(r.stderr).toContain("set FLYWAY_ENCODING to the one it is in");
    expect(byName.platform!.error).toBeUndefined();
  });

  it("with FLYWAY_ENCODING=ISO-8859-1 it is read as Flyway reads it, and matches what Flyway stored", async () => {
    const text = "insert into city values ('Zürich');\n";
    const ws = caseWorkspace({ "V1__Cities.sql": "" });
    ws.write("sql/cases/V1__Cities.sql", Buffer.from(text, "latin1"));
    // Flyway decoded the file as ISO-8859-1 and stored the checksum of that text.
    await writeHistory({
      name: "latin1",
      rule: "FLYWAY_ENCODING",
      files: { "V1__Cities.sql": text },
      rows: [
        {
          version: "1",
          description: "Cities",
          script: "V1__Cities.sql",
          checksum: flywayChecksum(text),
        },
      ],
      info: [],
      validate: "ok",
    } as unknown as FlywayCase);
    const run = (encoding: string) =>
      runInProcess(["flyway-status", "--from", "env"], {
        cwd: ws.dir,
        env: cleanEnv({ DATABASE_URL: url("cases"), FLYWAY_ENCODING: encoding }),
      });
    const latin1 = await run("ISO-8859-1");
    expect(latin1.code, latin1.stdout + latin1.stderr).toBe(0);
    expect(latin1.stdout).toContain("cases: version 1, 0 pending");
    const utf16 = await run("UTF-16");
    expect(utf16.code).toBe(2);
    expect(utf16.stdout + utf16.stderr).toContain(
      "FLYWAY_ENCODING: flyway-status reads migrations in UTF-8, ISO-8859-1 or US-ASCII, not 'UTF-16'",
    );
  });
});

describe("the schema flyway-status reads is the login's current schema", () => {
  // The role's search_path names its own schema first, as a DBA sets it for an app.
  const ws = makeWorkspace({
    "dev-bootstrap.yaml":
      "migrations:\n  sqlDir: sql\n  databases:\n    - { name: schemas, vaultPath: schemas/db, baselineVersion: '4' }\n",
    "sql/schemas/V1__First.sql": "select 1;\n",
    "sql/schemas/V2__Second.sql": "select 2;\n",
  });
  const status = () =>
    runInProcess(["flyway-status", "--from", "env", "--allow-pending"], {
      cwd: ws.dir,
      env: cleanEnv({ DATABASE_URL: url("schemas") }),
    });

  beforeAll(async () => {
    await asOwner("schemas", async (c) => {
      await c.query("create schema app");
      await c.query("alter role schemas set search_path = app, public");
    });
  });

  it("reads the history table in that schema, not public's", async () => {
    await asOwner("schemas", async (c) => {
      await c.query(historyTableDdl("app"));
      await c.query(INSERT.replace('"public"', '"app"'), [
        1,
        "1",
        "First",
        "SQL",
        "V1__First.sql",
        flywayChecksum("select 1;\n"),
        "schemas",
        1,
        true,
      ]);
      // A decoy in public that must not be read.
      await c.query(historyTableDdl("public"));
    });
    const r = await status();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("schemas: version 1, 1 pending");
  });

  it("a schema with objects but no history: says migrate will baseline it first", async () => {
    await asOwner("schemas", async (c) => {
      await c.query("drop table app.flyway_schema_history");
      await c.query("create table app.widgets (id int)");
    });
    const r = await status();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("schemas: no version yet, 2 pending");
    expect(r.stdout).toContain(
      "note: the schema has objects but no history; migrate will first baseline it at version 4",
    );
  });

  it("an empty schema gets no baseline note", async () => {
    await asOwner("schemas", (c) => c.query("drop table app.widgets"));
    const r = await status();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("schemas: no version yet, 2 pending");
    expect(r.stdout).not.toContain("baseline it");
  });

  // pgjdbc sets search_path from currentSchema, and Flyway's default schema is then that
  // one; libpq's `options` can set it too. Both must reach our own queries.
  it.each([
    [
      "pgjdbc's currentSchema",
      () =>
        `jdbc:postgresql://127.0.0.1:${server.port}/schemas?user=schemas&password=${encodeURIComponent(PASSWORDS.schemas)}&currentSchema=ledger`,
    ],
    [
      "libpq's options",
      () => `${url("schemas")}?options=${encodeURIComponent("-c search_path=ledger")}`,
    ],
  ])("a schema named by %s in the URL is the one read", async (_name, ledgerUrl) => {
    await asOwner("schemas", async (c) => {
      await c.query("create schema if not exists ledger");
      await c.query("drop table if exists ledger.flyway_schema_history");
      await c.query(historyTableDdl("ledger"));
      for (const [rank, name, text] of [
        [1, "First", "select 1;\n"],
        [2, "Second", "select 2;\n"],
      ] as const)
        await c.query(INSERT.replace('"public"', '"ledger"'), [
          rank,
          String(rank),
          name,
          "SQL",
          `V${rank}__${name}.sql`,
          flywayChecksum(text),
          "schemas",
          1,
          true,
        ]);
    });
    const r = await runInProcess(["flyway-status", "--from", "env"], {
      cwd: ws.dir,
      env: cleanEnv({ DATABASE_URL: ledgerUrl() }),
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("schemas: version 2, 0 pending");
    expect(r.stdout + r.stderr).not.toContain(PASSWORDS.schemas);
  });
});

describe("a currentSchema that does not exist yet (Flyway creates it on its first migrate)", () => {
  it("is the schema read: no history, not public's", async () => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml":
        "migrations:\n  sqlDir: sql\n  databases:\n    - { name: cases, vaultPath: cases/db }\n",
      "sql/cases/V1__First.sql": "select 1;\n",
    });
    // public holds a history of its own that must not be taken for the new schema's.
    await writeHistory(FLYWAY_CASES.find((c) => c.rows.length > 0)!);
    const env = (schema: string) =>
      cleanEnv({
        DATABASE_URL: `jdbc:postgresql://127.0.0.1:${server.port}/cases?user=cases&password=${encodeURIComponent(PASSWORDS.cases)}&currentSchema=${encodeURIComponent(schema)}`,
      });
    // A quoted name with a space and a tab: the escaping must carry it to the server whole.
    for (const schema of ["not_yet", '"Not Yet\tSchema"']) {
      const r = await runInProcess(["flyway-status", "--from", "env", "--allow-pending"], {
        cwd: ws.dir,
        env: env(schema),
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("cases: no version yet, 1 pending");
    }
  });

  it("validate gives Flyway's one 'doesn't exist yet' error, not one per file; *:pending passes", async () => {
    // DbValidate.validate: !schema.exists() → SCHEMA_DOES_NOT_EXIST when migrations resolve and pending is not ignored.
    const ws = makeWorkspace({
      "dev-bootstrap.yaml":
        "migrations:\n  sqlDir: sql\n  databases:\n    - { name: cases, vaultPath: cases/db }\n",
      "sql/cases/V1__First.sql": "select 1;\n",
      "sql/cases/V2__Second.sql": "select 2;\n",
      "sql/cases/R__View.sql": "select 3;\n",
    });
    const env = cleanEnv({
      DATABASE_URL: `jdbc:postgresql://127.0.0.1:${server.port}/cases?user=cases&password=${encodeURIComponent(PASSWORDS.cases)}&currentSchema=not_yet`,
    });
    const r = await runCli(["flyway-status", "--from", "env", "--json"], { cwd: ws.dir, env });
    expect(r.code, r.stderr).toBe(1);
    const db = (JSON.parse(r.stdout) as StatusJson).databases[0]!;
    expect(db.errors).toEqual([
      { code: "SCHEMA_DOES_NOT_EXIST", message: `Schema "not_yet" doesn't exist yet` },
    ]);
    expect(db.migrations.map((m) => m.state)).toEqual(["Pending", "Pending", "Pending"]);
    const ignored = await runCli(["flyway-status", "--from", "env"], {
      cwd: ws.dir,
      env: { ...env, FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:pending" },
    });
    expect(ignored.code, ignored.stdout + ignored.stderr).toBe(0);
  });
});

describe("the files of a location, found as Flyway's FileSystemScanner finds them", () => {
  it("a symbolic link loop ends in bounded time with one line and a hint, where Flyway's scan never ends", async () => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml":
        "migrations:\n  sqlDir: sql\n  databases:\n    - { name: cases, vaultPath: cases/db }\n",
      "sql/cases/V1__First.sql": "select 1;\n",
    });
    // Two links to the location itself: a walk without a bound on directories is exponential.
    symlinkSync(".", join(ws.dir, "sql/cases/a"));
    symlinkSync(".", join(ws.dir, "sql/cases/b"));
    const r = await runCli(["flyway-status", "--from", "env"], {
      cwd: ws.dir,
      env: cleanEnv({ DATABASE_URL: url("cases") }),
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/a symbolic link loop\?/);
    expect(r.stdout + r.stderr).toMatch(/remove or fix it/);
  });

  it("a script's own .conf turns placeholder replacement off for it, as in Flyway", async () => {
    // ParserSqlScript.placeholderReplacement: SqlScriptMetadata (R__Raw.sql.conf) over the setting;
    // without it, '${literal}' has no value and Flyway cannot resolve the migrations.
    const text = "select '${literal}';\n";
    await writeHistory({
      ...FLYWAY_CASES[0]!,
      files: { "R__Raw.sql": text },
      rows: [{ version: null, description: "Raw", script: "R__Raw.sql", checksum: { text } }],
    });
    const ws = makeWorkspace({
      "dev-bootstrap.yaml":
        "migrations:\n  sqlDir: sql\n  databases:\n    - { name: cases, vaultPath: cases/db }\n",
      "sql/cases/R__Raw.sql": text,
      "sql/cases/R__Raw.sql.conf": "# no placeholders here\nplaceholderReplacement = false\n",
    });
    const env = cleanEnv({ DATABASE_URL: url("cases") });
    const r = await runCli(["flyway-status", "--from", "env", "--json"], { cwd: ws.dir, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const db = (JSON.parse(r.stdout) as StatusJson).databases[0]!;
    expect(db.migrations.map((m) => [m.description, m.state])).toEqual([["Raw", "Success"]]);
    // Without the .conf: "No value provided for placeholder: ${literal}.  Check your configuration!"
    ws.write("sql/cases/R__Raw.sql.conf", "placeholderReplacement=true\n");
    const on = await runCli(["flyway-status", "--from", "env", "--json"], { cwd: ws.dir, env });
    expect(on.code).toBe(1);
    expect((JSON.parse(on.stdout) as StatusJson).databases[0]!.errors).toEqual([
      {
        code: "INFO",
        message: "No value provided for placeholder: ${literal}.  Check your configuration!",
      },
    ]);
  });

  it("a repeatable with a user placeholder: its value comes from FLYWAY_PLACEHOLDERS_* or flyway.toml, as run-flyway-cli's Flyway reads it", async () => {
    // SqlMigrationResolver: a repeatable's checksum is taken after PlaceholderReplacingReader
    // replaced ${owner}; ConfigUtils: FLYWAY_PLACEHOLDERS_OWNER names placeholder 'owner'.
    const text = "create or replace view v as select '${owner}' as owner;\n";
    const applied = "create or replace view v as select 'app_owner' as owner;\n";
    await writeHistory({
      ...FLYWAY_CASES[0]!,
      files: { "R__View.sql": text },
      rows: [
        { version: null, description: "View", script: "R__View.sql", checksum: { text: applied } },
      ],
    });
    const ws = makeWorkspace({
      "dev-bootstrap.yaml":
        "migrations:\n  sqlDir: sql\n  databases:\n    - { name: cases, vaultPath: cases/db }\n",
      "sql/cases/R__View.sql": text,
    });
    const states = async (extra: Record<string, string>) => {
      const r = await runCli(["flyway-status", "--from", "env", "--json"], {
        cwd: ws.dir,
        env: cleanEnv({ DATABASE_URL: url("cases"), ...extra }),
      });
      const db = (JSON.parse(r.stdout) as StatusJson).databases[0]!;
      return { code: r.code, states: db.migrations.map((m) => `${m.description}:${m.state}`) };
    };
    expect(await states({ FLYWAY_PLACEHOLDERS_OWNER: "app_owner" })).toEqual({
      code: 0,
      states: ["View:Success"],
    });
    // Another value: the file Flyway would run now differs from what it ran.
    expect(await states({ FLYWAY_PLACEHOLDERS_OWNER: "someone_else" })).toEqual({
      code: 1,
      states: ["View:Outdated", "View:Pending"],
    });
    // The same value from flyway.toml in the workspace, where run-flyway-cli runs Flyway.
    ws.write("flyway.toml", '[flyway.placeholders]\nowner = "app_owner"\n');
    expect(await states({})).toEqual({ code: 0, states: ["View:Success"] });
  });

  it("skips hidden directories, follows symbolic links to directories, and skips a FIFO without waiting", async () => {
    await writeHistory({ ...FLYWAY_CASES[0]!, rows: [] });
    const ws = makeWorkspace({
      "dev-bootstrap.yaml":
        "migrations:\n  sqlDir: sql\n  databases:\n    - { name: cases, vaultPath: cases/db }\n",
      "sql/cases/V1__First.sql": "select 1;\n",
      // FileSystemScanner.findResourceNamesFromFileSystem: File.isHidden directories are skipped (#1807).
      "sql/cases/..2026_01_01/V9__Kubernetes_mount.sql": "select 9;\n",
      "sql/cases/.git/V8__Hidden.sql": "select 8;\n",
      "shared/V2__Linked.sql": "select 2;\n",
    });
    // java.io.File.isDirectory follows the link: its files are read as if they were there.
    symlinkSync(join(ws.dir, "shared"), join(ws.dir, "sql/cases/linked"));
    execFileSync("mkfifo", [join(ws.dir, "sql/cases/V3__Pipe.sql")]);
    const r = await runCli(["flyway-status", "--from", "env", "--json", "--allow-pending"], {
      cwd: ws.dir,
      env: cleanEnv({ DATABASE_URL: url("cases") }),
    });
    expect(r.code, r.stderr).toBe(0);
    const db = (JSON.parse(r.stdout) as StatusJson).databases[0]!;
    expect(db.migrations.map((m) => [m.version, m.script, m.state])).toEqual([
      ["1", "V1__First.sql", "Pending"],
      ["2", "linked/V2__Linked.sql", "Pending"],
    ]);
  });
});

describe("migrations.flyway in the config file", () => {
  const config = `migrations:
  sqlDir: sql
  databases:
    - { name: cases, vaultPath: cases/db }
  flyway:
    ignoreMigrationPatterns: ["*:missing", "*:future"]
    outOfOrder: true
`;

  it("flyway-status applies it, and the environment wins over it", async () => {
    const c = FLYWAY_CASES.find((x) => x.name.startsWith("an applied file gone"))!;
    await writeHistory(c);
    const ws = caseWorkspace(c.files);
    ws.write("dev-bootstrap.yaml", config);
    const env = (extra: Record<string, string> = {}) =>
      cleanEnv({ DATABASE_URL: url("cases"), ...extra });
    const fromConfig = await runInProcess(["flyway-status", "--from", "env", "--json"], {
      cwd: ws.dir,
      env: env(),
    });
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    expect((JSON.parse(fromConfig.stdout) as StatusJson).settings.ignoreMigrationPatterns).toEqual([
      "*:missing",
      "*:future",
    ]);
    const fromEnv = await runInProcess(["flyway-status", "--from", "env"], {
      cwd: ws.dir,
      env: env({ FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:future" }),
    });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stdout).toContain("Detected applied migration not resolved locally: 1.");
  });

  it("run-flyway-cli hands it to Flyway unless the environment sets it", async () => {
    await asOwner("cases", (c) => c.query("drop owned by current_user"));
    const ws = caseWorkspace({ "V1__First.sql": "select 1;\n" });
    ws.write("dev-bootstrap.yaml", config);
    const standins = new StandIns(["flyway"]);
    const r = await runInProcess(["run-flyway-cli", "validate", "--from", "env"], {
      cwd: ws.dir,
      env: cleanEnv({
        DATABASE_URL: url("cases"),
        PATH: standins.path(),
        FLYWAY_OUT_OF_ORDER: "false",
      }),
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const call = standins.calls("flyway")[0]!;
    expect(call.argv).toEqual(["validate"]);
    expect(call.env.FLYWAY_IGNORE_MIGRATION_PATTERNS).toBe("*:missing,*:future");
    expect(call.env.FLYWAY_OUT_OF_ORDER).toBe("false");
    expect(call.env.FLYWAY_TARGET).toBeUndefined();
  });
});
