/**
 * flyway-status, the flow, driven in-process over databases in memory
 * (test/helpers/flyway-memory-db.ts) and migration files in a throwaway
 * workspace, on a virtual clock. What a user relies on: one line per run that
 * names every database's version and pending count, the first validate error
 * and the hint for it; a database that cannot be read is said, with its own
 * hint, and the others are still read; each login is bounded and closed; and
 * the table `flyway info` prints. The states and validate verdicts themselves
 * are Flyway's (flyway-core 10: MigrationInfoImpl.getState / validate), checked
 * case by case in flyway-info.test.ts and over a real PostgreSQL in
 * test/integration/flyway-status.test.ts.
 */
import { symlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import { flywayChecksum } from "../../src/core/flyway-files.js";
import { placeholderTimestamp } from "../../src/core/flyway-placeholders.js";
import type { HistoryRow, StatusError } from "../../src/core/flyway-status.js";
import { flywayStatus, hintFor, renderStatus } from "../../src/flows/flyway-status.js";
import type { DbPort, Host } from "../../src/flows/host.js";
import { virtualClock } from "../helpers/clock.js";
import { captureLog, partialHost } from "../helpers/flow-run.js";
import { historyRow, type MemoryDatabase, memoryDatabases } from "../helpers/flyway-memory-db.js";
import { makeWorkspace } from "../helpers/workspace.js";

const PASSWORD = { platform: "pl@tform:pw/9", agents: "agents-pw-7d1c" };
const URLS = {
  PLATFORM_DATABASE_URL: `postgresql://platform:${encodeURIComponent(PASSWORD.platform)}@127.0.0.1:5432/platform`,
  AGENTS_DATABASE_URL: `postgresql://agents:${encodeURIComponent(PASSWORD.agents)}@127.0.0.1:5433/agents`,
};
const V1 = "create table users (id bigint primary key);\n";
const V2 = "alter table users add column name text;\n";

/** A history row for a file of the workspace, as Flyway's migrate writes it. */
const applied = (rank: number, script: string, text: string, over = {}) => {
  const m = /^(?:V([^_]+)__)?(?:R__)?(.+)\.sql$/.exec(script)!;
  return historyRow(rank, {
    version: m[1] ?? null,
    description: m[2]!.replace(/_/g, " "),
    script,
    checksum: flywayChecksum(text),
    ...over,
  });
};

const publicSchema = (rows: HistoryRow[] = [], otherObjects = 0): MemoryDatabase => ({
  currentSchema: "public",
  schemas: {
    public: {
      tables: rows.length ? { flyway_schema_history: rows } : {},
      otherObjects,
    },
  },
});

interface Run {
  files?: Record<string, string | Uint8Array>;
  config?: string;
  env?: Record<string, string>;
  /** The databases, or a function of the workspace's directory that gives them. */
  databases?: Record<string, MemoryDatabase> | ((dir: string) => Record<string, MemoryDatabase>);
  /** Runs in the workspace before the flow. */
  prepare?: (dir: string) => void;
  db?: () => Promise<DbPort>;
  /** The Kubernetes client: given, the connections are read --from cluster. */
  kube?: Host["kube"];
  options?: { database?: string; allowPending?: boolean; unreadableWarns?: boolean };
  signal?: AbortSignal;
}

/** The default workspace: platform at V2, agents at V1 with V2 pending. */
const FILES = {
  "db/flyway/sql/platform/V1__Create_users.sql": V1,
  "db/flyway/sql/platform/V2__Add_name.sql": V2,
  "db/flyway/sql/agents/V1__Create_users.sql": V1,
  "db/flyway/sql/agents/V2__Add_name.sql": V2,
};
const DATABASES = () => ({
  platform: publicSchema([
    applied(1, "V1__Create_users.sql", V1),
    applied(2, "V2__Add_name.sql", V2),
  ]),
  agents: publicSchema([applied(1, "V1__Create_users.sql", V1)]),
});

async function status(run: Run = {}) {
  const ws = makeWorkspace({
    ...(run.config ? { "dev-bootstrap.yaml": run.config } : {}),
  });
  for (const [path, text] of Object.entries(run.files ?? FILES)) ws.write(path, text);
  run.prepare?.(ws.dir);
  const env: NodeJS.ProcessEnv = { HOME: ws.dir, ...URLS, ...run.env };
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const clock = virtualClock(Date.UTC(2026, 11, 7, 8, 0, 0));
  const databases = typeof run.databases === "function" ? run.databases(ws.dir) : run.databases;
  const dbs = memoryDatabases(databases ?? DATABASES());
  const host = partialHost({
    clock,
    env,
    db: run.db ?? (async () => dbs.port),
    signal: run.signal,
    ...(run.kube ? { kube: run.kube } : {}),
  });
  const captured = captureLog({ command: "flyway-status", clock, masker: host.masker });
  const result = await flywayStatus(host, resolved, captured.log, {
    from: run.kube ? "cluster" : "env",
    ...run.options,
  }).then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error }),
  );
  const text = captured.text() + (result.value ? renderStatus(result.value) : "");
  for (const pw of Object.values(PASSWORD)) expect(text).not.toContain(pw);
  return { ...captured, ...result, dbs, ws, clock };
}

