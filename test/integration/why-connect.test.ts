/**
 * `why --connect` and `wait` against a real PostgreSQL: a role whose password was
 * changed behind our back breaks database-login; a failed row in the Flyway history
 * breaks flyway; pending migrations are fine for why and for `wait --allow-pending`.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { World } from "../../src/sandbox/world.js";
import { cleanEnv, runInProcess } from "../helpers/cli.js";
import { startDatabaseWorld, vaultPassword } from "../helpers/db-world.js";
import { historyTableDdl } from "../helpers/flyway-history.js";
import type { Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
const env = () => cleanEnv(world.env);
const cli = (args: string[]) => runInProcess(args, { cwd: ws.dir, env: env() });
const pw = (path: string) => vaultPassword(world, path);

beforeAll(async () => {
  ({ world, ws } = await startDatabaseWorld((w) => cleanEnv(w.env)));
}, 120_000);
afterAll(async () => world?.stop());

async function asOwner(db: "platform" | "agents", fn: (c: pg.Client) => Promise<unknown>) {
  const c = new pg.Client({
    host: "127.0.0.1",
    port: world.postgres!.port,
    user: db,
    password: pw(`${db}/db`),
    database: db,
  });
  await c.connect();
  try {
    await fn(c);
  } finally {
    await c.end();
  }
}

const linkOf = (stdout: string, id: string) =>
  (
    JSON.parse(stdout) as {
      links: Array<{
        id: string;
        status: string;
        summary: string;
        fix: string;
        evidence: string[];
      }>;
    }
  ).links.find((l) => l.id === id)!;

describe("why --connect", () => {
  it("every login works and pending migrations are allowed: exit 0, both database links ok", async () => {
    const r = await cli(["why", "--json", "--connect"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(linkOf(r.stdout, "database-login").status).toBe("ok");
    const flyway = linkOf(r.stdout, "flyway");
    expect(flyway.status).toBe("ok");
    expect(flyway.evidence).toEqual([
      "platform: no version yet, 1 pending",
      "agents: no version yet, 1 pending",
    ]);
  });

  it("a role's password changed behind our back: database-login, naming the database and user", async () => {
    await world.postgres!.ensureDatabases([
      { name: "agents", owner: "agents", password: "changed-by-a-dba" },
    ]);
    try {
      const r = await cli(["why", "--json", "--connect"]);
      expect(r.code).toBe(1);
      const link = linkOf(r.stdout, "database-login");
      expect(link.status).toBe("broken");
      expect(link.summary).toMatch(
        /^database agents: password authentication failed for user "agents" at 127\.0\.0\.1:\d+$/,
      );
      expect(link.fix).toMatch(
        /^psql -h 127\.0\.0\.1 -p \d+ -U postgres -d agents -c '\\password agents'$/,
      );
      expect(linkOf(r.stdout, "flyway").status).toBe("skipped");
      expect(r.stdout + r.stderr).not.toContain(pw("agents/db"));
    } finally {
      await world.postgres!.ensureDatabases([
        { name: "agents", owner: "agents", password: pw("agents/db") },
      ]);
    }
  });

  it("a failed migration left in the history: flyway, with the repair to run; --database narrows it", async () => {
    await asOwner("platform", async (c) => {
      await c.query(historyTableDdl());
      await c.query(
        `INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', NULL, 'platform', 3, false)`,
      );
    });
    try {
      const r = await cli(["why", "--json", "--connect"]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const link = linkOf(r.stdout, "flyway");
      expect(link.status).toBe("broken");
      expect(link.summary).toMatch(/^platform: .*failed/i);
      expect(link.fix).toMatch(/run-flyway-cli repair/);
      const agents = await cli(["why", "--json", "--connect", "--database", "agents"]);
      expect(agents.code, agents.stdout).toBe(0);
    } finally {
      await asOwner("platform", (c) => c.query("drop table flyway_schema_history"));
    }
  });

  it("wait --connect: pending migrations keep it waiting unless --allow-pending", async () => {
    const strict = await cli(["wait", "--connect", "--timeout", "0"]);
    expect(strict.code, strict.stdout + strict.stderr).toBe(1);
    expect(strict.stdout).toMatch(/still broken after 0 s: flyway — platform: .*pending/i);
    const relaxed = await cli(["wait", "--connect", "--allow-pending", "--timeout", "0"]);
    expect(relaxed.code, relaxed.stdout + relaxed.stderr).toBe(0);
    expect(relaxed.stdout).toMatch(/no broken link after \d+ s/);
  });
});
