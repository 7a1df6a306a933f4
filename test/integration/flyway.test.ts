import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { compareVersions, parseMigrationName } from "../../src/core/flyway-files.js";
import { ThrowawayPostgres } from "../../src/sandbox/postgres.js";
import { cleanEnv, REPO, runCli, runInProcess } from "../helpers/cli.js";
import { recreateDatabases } from "../helpers/db-world.js";
import { historyTableDdl } from "../helpers/flyway-history.js";
import { referenceChecksums } from "../helpers/flyway-reference.js";
import { StandIns } from "../helpers/standin.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const PASSWORDS = { platform: "pl@tform:pw/?#%& x", agents: "agents-pw-7d1c" };
let server: ThrowawayPostgres;
let ws: Workspace;
let standins: StandIns;

const SQL = join(REPO, "db/flyway/sql");

async function admin<T>(db: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await server.superuserClient(db);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Applies migrations the way Flyway would, recording history rows with Flyway's checksum. */
async function applyAsFlyway(
  db: string,
  options: { upTo?: string; failAt?: string; baseline?: string } = {},
) {
  await admin(db, async (c) => {
    await c.query(`set role ${db}`);
    await c.query(historyTableDdl());
    let rank = 0;
    if (options.baseline) {
      await c.query(
        "insert into flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) values ($1,$2,'<< Flyway Baseline >>','BASELINE','<< Flyway Baseline >>',null,current_user,0,true)",
        [++rank, options.baseline],
      );
      return;
    }
    const files = readdirSync(join(SQL, db))
      .map((name) => parseMigrationName(name))
      .flatMap((p) => (p.ok === true && p.file.kind === "versioned" ? [p.file] : []))
      .sort((a, b) => compareVersions(a.version!, b.version!));
    for (const file of files) {
      const name = file.script;
      const parsed = { file };
      const text = readFileSync(join(SQL, db, name));
      const failed = options.failAt === parsed.file.version;
      if (!failed) await c.query(text.toString());
      await c.query(
        "insert into flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) values ($1,$2,$3,'SQL',$4,$5,current_user,1,$6)",
        // Flyway's checksum from an implementation that is not ours: a test comparing
        // flyway-status with these rows can fail.
        [
          ++rank,
          parsed.file.version,
          parsed.file.description,
          name,
          (await referenceChecksums([text]))[0],
          !failed,
        ],
      );
      if (failed || parsed.file.version === options.upTo) break;
    }
  });
}

async function resetDatabases() {
  await recreateDatabases(server, [
    { name: "platform", owner: "platform", password: PASSWORDS.platform },
    { name: "agents", owner: "agents", password: PASSWORDS.agents },
  ]);
}

const url = (db: string, password: string) =>
  `postgresql://${db}:${encodeURIComponent(password)}@127.0.0.1:${server.port}/${db}`;
const dbEnv = () => ({
  DATABASE_URL: url("platform", PASSWORDS.platform),
  AGENTS_DATABASE_URL: url("agents", PASSWORDS.agents),
});
const cli = (args: string[], extra: Record<string, string> = {}) =>
  runInProcess(args, {
    cwd: ws.dir,
    env: cleanEnv({ ...dbEnv(), PATH: standins.path(), ...extra }),
  });

beforeAll(async () => {
  server = new ThrowawayPostgres();
  await server.start();
  ws = makeWorkspace({ "dev-bootstrap.yaml": `migrations:\n  sqlDir: ${SQL}\n` });
}, 60_000);
afterAll(async () => server?.stop());
beforeEach(async () => {
  await resetDatabases();
  standins = new StandIns(["flyway"]);
});

describe("run-flyway-cli with a stand-in flyway", () => {
  it("runs each database in order with credentials only in the environment", async () => {
    const r = await cli(["run-flyway-cli", "migrate", "--from", "env"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const calls = standins.calls("flyway");
    expect(calls.map((c) => c.env.FLYWAY_URL)).toEqual([
      `jdbc:postgresql://127.0.0.1:${server.port}/platform`,
      `jdbc:postgresql://127.0.0.1:${server.port}/agents`,
    ]);
    expect(calls[0]?.argv).toEqual(["migrate"]);
    expect(calls[0]?.env.FLYWAY_PASSWORD).toBe(PASSWORDS.platform);
    expect(calls[1]?.env.FLYWAY_USER).toBe("agents");
    expect(calls[0]?.env.FLYWAY_LOCATIONS).toBe(`filesystem:${SQL}/platform`);
    expect(calls[0]?.env.FLYWAY_CONNECT_RETRIES).toBe("10");
    for (const c of calls)
      for (const a of c.argv)
        for (const pw of Object.values(PASSWORDS)) expect(a).not.toContain(pw);
    expect(r.stdout).toMatch(/schema public is empty: migrating from scratch/);
  });

  it("info on an empty schema says what migrate will do, never that it is migrating", async () => {
    const r = await cli(["run-flyway-cli", "info", "--from", "env", "--database", "platform"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/migrating from scratch/);
    expect(r.stdout).toMatch(
      /schema public is empty: nothing applied yet \('migrate' starts from the first migration\)/,
    );
  });

  it("baselines a schema that exists without history at the configured version (agents: 3)", async () => {
    await admin("agents", async (c) => {
      await c.query("set role agents");
      await c.query("create table agents (id int)");
    });
    const r = await cli(["run-flyway-cli", "migrate", "--from", "env", "--database", "agents"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/schema public exists without history: baselining at version 3/);
    const call = standins.calls("flyway")[0]!;
    expect(call.env.FLYWAY_BASELINE_ON_MIGRATE).toBe("true");
    expect(call.env.FLYWAY_BASELINE_VERSION).toBe("3");
  });

  it("refuses to guess a baseline for a non-empty schema without one", async () => {
    await admin("platform", async (c) => {
      await c.query("set role platform");
      await c.query("create table legacy (id int)");
    });
    const r = await cli(["run-flyway-cli", "migrate", "--from", "env"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /schema public has 1 object\(s\) but no Flyway history, and no baseline version is configured .*hint: set baselineVersion for 'platform'/,
    );
    expect(r.stdout).toMatch(/\[flyway:agents\] ↷ skipped: platform failed/);
    expect(standins.calls("flyway")).toHaveLength(0);
  });

  it("drops an empty history table left by a failed first run; never one with rows (FAULTS 33)", async () => {
    await admin("platform", async (c) => {
      await c.query("set role platform");
      await c.query(historyTableDdl());
    });
    const info = await cli(["run-flyway-cli", "info", "--from", "env", "--database", "platform"]);
    expect(info.stdout).toMatch(
      /exists but is empty \(a failed first run\); 'migrate' will clear it/,
    );
    expect(
      await admin("platform", (c) =>
        c.query("select to_regclass('flyway_schema_history') is not null as e"),
      ).then((r) => r.rows[0].e),
    ).toBe(true);
    const r = await cli(["run-flyway-cli", "migrate", "--from", "env", "--database", "platform"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dropped an empty public\.flyway_schema_history/);
    expect(
      await admin("platform", (c) =>
        c.query("select to_regclass('flyway_schema_history') is not null as e"),
      ).then((r) => r.rows[0].e),
    ).toBe(false);
    await applyAsFlyway("platform", { upTo: "1" });
    const again = await cli([
      "run-flyway-cli",
      "migrate",
      "--from",
      "env",
      "--database",
      "platform",
    ]);
    expect(again.code).toBe(0);
    expect(
      await admin("platform", (c) =>
        c.query("select count(*)::int as n from flyway_schema_history"),
      ).then((r) => r.rows[0].n),
    ).toBe(1);
  });

  it("stops at the first failure with its exit code and a scrubbed tail; later databases are skipped", async () => {
    standins.plan("flyway", {
      exit: 1,
      stdout: [`ERROR: login as platform with ${PASSWORDS.platform} failed`, "Migration V2 failed"],
    });
    const r = await cli(["run-flyway-cli", "migrate", "--from", "env"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /flyway migrate on platform exited 1: ERROR: login as platform with \*\*\* failed \| Migration V2 failed/,
    );
    expect(r.stdout).toMatch(/\[flyway:agents\] ↷ skipped: platform failed/);
    expect(r.stdout).not.toContain(PASSWORDS.platform);
    expect(standins.calls("flyway")).toHaveLength(1);
  });

  it("says flyway is not on PATH, with an install hint, without retrying (FAULTS 25)", async () => {
    const r = await runCli(["run-flyway-cli", "info", "--from", "env"], {
      cwd: ws.dir,
      env: cleanEnv({ ...dbEnv(), PATH: "/usr/bin:/bin" }),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/flyway not found on PATH .*hint: install the Flyway CLI/);
  });

  it("rejects an unknown Flyway command and an unknown database", async () => {
    expect((await cli(["run-flyway-cli", "clean", "--from", "env"])).code).toBe(2);
    const r = await cli(["run-flyway-cli", "info", "--from", "env", "--database", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /no database 'nope' in migrations\.databases \(have: platform, agents\)/,
    );
  });
});