describe("flyway-status: the verdict line", () => {
  it("names every database's version and pending count on one ok line when validate passes", async () => {
    const r = await status({ options: { allowPending: true } });
    expect(r.checkpoint("flyway:status", "start")?.message).toBe(
      "reading flyway_schema_history of each database",
    );
    expect(r.checkpoint("flyway:status", "ok")?.message).toBe(
      "platform: version 2, 0 pending; agents: version 1, 1 pending",
    );
    expect(r.checkpoint("flyway:status", "fail")).toBeUndefined();
    const [platform, agents] = r.value!.databases;
    expect(platform).toMatchObject({
      database: "platform",
      url: "jdbc:postgresql://127.0.0.1:5432/platform",
      locations: ["db/flyway/sql/platform"],
      currentVersion: "2",
      healthy: true,
      invalidFiles: [],
    });
    expect(agents).toMatchObject({
      url: "jdbc:postgresql://127.0.0.1:5433/agents",
      currentVersion: "1",
      counts: { Success: 1, Pending: 1 },
      healthy: true,
    });
  });

  it("without --allow-pending a pending migration fails validate: the first error and migrate's hint", async () => {
    const r = await status();
    expect(r.checkpoint("flyway:status", "ok")).toBeUndefined();
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message:
        "platform: version 2, 0 pending; agents: version 1, 1 pending, validate failed (1 error) — agents: Detected resolved migration not applied to database: 2. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
      hint: "migrate ('dev-bootstrap run-flyway-cli migrate' or run-migrations); before migrating, check with --allow-pending",
    });
    // A verdict, not an error: the flow returns the reports for the table.
    expect(r.error).toBeUndefined();
    expect(r.value!.databases.map((d) => d.healthy)).toEqual([true, false]);
  });

  it("counts errors in the plural, and a database with no history says 'no version yet'", async () => {
    const r = await status({
      databases: { platform: publicSchema(), agents: DATABASES().agents },
    });
    expect(r.checkpoint("flyway:status", "fail")?.message).toMatch(
      /^platform: no version yet, 2 pending, validate failed \(2 errors\); agents: version 1, 1 pending, validate failed \(1 error\) — platform: Detected resolved migration not applied to database: 1\. /,
    );
  });

  it("--database reads that database alone", async () => {
    const r = await status({ options: { database: "agents", allowPending: true } });
    expect(r.checkpoint("flyway:status", "ok")?.message).toBe("agents: version 1, 1 pending");
    expect(r.dbs.logins.map((l) => l.database)).toEqual(["agents"]);
  });

  it("an unknown --database fails the step with the names there are, before any login", async () => {
    const r = await status({ options: { database: "billing" } });
    expect(r.error).toBeInstanceOf(StepError);
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message: "no database 'billing' in migrations.databases (have: platform, agents)",
      hint: "pick one of those, or add it to dev-bootstrap.yaml",
    });
    expect(r.dbs.logins).toEqual([]);
  });

  it("a setting flyway-status cannot honour is a warning of its own", async () => {
    const r = await status({ env: { FLYWAY_ENVIRONMENT: "dev" }, options: { allowPending: true } });
    expect(r.checkpoint("flyway:settings", "warn")?.message).toMatch(
      /^FLYWAY_ENVIRONMENT is not read by Flyway 10/,
    );
    expect(r.checkpoint("flyway:status", "ok")).toBeDefined();
  });
});

