/**
 * run-flyway-cli's Flyway and flyway-status read the same history table, schema and
 * locations, setting by setting, whether the environment or a flyway.toml /
 * flyway.conf sets it. The Flyway stand-in records what it was handed (its env and
 * the directory it runs in, where Flyway reads flyway.toml); flyway-status runs
 * against a real PostgreSQL whose history is where that Flyway would have written it.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flywayChecksum } from "../../src/core/flyway-files.js";
import { ThrowawayPostgres } from "../../src/sandbox/postgres.js";
import { cleanEnv, runCli, runInProcess } from "../helpers/cli.js";
import { historyTableDdl } from "../helpers/flyway-history.js";
import { StandIns } from "../helpers/standin.js";
import { makeWorkspace } from "../helpers/workspace.js";

const PASSWORD = "s3ttings:pw/?#%& x";
let server: ThrowawayPostgres;
const V1 = "create table t1 (id int);\n";

beforeAll(async () => {
  server = new ThrowawayPostgres();
  await server.start();
  await server.ensureDatabases([{ name: "settings", owner: "settings", password: PASSWORD }]);
}, 60_000);
afterAll(async () => server?.stop());

const url = () =>
  `postgresql://settings:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}/settings`;

/** `flyway migrate` of V1 as Flyway writes it, into <schema>.<table> (JdbcTableSchemaHistory). */
async function migratedInto(schema: string, table: string) {
  const c = new pg.Client({
    host: server.host,
    port: server.port,
    user: "settings",
    password: PASSWORD,
    database: "settings",
  });
  await c.connect();
  try {
    await c.query("drop schema if exists public cascade; create schema public");
    for (const s of ["app", "audit", "billing"])
      await c.query(`drop schema if exists ${s} cascade`);
    if (schema !== "public") await c.query(`create schema ${schema}`);
    await c.query(historyTableDdl(schema, table));
    await c.query(
      `INSERT INTO "${schema}"."${table}" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES (1, '1', 'First', 'SQL', 'V1__First.sql', $1, 'settings', 3, true)`,
      [flywayChecksum(V1)],
    );
  } finally {
    await c.end();
  }
}

interface Scenario {
  name: string;
  /** Where Flyway keeps the history under this setting. */
  history: { schema: string; table: string };
  env?: Record<string, string>;
  files: Record<string, string>;
  /** What the Flyway stand-in must see, beyond the connection. */
  flywayEnv: Record<string, string | undefined>;
  locations: string[];
}

const CONFIG =
  "migrations:\n  sqlDir: sql\n  databases:\n    - { name: settings, vaultPath: settings/db }\n";

