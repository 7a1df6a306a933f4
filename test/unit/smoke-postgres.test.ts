/**
 * smoke and wait over a real PostgreSQL (the sandbox's throwaway server), with
 * one migration not yet applied to either database. What CI relies on: before a
 * migrate (--skip-layer) pending migrations are fine and the run passes, after
 * layer 42 anything pending fails flyway-status (as `flyway validate` does: Flyway's
 * "Command-line: validate" page lists "versions have been resolved that haven't been
 * applied yet" among its failures, and the default ignoreMigrationPatterns, "*:future",
 * does not ignore pending ones); --connect logs in to each database, and a
 * failed run's explanation walks the chain as far as Flyway.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHost, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { smoke } from "../../src/flows/smoke.js";
import { waitForChain } from "../../src/flows/wait-chain.js";
import { Journal } from "../../src/log/journal.js";
import { CheckpointLogger } from "../../src/log/logger.js";
import type { World } from "../../src/sandbox/world.js";
import { cleanEnv } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { startDatabaseWorld } from "../helpers/db-world.js";
import { captureLog } from "../helpers/flow-run.js";
import { StandIns } from "../helpers/standin.js";
import type { Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
const tools = new StandIns(["helmfile", "helm"]);
const env = () => cleanEnv({ ...world.env, PATH: `${tools.dir}:${process.env.PATH}` });

beforeAll(async () => {
  ({ world, ws } = await startDatabaseWorld((w) =>
    cleanEnv({ ...w.env, PATH: `${tools.dir}:${process.env.PATH}` }),
  ));
}, 120_000);
afterAll(async () => world?.stop());

/** One smoke run, as the entrypoint makes it (its Host, a journal in the workspace). */
async function runSmoke(options: { connect: boolean; skipLayer: boolean }) {
  const runEnv = env();
  const resolved = resolveConfig({ cwd: ws.dir, env: runEnv });
  const masker = new SecretMasker();
  const host = createHost({ resolved, masker, env: runEnv, clock: systemClock });
  let out = "";
  let printed = "";
  const log = new CheckpointLogger({
    now: systemClock.now,
    runId: `smoke-${Date.now()}`,
    command: "smoke",
    format: "human",
    colour: false,
    out: { write: (text: string) => (out += text) },
    journal: new Journal({ path: resolved.journalPath, maxBytes: 1_000_000 }),
    masker,
  });
  const result = await smoke(host, resolved, log, {
    stdout: { write: (text: string) => (printed += text) },
    ...options,
  });
  return { result, out, printed };
}

describe("smoke over a real PostgreSQL, one migration pending", () => {
  it("--skip-layer --connect: every login works, pending is allowed before a migrate; exit 0", async () => {
    const r = await runSmoke({ connect: true, skipLayer: true });
    expect(r.result, r.out).toEqual({ failed: false });
    expect(r.out).toMatch(
      /\[db-migrations-secret:check\] ✔ .*for platform, agents; every login works/,
    );
    expect(r.out).toMatch(/\[flyway:status\] ✔/);
    expect(r.out).not.toContain("[layer:42");
    expect(r.printed).toMatch(/run smoke-\d+ \(smoke\) started \S+: OK\n/);
    expect(r.printed).not.toContain("why:");
  });

  it("with layer 42 (which migrated nothing): flyway-status fails on the pending migrations", async () => {
    const r = await runSmoke({ connect: true, skipLayer: false });
    expect(r.result.failed).toBe(true);
    expect((r.result.error as StepError).message).toBe("flyway-status found problems");
    expect(r.out).toMatch(/\[layer:42:helmfile\] ✔ helmfile sync for layer 42 done/);
    // The layer's own seed and bootstrap ran once, as smoke's first steps, not again.
    expect(r.out.match(/\[vault:seed\] ▶/g)).toHaveLength(1);
    expect(r.out.match(/\[db-migrations-secret\] ▶/g)).toHaveLength(1);
    expect(r.out).toMatch(/\[flyway:status\] ✖ .*pending/);
    expect(tools.calls("helmfile").map((c) => c.argv.at(-1))).toEqual(["sync"]);
    // The walk after the failure goes as far as Flyway (--connect), pending allowed there.
    expect(r.printed).toMatch(
      /\nwhy: no broken link \(fixtures … flyway ok\); the failure is in the step above\n$/,
    );
  });
});

describe("wait --connect over a real PostgreSQL", () => {
  it("every login works and pending is allowed: returns at once, without the note about --connect", async () => {
    const runEnv = env();
    const resolved = resolveConfig({ cwd: ws.dir, env: runEnv });
    const masker = new SecretMasker();
    const clock = virtualClock(1_000_000);
    const captured = captureLog({ command: "wait", clock, masker });
    const report = await waitForChain(
      () => createHost({ resolved, masker, env: runEnv, clock }),
      resolved,
      captured.log,
      { timeoutSeconds: 60, connect: true, allowPending: true, progressSeconds: 5 },
    );
    expect(report.ok, captured.text()).toBe(true);
    expect(captured.checkpoint("wait", "ok")?.message).toBe("no broken link after 0 s");
  });
});