describe("flyway-status: logging in", () => {
  it("logs in to each database once, three attempts, each query bounded; every connection is closed", async () => {
    const r = await status({ options: { allowPending: true } });
    expect(r.dbs.logins.map((l) => [l.database, l.user, l.options])).toEqual([
      ["platform", "platform", { attempts: 3, queryTimeoutMs: 65_000 }],
      ["agents", "agents", { attempts: 3, queryTimeoutMs: 65_000 }],
    ]);
    expect(r.dbs.open()).toBe(0);
  });

  it("migrations.queryTimeoutSeconds bounds each query; an interrupt reaches every login", async () => {
    const interrupt = new AbortController();
    const r = await status({
      config: "migrations:\n  statementTimeoutSeconds: 5\n  queryTimeoutSeconds: 7\n",
      options: { allowPending: true },
      signal: interrupt.signal,
    });
    for (const login of r.dbs.logins) {
      expect(login.options.queryTimeoutMs).toBe(7_000);
      expect(login.options.signal).toBe(interrupt.signal);
    }
  });

  it("a refused login fails the run with that database's message and hint; the other is still read", async () => {
    const r = await status({
      databases: {
        ...DATABASES(),
        platform: {
          ...publicSchema(),
          refuse: { kind: "auth", code: "28P01", message: "password authentication failed" },
        },
      },
      options: { allowPending: true },
    });
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message:
        'database platform: password authentication failed for user "platform" at 127.0.0.1:5432',
      hint: "the password in the migrations secret does not match the role; rerun ensure-local-secrets and the bootstrap, or reset the role's password",
    });
    const [platform, agents] = r.value!.databases;
    expect(platform).toMatchObject({ healthy: false, error: expect.any(String), migrations: [] });
    expect(platform!.currentVersion).toBeUndefined();
    expect(agents).toMatchObject({ healthy: true, currentVersion: "1" });
    expect(renderStatus(r.value!)).toContain(
      'platform (jdbc:postgresql://127.0.0.1:5432/platform)\n  error: database platform: password authentication failed for user "platform" at 127.0.0.1:5432\n\nagents (jdbc:postgresql://127.0.0.1:5433/agents)\n  Schema version: 1\n',
    );
  });

  it("the first database that cannot be read is the one the line names, even after a healthy one", async () => {
    const r = await status({
      databases: { ...DATABASES(), agents: { ...publicSchema(), hang: true } },
      options: { allowPending: true },
    });
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message: expect.stringMatching(
        /^database agents: PostgreSQL at 127\.0\.0\.1:5433 did not answer/,
      ),
      hint: expect.stringMatching(/^the server took the login but runs no queries/),
    });
  });

  it("where unreadable databases only warn (run-migrations), one that fails validate still fails the step", async () => {
    const refuse = { kind: "unreachable" as const, code: "ECONNREFUSED", message: "refused" };
    const warned = await status({
      databases: { ...DATABASES(), platform: { ...publicSchema(), refuse } },
      options: { allowPending: true, unreadableWarns: true },
    });
    expect(warned.checkpoint("flyway:status", "fail")).toBeUndefined();
    expect(warned.checkpoint("flyway:status", "ok")).toBeUndefined();
    expect(warned.checkpoint("flyway:status", "warn")).toMatchObject({
      message:
        "database platform: PostgreSQL unreachable at 127.0.0.1:5432 (ECONNREFUSED) after retries",
      hint: "start PostgreSQL (or its port-forward) and check host and port",
    });

    // agents has a pending migration and no --allow-pending: validate fails.
    const failed = await status({
      databases: { ...DATABASES(), platform: { ...publicSchema(), refuse } },
      options: { unreadableWarns: true },
    });
    expect(failed.checkpoint("flyway:status", "warn")).toBeUndefined();
    expect(failed.checkpoint("flyway:status", "fail")).toMatchObject({
      message:
        "platform: unreadable; agents: version 1, 1 pending, validate failed (1 error) — agents: Detected resolved migration not applied to database: 2. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
      hint: "migrate ('dev-bootstrap run-flyway-cli migrate' or run-migrations); before migrating, check with --allow-pending",
    });

    const healthy = await status({ options: { allowPending: true, unreadableWarns: true } });
    expect(healthy.checkpoint("flyway:status", "ok")).toBeDefined();
    expect(healthy.checkpoint("flyway:status", "warn")).toBeUndefined();
  });

  it("an error without a hint of its own gets 'check the connection'", async () => {
    const r = await status({ db: () => Promise.reject(new Error("Cannot find module 'pg'")) });
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message: "Cannot find module 'pg'",
      hint: "check the connection (see the message)",
    });
    expect(r.value!.databases.map((d) => d.error)).toEqual([
      "Cannot find module 'pg'",
      "Cannot find module 'pg'",
    ]);
  });
});

