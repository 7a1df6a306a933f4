/**
 * The phases post-start, smoke, run-helm-layer and the watcher compose, run
 * in-process against the loopback stand-ins (Vault, the Kubernetes API and the ESO
 * reconciler) through the real adapters. What a user relies on: ESO is asked to
 * refresh only the ExternalSecrets that read a path this run wrote (or every one,
 * with --refresh), --skip-eso touches no ExternalSecret, the health check and
 * flyway-status fail their phase with a line that points at their own report, and
 * a run ends with its summary table and, when it failed, the first broken link.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import { FORCE_SYNC_ANNOTATION } from "../../src/core/manifests.js";
import { SecretMasker } from "../../src/core/mask.js";
import { loadFixtureDirectory } from "../../src/flows/fixtures.js";
import type { Clock } from "../../src/flows/host.js";
import {
  ensureLocalSecretsStep,
  flywayStatusPhase,
  healthCheckPhase,
  runSummarised,
} from "../../src/flows/phases.js";
import { runPipeline } from "../../src/flows/pipeline.js";
import { Journal } from "../../src/log/journal.js";
import { CheckpointLogger } from "../../src/log/logger.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 1\neso:\n  readyTimeoutSeconds: 30\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
});
afterEach(async () => world.stop());

/**
 * A run's Host and logger (human lines into `out()`, the journal in the workspace).
 * The system clock by default: the ESO reconciler answers in real time (a few ms).
 */
function setUp(
  clock: Clock = systemClock,
  extraEnv: Record<string, string> = {},
  runId = "run-1",
  command = "post-start",
) {
  const env = cleanEnv({ ...world.env, ...extraEnv });
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const masker = new SecretMasker();
  const host = createHost({ resolved, masker, env, clock });
  let out = "";
  const journal = new Journal({ path: resolved.journalPath, maxBytes: 1_000_000 });
  const log = new CheckpointLogger({
    now: clock.now,
    runId,
    command,
    format: "human",
    colour: false,
    out: { write: (text: string) => (out += text) },
    journal,
    masker,
  });
  return { host, resolved, log, masker, out: () => out };
}

const stamp = (name: string) =>
  world.kube.get("ExternalSecret", "ameide", name)?.metadata.annotations?.[FORCE_SYNC_ANNOTATION];