const SCENARIOS: Scenario[] = [
  {
    name: "FLYWAY_TABLE in the environment",
    history: { schema: "public", table: "schema_history" },
    env: { FLYWAY_TABLE: "schema_history" },
    files: { "sql/settings/V1__First.sql": V1 },
    flywayEnv: { FLYWAY_TABLE: "schema_history", FLYWAY_LOCATIONS: "<ours>" },
    locations: ["sql/settings"],
  },
  {
    name: "FLYWAY_SCHEMAS in the environment: the history is in the first schema",
    history: { schema: "app", table: "flyway_schema_history" },
    env: { FLYWAY_SCHEMAS: "app,audit" },
    files: { "sql/settings/V1__First.sql": V1 },
    flywayEnv: { FLYWAY_SCHEMAS: "app,audit" },
    locations: ["sql/settings"],
  },
  {
    name: "FLYWAY_DEFAULT_SCHEMA in the environment",
    history: { schema: "audit", table: "flyway_schema_history" },
    env: { FLYWAY_DEFAULT_SCHEMA: "audit" },
    files: { "sql/settings/V1__First.sql": V1 },
    flywayEnv: { FLYWAY_DEFAULT_SCHEMA: "audit" },
    locations: ["sql/settings"],
  },
  {
    name: "FLYWAY_LOCATIONS in the environment",
    history: { schema: "public", table: "flyway_schema_history" },
    env: { FLYWAY_LOCATIONS: "filesystem:elsewhere" },
    files: { "elsewhere/V1__First.sql": V1, "sql/settings/V2__Not_read.sql": "select 1;\n" },
    flywayEnv: { FLYWAY_LOCATIONS: "filesystem:elsewhere" },
    locations: ["elsewhere"],
  },
  {
    name: "table, schemas and locations in flyway.toml",
    history: { schema: "billing", table: "toml_history" },
    files: {
      "flyway.toml": `[environments.default]\nschemas = ["billing"]\n\n[flyway]\ntable = "toml_history"\nlocations = ["filesystem:db/toml"]\n`,
      "db/toml/V1__First.sql": V1,
      "sql/settings/V2__Not_read.sql": "select 1;\n",
    },
    // Flyway reads flyway.toml itself, where it runs: nothing of ours may override it.
    flywayEnv: { FLYWAY_TABLE: undefined, FLYWAY_SCHEMAS: undefined, FLYWAY_LOCATIONS: undefined },
    locations: ["db/toml"],
  },
  {
    name: "table, defaultSchema and locations in flyway.conf",
    history: { schema: "audit", table: "conf_history" },
    files: {
      "flyway.conf":
        "flyway.table=conf_history\nflyway.defaultSchema=audit\nflyway.locations=filesystem:db/conf\n",
      "db/conf/V1__First.sql": V1,
    },
    flywayEnv: { FLYWAY_TABLE: undefined, FLYWAY_LOCATIONS: undefined },
    locations: ["db/conf"],
  },
];

describe("run-flyway-cli's Flyway and flyway-status read the same table, schema and locations", () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      await migratedInto(s.history.schema, s.history.table);
      const ws = makeWorkspace({ "dev-bootstrap.yaml": CONFIG, ...s.files });
      const standins = new StandIns(["flyway"]);
      // HOME is the workspace: no flyway.toml of this machine's user joins in.
      const env = cleanEnv({ DATABASE_URL: url(), HOME: ws.dir, PATH: standins.path(), ...s.env });
      const cli = await runInProcess(["run-flyway-cli", "info", "--from", "env"], {
        cwd: ws.dir,
        env,
      });
      expect(cli.code, cli.stdout + cli.stderr).toBe(0);
      const call = standins.calls("flyway")[0]!;
      // Flyway runs in the workspace, where it finds the flyway.toml / flyway.conf.
      expect(call.cwd).toBe(ws.dir);
      for (const [key, value] of Object.entries(s.flywayEnv))
        if (value === "<ours>") expect(call.env[key]).toBe(`filesystem:${ws.dir}/sql/settings`);
        else expect(call.env[key], key).toBe(value);

      const status = await runInProcess(["flyway-status", "--from", "env", "--json"], {
        cwd: ws.dir,
        env,
      });
      expect(status.code, status.stdout + status.stderr).toBe(0);
      const db = JSON.parse(status.stdout).databases[0];
      expect(db.locations).toEqual(s.locations);
      // It found V1 applied: it read the history where that Flyway keeps it.
      expect(db.currentVersion).toBe("1");
      expect(db.migrations.map((m: { state: string }) => m.state)).toEqual(["Success"]);
      expect(status.stdout + status.stderr + cli.stdout).not.toContain(PASSWORD);
    });
  }

  it("the built CLI: a bad flyway.toml stops both commands with file:line:column (exit 2)", async () => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": CONFIG,
      "flyway.toml": `[flyway]\ntable = \n`,
      "sql/settings/V1__First.sql": V1,
    });
    const standins = new StandIns(["flyway"]);
    const env = cleanEnv({ DATABASE_URL: url(), HOME: ws.dir, PATH: standins.path() });
    for (const args of [
      ["run-flyway-cli", "info", "--from", "env"],
      ["flyway-status", "--from", "env"],
    ]) {
      const r = await runCli(args, { cwd: ws.dir, env });
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stdout + r.stderr).toContain(`${ws.dir}/flyway.toml:2:9: Invalid TOML document`);
    }
    expect(standins.calls("flyway")).toHaveLength(0);
  });
});