describe("flyway-status: the schema", () => {
  it("a schema that does not exist yet: Flyway's one error, and migrate creates it", async () => {
    const r = await status({
      databases: {
        ...DATABASES(),
        platform: { currentSchema: "app", schemas: {} },
      },
    });
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message: expect.stringMatching(/— platform: .*app/),
      hint: "the schema Flyway keeps its history in does not exist yet: migrate creates it ('dev-bootstrap run-flyway-cli migrate' or run-migrations); before migrating, check with --allow-pending",
    });
    expect(r.value!.databases[0]!.errors.map((e) => e.code)).toEqual(["SCHEMA_DOES_NOT_EXIST"]);
  });

  it("objects but no history: migrate will baseline at the database's baselineVersion, or FLYWAY_BASELINE_VERSION", async () => {
    // Flyway's baselineOnMigrate (the chart's Job sets it): a non-empty schema without
    // history is baselined first. agents has baselineVersion 3 in the default config.
    const databases = { platform: publicSchema([], 4), agents: publicSchema([], 2) };
    const r = await status({ databases, options: { allowPending: true } });
    const [platform, agents] = r.value!.databases;
    expect(platform!.baselineOnMigrate).toBeUndefined();
    expect(agents!.baselineOnMigrate).toBe("3");
    const text = renderStatus(r.value!);
    expect(text).toContain(
      "  note: the schema has objects but no history; migrate will first baseline it at version 3\n",
    );
    expect(text.match(/note:/g)).toHaveLength(1);
    expect(platform!.flywayInfo!.allSchemasEmpty).toBe(false);

    const set = await status({
      databases,
      env: { FLYWAY_BASELINE_VERSION: "5" },
      options: { allowPending: true },
    });
    expect(set.value!.databases.map((d) => d.baselineOnMigrate)).toEqual(["5", "5"]);
  });

  it("an empty schema gets no baseline note, and flyway info's JSON says all schemas are empty", async () => {
    const r = await status({
      databases: { platform: publicSchema(), agents: publicSchema() },
      options: { allowPending: true },
    });
    for (const d of r.value!.databases) {
      expect(d.baselineOnMigrate).toBeUndefined();
      expect(d.flywayInfo).toMatchObject({
        operation: "info",
        database: d.database,
        schemaVersion: null,
        allSchemasEmpty: true,
        timestamp: "2026-12-07T08:00:00.000",
      });
    }
    expect(renderStatus(r.value!)).not.toContain("note:");
  });

  it("a history with rows: flyway info's JSON has the version and is not empty", async () => {
    const r = await status({ options: { allowPending: true } });
    expect(r.value!.databases[0]!.flywayInfo).toMatchObject({
      schemaVersion: "2",
      allSchemasEmpty: false,
      migrations: [
        expect.objectContaining({ version: "1", state: "Success" }),
        expect.objectContaining({ version: "2", state: "Success" }),
      ],
    });
  });

  it("FLYWAY_TABLE and FLYWAY_SCHEMAS say where the history is read", async () => {
    const rows = [applied(1, "V1__Create_users.sql", V1), applied(2, "V2__Add_name.sql", V2)];
    const databases = {
      platform: {
        currentSchema: "public",
        schemas: {
          public: { tables: {} },
          app: { tables: { migrations_log: rows } },
        },
      },
      agents: {
        currentSchema: "public",
        schemas: { public: { tables: {} }, app: { tables: { migrations_log: rows } } },
      },
    };
    const r = await status({
      databases,
      env: { FLYWAY_TABLE: "migrations_log", FLYWAY_SCHEMAS: "app" },
    });
    expect(r.checkpoint("flyway:status", "ok")?.message).toBe(
      "platform: version 2, 0 pending; agents: version 2, 0 pending",
    );
    expect(r.value!.databases[0]!.flywayInfo!.schemaName).toBe("app");
  });
});