const stamps = () => [stamp("platform-db-credentials"), stamp("agents-db-credentials")];
/** A moment later: a refresh's stamp is the time in ms. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

describe("ensureLocalSecretsStep", () => {
  it("a first run writes both paths and asks ESO to refresh both; a rerun writes and refreshes nothing", async () => {
    const first = setUp();
    const r = await ensureLocalSecretsStep(first.host, first.resolved, first.log);
    expect(r.writtenPaths.sort()).toEqual(["agents/db", "platform/db"]);
    const [platform, agents] = stamps();
    expect(platform).toMatch(/^\d+$/);
    expect(agents).toMatch(/^\d+$/);
    // What the bootstrap of the same run gets: both databases' credentials.
    expect([...(r.handoff.credentials?.keys() ?? [])]).toEqual(["platform", "agents"]);
    expect(first.out()).toContain("refresh requested");

    await tick();
    const again = setUp();
    const rerun = await ensureLocalSecretsStep(again.host, again.resolved, again.log);
    expect(rerun.writtenPaths).toEqual([]);
    expect(stamps()).toEqual([platform, agents]);
    expect(again.out()).not.toContain("refresh requested");
  });

  it("only the ExternalSecret reading the path this run wrote is refreshed", async () => {
    const first = setUp();
    await ensureLocalSecretsStep(first.host, first.resolved, first.log);
    const [platform, agents] = stamps();
    // Someone changed agents/db by hand: the seed writes it back, and only it.
    world.vault.writeDirect("secret", "agents/db", { DB_USERNAME: "someone-else" });
    await tick();
    const second = setUp();
    const r = await ensureLocalSecretsStep(second.host, second.resolved, second.log);
    expect(r.writtenPaths).toEqual(["agents/db"]);
    expect(stamp("platform-db-credentials")).toBe(platform);
    expect(stamp("agents-db-credentials")).not.toBe(agents);
    expect(stamp("agents-db-credentials")).toMatch(/^\d+$/);
  });

  it("--refresh: every ExternalSecret is refreshed, though nothing was written", async () => {
    const first = setUp();
    await ensureLocalSecretsStep(first.host, first.resolved, first.log);
    const before = stamps();
    await tick();
    const second = setUp();
    const r = await ensureLocalSecretsStep(second.host, second.resolved, second.log, {
      refresh: true,
    });
    expect(r.writtenPaths).toEqual([]);
    const after = stamps();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(second.out()).toContain("refresh requested");
  });

  it("--skip-eso: Vault is seeded, no ExternalSecret or store is applied, the step says it skipped", async () => {
    const run = setUp();
    const kubeFrom = world.kube.requests.length;
    const r = await ensureLocalSecretsStep(run.host, run.resolved, run.log, { skipEso: true });
    expect(r.writtenPaths.sort()).toEqual(["agents/db", "platform/db"]);
    expect(world.vault.read("secret", "platform/db")?.DB_USERNAME).toBe("platform");
    expect(world.kube.requests.slice(kubeFrom)).toEqual([]);
    expect(world.kube.get("ExternalSecret", "ameide", "platform-db-credentials")).toBeUndefined();
    expect(run.out()).toMatch(/\[eso:apply\] ↷ ESO wiring skipped \(--skip-eso\)/);
    expect(r.handoff.credentials?.size).toBe(2);
  });

  it("--only: seeds the paths named, and refreshes only the ExternalSecrets that read them", async () => {
    const run = setUp();
    const r = await ensureLocalSecretsStep(run.host, run.resolved, run.log, {
      only: new Set(["platform/db"]),
    });
    expect(r.writtenPaths).toEqual(["platform/db"]);
    expect(world.vault.read("secret", "agents/db")).toBeUndefined();
    expect(stamp("platform-db-credentials")).toMatch(/^\d+$/);
    expect(stamp("agents-db-credentials")).toBeUndefined();
  });

  it("a kubeconfig that cannot be loaded: Vault is still seeded, then wiring ESO fails with that error", async () => {
    const run = setUp(systemClock, { KUBECONFIG: join(ws.dir, "no-such-kubeconfig") });
    const error = await ensureLocalSecretsStep(run.host, run.resolved, run.log).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/no-such-kubeconfig/);
    expect(world.vault.read("secret", "platform/db")?.DB_USERNAME).toBe("platform");
    expect(world.kube.get("ExternalSecret", "ameide", "platform-db-credentials")).toBeUndefined();
  });

  it("fixtures the caller loaded are seeded as given: the fixture directory is not read again", async () => {
    const run = setUp();
    const fixtures = loadFixtureDirectory(run.resolved, {
      masker: run.masker,
      env: run.host.env,
      fs: run.host.fs,
    });
    // A broken file saved since: not what this run seeds.
    ws.write("vault/fixtures/db.yaml", "paths: [\n");
    const r = await ensureLocalSecretsStep(run.host, run.resolved, run.log, {
      fixtures,
      skipEso: true,
    });
    expect(r.writtenPaths.sort()).toEqual(["agents/db", "platform/db"]);
  });
});

describe("the health check and flyway-status as phases", () => {
  it("the health check passes on a complete secret and fails its phase on a missing one", async () => {
    const run = setUp();
    const phase = healthCheckPhase(run.host, run.resolved, run.log, { connect: false });
    expect(phase.step).toBe("db-migrations-secret:check");
    const result = await runPipeline([phase, { step: "next", run: async () => {} }], run.log);
    const error = result.failed?.error;
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe("health check: missing");
    expect((error as StepError).hint).toBe("see the check's line above");
    expect(result.failed?.step).toBe("db-migrations-secret:check");
    // The check's own line, then the phase's: the later phase is skipped naming the check.
    expect(run.out()).toMatch(
      /\[db-migrations-secret:check\] ✖ secret ameide\/db-migrations-local does not exist/,
    );
    expect(run.out()).toMatch(/\[next\] ↷ skipped: db-migrations-secret:check failed/);
  });

  it("the health check's phase passes when the secret is complete", async () => {
    const run = setUp();
    const { handoff } = await ensureLocalSecretsStep(run.host, run.resolved, run.log);
    const { bootstrapMigrationsSecret } = await import("../../src/flows/migrations-secret.js");
    await bootstrapMigrationsSecret(run.host, run.resolved, run.log, { handoff });
    const phase = healthCheckPhase(run.host, run.resolved, run.log, { connect: false });
    await expect(phase.run()).resolves.toBeUndefined();
    expect(run.out()).toMatch(/\[db-migrations-secret:check\] ✔ .*valid Flyway settings/);
  });

  it("flyway-status fails its phase when a database is unhealthy, and prints its table", async () => {
    const run = setUp(virtualClock());
    const { handoff } = await ensureLocalSecretsStep(run.host, run.resolved, run.log, {
      skipEso: true,
    });
    // The migrations secret straight from the fixtures (ESO is not needed for this).
    const { bootstrapMigrationsSecret } = await import("../../src/flows/migrations-secret.js");
    await bootstrapMigrationsSecret(run.host, run.resolved, run.log, { handoff }).catch(() => {});
    let printed = "";
    const phase = flywayStatusPhase(run.host, run.resolved, run.log, {
      stdout: { write: (t: string) => (printed += t) },
    });
    expect(phase.step).toBe("flyway:status");
    const error = await phase.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe("flyway-status found problems");
    expect((error as StepError).hint).toBe("see the flyway:status line above");
    expect(printed).toMatch(/platform/);
  });
});

describe("runSummarised", () => {
  it("prints the run's table after the phases; a run that passed adds no explanation", async () => {
    const run = setUp();
    let stdout = "";
    const result = await runSummarised(
      run.host,
      run.resolved,
      run.log,
      [{ step: "only", run: async () => run.log.start("only", "working").ok("done") }],
      { write: (t: string) => (stdout += t) },
      { connect: false },
    );
    expect(result).toEqual({ failed: false });
    expect(stdout).toMatch(/^\nrun run-1 \(post-start\) started \S+: OK\nSTEP +STATUS/);
    expect(stdout).toMatch(/only +ok +\d+ ms +done\n$/);
    expect(stdout).not.toContain("why:");
  });

  it("a failed run: the error, the table, then the first broken link and its fix", async () => {
    world.vault.faults.sealed = true;
    const run = setUp(virtualClock());
    let stdout = "";
    const error = new StepError("it broke", "fix it");
    const result = await runSummarised(
      run.host,
      run.resolved,
      run.log,
      [
        {
          step: "broken",
          run: async () => {
            throw error;
          },
        },
        { step: "later", run: async () => {} },
      ],
      { write: (t: string) => (stdout += t) },
      { connect: false },
    );
    expect(result).toEqual({ failed: true, error });
    expect(stdout).toMatch(/: FAILED\n/);
    expect(stdout).toMatch(/\nlater +skipped +- +skipped: broken failed\n/);
    const why = stdout.slice(stdout.indexOf("why: "));
    expect(stdout.indexOf("why: ")).toBeGreaterThan(stdout.indexOf("later"));
    expect(why).toMatch(/^why: first broken link: vault — Vault sealed at /);
  });

  it("a failed run without an explanation asked for ends with the table", async () => {
    const run = setUp(virtualClock());
    let stdout = "";
    const result = await runSummarised(
      run.host,
      run.resolved,
      run.log,
      [{ step: "broken", run: () => Promise.reject(new StepError("it broke", "fix it")) }],
      { write: (t: string) => (stdout += t) },
    );
    expect(result.failed).toBe(true);
    expect(stdout).toMatch(/broken +FAIL .*it broke — hint: fix it\n$/);
    expect(stdout).not.toContain("why:");
  });

  it("without a journal, no table is printed", async () => {
    const run = setUp();
    const log = new CheckpointLogger({
      now: systemClock.now,
      runId: "run-2",
      command: "post-start",
      format: "human",
      colour: false,
      out: { write: () => {} },
      journal: undefined,
      masker: run.masker,
    });
    let stdout = "";
    const result = await runSummarised(run.host, run.resolved, log, [], {
      write: (t: string) => (stdout += t),
    });
    expect(result).toEqual({ failed: false });
    expect(stdout).toBe("");
  });

  it("the phases run under the workspace lock", async () => {
    const run = setUp();
    const lock = join(ws.dir, ".dev-bootstrap", "dev-bootstrap.lock");
    let held = false;
    await runSummarised(
      run.host,
      run.resolved,
      run.log,
      [
        {
          step: "look",
          run: async () => {
            held = existsSync(lock);
            run.log.checkpoint("look", "ok", "looked");
          },
        },
      ],
      { write: () => {} },
    );
    expect(held).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });
});
