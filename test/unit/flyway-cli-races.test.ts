/**
 * run-flyway-cli's preflight when another session acts at the same time, against a
 * real throwaway PostgreSQL (the Flyway CLI replaced by a process port that records
 * its calls): rows that reach an empty history table just before it would be dropped
 * keep it (FAULTS 33: never drop a table with rows).
 */
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunToolOptions } from "../../src/adapters/proc.js";
import { createHost, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import { runFlywayCli } from "../../src/flows/flyway-cli.js";
import type { DbClient, Host } from "../../src/flows/host.js";
import { ThrowawayPostgres } from "../../src/sandbox/postgres.js";
import { recreateDatabases } from "../helpers/db-world.js";
import { captureLog } from "../helpers/flow-run.js";
import { historyTableDdl } from "../helpers/flyway-history.js";
import { finishedRun } from "../helpers/tool-run.js";
import { makeWorkspace } from "../helpers/workspace.js";

const PASSWORD = "platform-pw-51c2";
let server: ThrowawayPostgres;

beforeAll(async () => {
  server = new ThrowawayPostgres();
  await server.start();
}, 60_000);
afterAll(async () => server?.stop());
beforeEach(async () => {
  await recreateDatabases(server, [{ name: "platform", owner: "platform", password: PASSWORD }]);
  const owner = await server.superuserClient("platform");
  try {
    await owner.query("set role platform");
    // A failed first run's leftover: Flyway's history table, empty.
    await owner.query(historyTableDdl());
  } finally {
    await owner.end();
  }
});

const BASELINE_ROW =
  "insert into flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) values (1,'1','<< Flyway Baseline >>','BASELINE','<< Flyway Baseline >>',null,current_user,0,true)";

async function superuser<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await server.superuserClient("platform");
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** One `run-flyway-cli migrate --from env --database platform`; `wrap` sees each database session. */
async function migrate(
  options: { config?: string; signal?: AbortSignal; wrap?: (client: DbClient) => DbClient } = {},
) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DATABASE_URL: `postgresql://platform:${PASSWORD}@127.0.0.1:${server.port}/platform`,
  };
  const ws = makeWorkspace(
    options.config ? { "dev-bootstrap.yaml": `migrations:\n${options.config}` } : {},
  );
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const masker = new SecretMasker();
  const base = createHost({ resolved, masker, env, clock: systemClock, signal: options.signal });
  const calls: Array<Omit<RunToolOptions, "baseEnv">> = [];
  const host: Host = {
    ...base,
    db: async () => {
      const db = await base.db();
      return {
        connect: async (target, connect) => {
          const client = await db.connect(target, connect);
          return options.wrap ? options.wrap(client) : client;
        },
      };
    },
    proc: {
      run: async (call: Omit<RunToolOptions, "baseEnv">) => {
        calls.push(call);
        return finishedRun(call);
      },
    } as unknown as Host["proc"],
  };
  const log = captureLog({ command: "run-flyway-cli", clock: systemClock, masker });
  let error: unknown;
  try {
    await runFlywayCli(host, resolved, log.log, {
      command: "migrate",
      from: "env",
      database: "platform",
      stdout: { write: () => {} },
      timeoutMs: 60_000,
    });
  } catch (e) {
    error = e;
  }
  const notes = log
    .notes()
    .filter((n) => n.step === "flyway:platform")
    .map((n) => n.message);
  return { error, calls, log, notes };
}

describe("run-flyway-cli's preflight while another session acts", () => {
  it("rows written to the empty history table just before the drop keep it, and Flyway is not told to baseline", async () => {
    const run = await migrate({
      wrap: (client) => ({
        escapeIdentifier: (id) => client.escapeIdentifier(id),
        end: () => client.end(),
        query: async (text, values) => {
          // Another run's Flyway records its first migration between our look and our drop.
          if (text.startsWith("lock table")) await superuser((c) => c.query(BASELINE_ROW));
          return client.query(text, values);
        },
      }),
    });
    expect(run.error).toBeUndefined();
    expect(run.notes).toEqual(["flyway_schema_history gained rows meanwhile; left as is"]);
    expect(run.calls).toHaveLength(1);
    expect(run.calls[0]?.env).not.toHaveProperty("FLYWAY_BASELINE_ON_MIGRATE");
    const rows = await superuser((c) =>
      c.query("select count(*)::int as n from flyway_schema_history"),
    );
    expect(rows.rows[0].n).toBe(1);
  });
});