describe("flyway-status: the files", () => {
  it("a file Flyway would not read as a migration is listed as skipped, and fails validate only with validateMigrationNaming", async () => {
    const files = { ...FILES, "db/flyway/sql/platform/V3_Missing_separator.sql": "select 1;\n" };
    const lax = await status({ files, options: { allowPending: true } });
    expect(lax.checkpoint("flyway:status", "ok")).toBeDefined();
    const [platform] = lax.value!.databases;
    expect(platform!.invalidFiles).toHaveLength(1);
    expect(renderStatus(lax.value!)).toContain(
      `  skipped: ${platform!.invalidFiles[0]} (Flyway skips it too unless validateMigrationNaming is set)\n`,
    );

    const strict = await status({
      files,
      env: { FLYWAY_VALIDATE_MIGRATION_NAMING: "true" },
      options: { allowPending: true },
    });
    expect(strict.checkpoint("flyway:status", "fail")).toMatchObject({
      message: expect.stringMatching(/validate failed \(1 error\).* — platform: /),
      hint: "rename the file to V<version>__<description>.sql, R__<description>.sql or B<version>__<description>.sql, or move it out of the migrations directory",
    });
    const report = strict.value!.databases[0]!;
    expect(report.healthy).toBe(false);
    expect(report.errors).toEqual([
      { code: "INVALID_MIGRATION_NAME", message: report.invalidFiles[0] },
    ]);
    const text = renderStatus(strict.value!);
    expect(text).toContain(`  validate: 1 error\n    ${report.invalidFiles[0]}\n`);
    expect(text).not.toContain("skipped:");
  });

  it("a file that is not in Flyway's encoding stops that database, with the file and the encoding hint", async () => {
    const r = await status({
      files: {
        ...FILES,
        "db/flyway/sql/agents/V3__Caf\u00e9.sql": Buffer.from([0x63, 0xe9, 0x0a]),
      },
      options: { allowPending: true },
    });
    const agents = r.value!.databases[1]!;
    expect(agents.error).toMatch(/^Unable to calculate checksum of V3__Café\.sql: /);
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message: agents.error,
      hint: "Flyway reads migrations in its encoding (FLYWAY_ENCODING, UTF-8 by default) and stops at this file: save it in that encoding, or set FLYWAY_ENCODING to the one it is in",
    });
    // Flyway stops at the file: no version, no table for that database; the other is read.
    expect(agents).toMatchObject({ healthy: false, migrations: [] });
    expect(agents.currentVersion).toBeUndefined();
    expect(r.value!.databases[0]!.healthy).toBe(true);
  });

  it("a migration whose name merely contains '.conf' and is not in Flyway's encoding gets the encoding hint", async () => {
    // Flyway reads the description as everything between the separator and the suffix,
    // dots included (ResourceNameParser): V3__Nginx.conf_defaults.sql is a migration.
    const r = await status({
      files: {
        ...FILES,
        "db/flyway/sql/agents/V3__Nginx.conf_defaults.sql": Buffer.from([0x63, 0xe9, 0x0a]),
      },
      options: { allowPending: true },
    });
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message: expect.stringMatching(
        /^Unable to calculate checksum of V3__Nginx\.conf_defaults\.sql: /,
      ),
      hint: "Flyway reads migrations in its encoding (FLYWAY_ENCODING, UTF-8 by default) and stops at this file: save it in that encoding, or set FLYWAY_ENCODING to the one it is in",
    });
  });

  it("a script's .conf Flyway refuses: the hint says to fix the .conf", async () => {
    const r = await status({
      files: {
        ...FILES,
        "db/flyway/sql/platform/R__View.sql": "create view v as select 1;\n",
        "db/flyway/sql/platform/R__View.sql.conf": "placeholderReplacement=maybe\n",
      },
      options: { allowPending: true },
    });
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message:
        "R__View.sql.conf: Invalid value for placeholderReplacement (should be either true or false): maybe",
      hint: "fix the script's own .conf (Flyway reads encoding and placeholderReplacement there)",
    });
  });

  it("a location Flyway's scan would never finish: the symbolic link hint", async () => {
    // A link to a directory above itself: Flyway's FileSystemScanner follows it forever.
    const r = await status({
      prepare: (dir) => symlinkSync("..", `${dir}/db/flyway/sql/agents/loop`),
      options: { allowPending: true },
    });
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message: expect.stringMatching(/^.*db\/flyway\/sql\/agents: .*\(a symbolic link loop\?\)/),
      hint: "a symbolic link in the migrations location leads back above itself: remove or fix it",
    });
    expect(r.value!.databases[0]!.healthy).toBe(true);
  });

  it("repeatables are checksummed with Flyway's built-in placeholders as this login and clock give them", async () => {
    // PlaceholderReplacingReader with ParsingContext.populate's values: defaultSchema
    // (the current schema), user, database, table, environment, workingDirectory
    // (where run-flyway-cli runs Flyway: the workspace), timestamp.
    const script =
      "-- ${flyway:defaultSchema} ${flyway:user} ${flyway:database} ${flyway:table} ${flyway:environment} ${flyway:workingDirectory} ${flyway:timestamp}\nselect 1;\n";
    const stamp = placeholderTimestamp(new Date(Date.UTC(2026, 11, 7, 8, 0, 0)));
    const r = await status({
      files: { ...FILES, "db/flyway/sql/platform/R__Stamp.sql": script },
      databases: (dir) => ({
        platform: {
          currentSchema: "app",
          user: "platform_owner",
          schemas: {
            app: {
              tables: {
                flyway_schema_history: [
                  applied(1, "V1__Create_users.sql", V1),
                  applied(2, "V2__Add_name.sql", V2),
                  applied(
                    3,
                    "R__Stamp.sql",
                    `-- app platform_owner platform flyway_schema_history default ${dir} ${stamp}\nselect 1;\n`,
                  ),
                ],
              },
            },
          },
        },
      }),
      options: { database: "platform" },
    });
    expect(r.value!.databases[0]!.errors).toEqual([]);
    expect(r.checkpoint("flyway:status", "ok")?.message).toBe("platform: version 2, 0 pending");
  });
});

describe("flyway-status: Flyway's settings reach the rules", () => {
  it("the naming settings decide which files are migrations (FLYWAY_SQL_MIGRATION_PREFIX)", async () => {
    // flyway-core ResourceNameParser with sqlMigrationPrefix=M: M1__x.sql is version 1.
    const r = await status({
      files: { "db/flyway/sql/platform/M1__Create_users.sql": V1 },
      databases: {
        platform: publicSchema([
          applied(1, "V1__Create_users.sql", V1, { script: "M1__Create_users.sql" }),
        ]),
      },
      env: { FLYWAY_SQL_MIGRATION_PREFIX: "M" },
      options: { database: "platform" },
    });
    expect(r.checkpoint("flyway:status", "ok")?.message).toBe("platform: version 1, 0 pending");
    expect(r.value!.databases[0]!.invalidFiles).toEqual([]);
  });

  it("a repeatable is checksummed with the user's placeholders (FLYWAY_PLACEHOLDERS_*)", async () => {
    const text = "grant select on users to ${owner};\n";
    const r = await status({
      files: { "db/flyway/sql/platform/R__Grants.sql": text },
      databases: {
        platform: publicSchema([
          applied(1, "R__Grants.sql", "grant select on users to app_owner;\n"),
        ]),
      },
      env: { FLYWAY_PLACEHOLDERS_OWNER: "app_owner" },
      options: { database: "platform" },
    });
    expect(r.value!.databases[0]!.migrations.map((m) => m.state)).toEqual(["Success"]);
    expect(r.checkpoint("flyway:status", "ok")).toBeDefined();
  });

  it("flyway:environment is the TOML environment read (flyway_environment)", async () => {
    // Flyway 10 selects [environments.<name>] by the lower-case flyway_environment variable.
    const text = "-- ${flyway:environment}\nselect 1;\n";
    const r = await status({
      files: {
        "flyway.toml": '[environments.dev]\nschemas = ["public"]\n',
        "db/flyway/sql/platform/R__Env.sql": text,
      },
      databases: { platform: publicSchema([applied(1, "R__Env.sql", "-- dev\nselect 1;\n")]) },
      env: { flyway_environment: "dev" },
      options: { database: "platform" },
    });
    expect(r.value!.databases[0]!.migrations.map((m) => m.state)).toEqual(["Success"]);
  });

  it("FLYWAY_ENCODING is the encoding files are read in", async () => {
    const latin1 = Buffer.from("create table caf\u00e9 (id int);\n", "latin1");
    const r = await status({
      files: { "db/flyway/sql/platform/V1__Cafe.sql": latin1 },
      databases: {
        platform: publicSchema([
          historyRow(1, {
            version: "1",
            description: "Cafe",
            script: "V1__Cafe.sql",
            checksum: flywayChecksum("create table caf\u00e9 (id int);\n"),
          }),
        ]),
      },
      env: { FLYWAY_ENCODING: "ISO-8859-1" },
      options: { database: "platform" },
    });
    expect(r.checkpoint("flyway:status", "ok")?.message).toBe("platform: version 1, 0 pending");
  });

  it("an error that is not the run's own (a client that failed to load) is left to the command to report, once", async () => {
    const r = await status({
      options: { allowPending: true },
      // --from cluster reads the migrations secret with the Kubernetes client.
      kube: () => Promise.reject(new TypeError("Cannot read properties of undefined")),
    });
    expect(r.error).toBeInstanceOf(TypeError);
    expect(r.checkpoint("flyway:status", "fail")).toBeUndefined();
  });
});

describe("flyway-status: the table", () => {
  it("prints flyway info's table: schema version, one row per migration, then validate's verdict", async () => {
    const r = await status();
    expect(renderStatus(r.value!)).toBe(
      [
        "platform (jdbc:postgresql://127.0.0.1:5432/platform)",
        "  Schema version: 2",
        "  +-----------+---------+--------------+------+---------------------+---------+----------+",
        "  | Category  | Version | Description  | Type | Installed On        | State   | Undoable |",
        "  +-----------+---------+--------------+------+---------------------+---------+----------+",
        "  | Versioned | 1       | Create users | SQL  | 2026-03-04 05:06:07 | Success | No       |",
        "  | Versioned | 2       | Add name     | SQL  | 2026-03-04 05:06:07 | Success | No       |",
        "  +-----------+---------+--------------+------+---------------------+---------+----------+",
        "  validate: ok",
        "",
        "agents (jdbc:postgresql://127.0.0.1:5433/agents)",
        "  Schema version: 1",
        "  +-----------+---------+--------------+------+---------------------+---------+----------+",
        "  | Category  | Version | Description  | Type | Installed On        | State   | Undoable |",
        "  +-----------+---------+--------------+------+---------------------+---------+----------+",
        "  | Versioned | 1       | Create users | SQL  | 2026-03-04 05:06:07 | Success | No       |",
        "  | Versioned | 2       | Add name     | SQL  |                     | Pending | No       |",
        "  +-----------+---------+--------------+------+---------------------+---------+----------+",
        "  validate: 1 error",
        "    Detected resolved migration not applied to database: 2. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
        "",
      ].join("\n"),
    );
  });

  it("an empty schema with no files: '<< Empty Schema >>' and 'No migrations found'", async () => {
    const r = await status({
      files: {},
      databases: { platform: publicSchema(), agents: publicSchema() },
      options: { database: "platform" },
    });
    expect(renderStatus(r.value!)).toBe(
      [
        "platform (jdbc:postgresql://127.0.0.1:5432/platform)",
        "  Schema version: << Empty Schema >>",
        "  No migrations found",
        "  validate: ok",
        "",
      ].join("\n"),
    );
  });

  it("demo seed data is its own table, with how many of its files are applied (a superseded run is history, not a file)", async () => {
    const seedA = "insert into users values (1);\n";
    const seedB = "insert into users values (2);\n";
    const r = await status({
      files: {
        ...FILES,
        "db/flyway/seed/platform/R__Demo_users.sql": seedA,
        "db/flyway/seed/platform/R__Demo_teams.sql": seedB,
      },
      databases: {
        ...DATABASES(),
        platform: publicSchema([
          applied(1, "V1__Create_users.sql", V1),
          applied(2, "V2__Add_name.sql", V2),
          applied(3, "R__Demo_users.sql", "insert into users values (0);\n"),
          applied(4, "R__Demo_users.sql", seedA),
        ]),
      },
      options: { database: "platform", allowPending: true },
    });
    const text = renderStatus(r.value!);
    expect(r.value!.databases[0]!.locations).toEqual([
      "db/flyway/sql/platform",
      "db/flyway/seed/platform",
    ]);
    expect(text).toContain("  seed data (db/flyway/seed/platform): 1 of 2 applied\n");
    const seedTable = text.slice(text.indexOf("seed data"));
    expect(seedTable).toContain("| Demo users");
    expect(seedTable).toContain("| Demo teams");
    expect(seedTable).toContain("Superseded");
    expect(seedTable).not.toContain("Create users");
    const schemaTable = text.slice(0, text.indexOf("seed data"));
    expect(schemaTable).not.toContain("Demo");
  });

  it("a file changed after it was applied: the line names the first line of validate's message; the table shows all of it on one line", async () => {
    const r = await status({
      databases: {
        ...DATABASES(),
        platform: publicSchema([
          applied(1, "V1__Create_users.sql", V1, { checksum: 12345 }),
          applied(2, "V2__Add_name.sql", V2),
        ]),
      },
      options: { database: "platform" },
    });
    expect(r.checkpoint("flyway:status", "fail")).toMatchObject({
      message:
        "platform: version 2, 0 pending, validate failed (1 error) — platform: Migration checksum mismatch for migration version 1",
      hint: "a migration file changed after it was applied: restore it, or 'dev-bootstrap run-flyway-cli repair' if the change is intended",
    });
    const line = renderStatus(r.value!)
      .split("\n")
      .find((l) => l.startsWith("    Migration checksum mismatch"));
    expect(line).toMatch(
      /^ {4}Migration checksum mismatch for migration version 1 -> Applied to database : 12345 -> Resolved locally {4}: -?\d+/,
    );
  });

  it("several validate errors: their count in the plural, each on one line", async () => {
    const r = await status({
      databases: { platform: publicSchema(), agents: publicSchema() },
      options: { database: "platform" },
    });
    const text = renderStatus(r.value!);
    expect(text).toContain(
      "  validate: 2 errors\n    Detected resolved migration not applied to database: 1. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.\n    Detected resolved migration not applied to database: 2.",
    );
  });
});

describe("flyway-status: the hint for validate's first error", () => {
  const hint = (code: StatusError["code"], message = "", stateCode?: string) =>
    hintFor({ code, message, ...(stateCode ? { stateCode } : {}) } as StatusError);

  it("says what to do for each of Flyway's validate errors", () => {
    const repair = "'dev-bootstrap run-flyway-cli repair'";
    expect(hint("FAILED_VERSIONED_MIGRATION")).toBe(hint("FAILED_REPEATABLE_MIGRATION"));
    expect(hint("FAILED_VERSIONED_MIGRATION")).toBe(
      `remove the failed migration's half-done changes, fix it, then ${repair} and migrate again`,
    );
    expect(hint("APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED")).toBe(
      hint("APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED"),
    );
    expect(hint("APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED")).toBe(
      `an applied migration's file is gone: restore it, or ${repair} to mark it deleted (or FLYWAY_IGNORE_MIGRATION_PATTERNS=*:missing)`,
    );
    expect(hint("RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED", "", "IGNORED")).toBe(
      "a migration older than the current version was never applied: give it a higher version, or set FLYWAY_OUT_OF_ORDER=true and migrate",
    );
    expect(hint("RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED", "", "PENDING")).toBe(
      "migrate ('dev-bootstrap run-flyway-cli migrate' or run-migrations); before migrating, check with --allow-pending",
    );
    expect(hint("OUTDATED_REPEATABLE_MIGRATION")).toBe(
      "a repeatable migration changed: migrate re-applies it; before migrating, check with --allow-pending",
    );
    expect(hint("CHECKSUM_MISMATCH")).toBe(
      `a migration file changed after it was applied: restore it, or ${repair} if the change is intended`,
    );
    expect(hint("DESCRIPTION_MISMATCH")).toBe(hint("TYPE_MISMATCH"));
    expect(hint("TYPE_MISMATCH")).toBe(
      `a migration file was renamed after it was applied: restore its name, or ${repair} if intended`,
    );
  });

  it("tells Flyway's info errors apart by their message", () => {
    expect(hint("INFO", "No migration with a target version 9 could be found.")).toBe(
      "check FLYWAY_TARGET (or migrations.flyway.target); a trailing '?' allows a target that does not exist",
    );
    const placeholder =
      "give the placeholder a value (FLYWAY_PLACEHOLDERS_<NAME>, or placeholders in flyway.toml / flyway.conf), or turn replacement off for the script (placeholderReplacement=false in <script>.conf)";
    expect(hint("INFO", "No value provided for placeholder: ${owner}")).toBe(placeholder);
    expect(hint("INFO", "Failed to populate value for default placeholder: ${flyway:x}")).toBe(
      placeholder,
    );
    expect(hint("INFO", "Unable to parse placeholder: ${a")).toBe(placeholder);
    expect(hint("INFO", "Found more than one migration with version 1")).toBe(
      "give every migration its own version (and every repeatable its own description)",
    );
    expect(hint("INFO", "Cannot find the migration for an odd row")).toBe(
      "flyway_schema_history holds rows Flyway did not write: fix them by hand, or reset the database",
    );
    // The checks are on how the message starts, not anywhere in it.
    expect(hint("INFO", "x: No migration with a target version")).toBe(
      "flyway_schema_history holds rows Flyway did not write: fix them by hand, or reset the database",
    );
  });
});

describe("flyway-status: what the report holds beyond the verdict", () => {
  it("a database that cannot be read reports no migrations, counts or validate errors (--json shows them empty)", async () => {
    const refuse = {
      kind: "auth" as const,
      code: "28P01",
      message: "password authentication failed",
    };
    const r = await status({
      databases: { ...DATABASES(), platform: { ...publicSchema(), refuse } },
      options: { database: "platform" },
    });
    expect(r.value!.databases[0]).toMatchObject({ migrations: [], counts: {}, errors: [] });
    expect(r.value!.databases[0]!.errors).toEqual([]);
  });

  it("seed data: how many of its files are applied, and a repeatable's empty Version cell", async () => {
    const seed = { a: "insert into users values (1);\n", b: "insert into users values (2);\n" };
    const r = await status({
      files: {
        ...FILES,
        "db/flyway/seed/platform/R__Demo_users.sql": seed.a,
        "db/flyway/seed/platform/R__Demo_teams.sql": seed.b,
        "db/flyway/seed/platform/R__Demo_roles.sql": "insert into roles values (1);\n",
      },
      databases: {
        platform: publicSchema([
          applied(1, "V1__Create_users.sql", V1),
          applied(2, "V2__Add_name.sql", V2),
          applied(3, "R__Demo_users.sql", seed.a),
          applied(4, "R__Demo_teams.sql", seed.b),
        ]),
      },
      options: { database: "platform", allowPending: true },
    });
    const text = renderStatus(r.value!);
    expect(text).toContain("  seed data (db/flyway/seed/platform): 2 of 3 applied\n");
    expect(text).toMatch(
      /\n {2}\| Repeatable \| {9}\| Demo users {2}\| SQL {2}\| 2026-03-04 05:06:07 \| Success \| {10}\|\n/,
    );
  });

  it("files Flyway skips are listed also when validate failed for another reason", async () => {
    const r = await status({
      files: { ...FILES, "db/flyway/sql/agents/V3_Missing_separator.sql": "select 1;\n" },
    });
    const agents = r.value!.databases[1]!;
    expect(agents.errors.map((e) => e.code)).toEqual(["RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"]);
    expect(renderStatus(r.value!)).toContain(
      `  skipped: ${agents.invalidFiles[0]} (Flyway skips it too unless validateMigrationNaming is set)\n`,
    );
  });

  it("with a flyway.conf (Flyway's older config), flyway:environment is 'default'", async () => {
    // ClassicConfiguration.getCurrentEnvironmentName: "default" unless an environment is selected.
    const text = "-- ${flyway:environment}\nselect 1;\n";
    const r = await status({
      files: {
        "flyway.conf": "flyway.table=flyway_schema_history\n",
        "db/flyway/sql/platform/R__Env.sql": text,
      },
      databases: { platform: publicSchema([applied(1, "R__Env.sql", "-- default\nselect 1;\n")]) },
      options: { database: "platform" },
    });
    expect(r.value!.databases[0]!.migrations.map((m) => m.state)).toEqual(["Success"]);
  });
});
