/**
 * post-start and smoke as flows, in-process against the loopback stand-ins through
 * the real adapters. What a user relies on: the steps run in their order (seed and
 * ESO, the migrations secret, the extra phases, Tilt; for smoke the health check,
 * layer 42 and flyway-status), a failed step leaves the later ones shown as
 * skipped naming it, the run ends with its table (and, when it failed, the first
 * broken link), a stale copy of the Feature is a warning and never a failure.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Vault } from "../../src/adapters/vault.js";
import { createHost, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Clock, Host } from "../../src/flows/host.js";
import { postStart } from "../../src/flows/post-start.js";
import { smoke } from "../../src/flows/smoke.js";
import { Journal } from "../../src/log/journal.js";
import { CheckpointLogger } from "../../src/log/logger.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { StandIns } from "../helpers/standin.js";
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

/** A run's Host and a human logger journaling into the workspace; PATH holds only `tools`. */
function setUp(command: string, clock: Clock = systemClock, tools = new StandIns([])) {
  const env = cleanEnv({ ...world.env, PATH: `${tools.dir}:${process.env.PATH}` });
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const masker = new SecretMasker();
  const real = createHost({ resolved, masker, env, clock });
  // The run's own reads of Vault paths (ESO's stand-in reads Vault too, apart from the run).
  const vaultReads: string[] = [];
  const host: Host = {
    ...real,
    vault: async () => {
      const vault = await real.vault();
      return {
        ...vault,
        addr: vault.addr,
        kvRead: (mount, path) => {
          vaultReads.push(path);
          return vault.kvRead(mount, path);
        },
      } as Vault;
    },
  };
  let out = "";
  const log = new CheckpointLogger({
    now: clock.now,
    runId: `run-${command}`,
    command,
    format: "human",
    colour: false,
    out: { write: (text: string) => (out += text) },
    journal: new Journal({ path: resolved.journalPath, maxBytes: 1_000_000 }),
    masker,
  });
  let stdout = "";
  return {
    host,
    resolved,
    log,
    vaultReads,
    out: () => out,
    stdout: { write: (text: string) => (stdout += text) },
    printed: () => stdout,
  };
}

/** The steps in the order their first line of `status` appears. */
const order = (out: string, mark: string) =>
  [...out.matchAll(new RegExp(`^\\[([^\\]]+)\\] ${mark}`, "gm"))].map((m) => m[1]);

describe("post-start", () => {
  it("seeds, wires ESO, writes the secret, skips Tilt when told, and ends with its table", async () => {
    const run = setUp("post-start");
    const r = await postStart(run.host, run.resolved, run.log, {
      stdout: run.stdout,
      noTilt: true,
    });
    expect(r).toEqual({ failed: false });
    // The seed reads each path once; the bootstrap is handed what it found (one start, one read).
    expect(run.vaultReads.sort()).toEqual(["agents/db", "platform/db"]);
    const starts = order(run.out(), "▶");
    expect(starts.indexOf("vault:seed")).toBeLessThan(starts.indexOf("eso:apply"));
    expect(starts.indexOf("eso:apply")).toBeLessThan(starts.indexOf("db-migrations-secret"));
    expect(run.out()).toMatch(/\[tilt\] ↷ Tilt not started \(--no-tilt\)\n/);
    expect(world.kube.get("Secret", "ameide", "db-migrations-local")).toBeDefined();
    expect(run.printed()).toMatch(/^\nrun run-post-start \(post-start\) started \S+: OK\n/);
    expect(run.printed()).toMatch(/\ntilt +skipped +- +Tilt not started \(--no-tilt\)\n/);
    expect(run.printed()).not.toContain("why:");
    expect(run.out()).not.toMatch(/\[feature\]/);
  });

  it("without --no-tilt and without a Tiltfile: Tilt is not started, and says why", async () => {
    const run = setUp("post-start");
    await postStart(run.host, run.resolved, run.log, { stdout: run.stdout, noTilt: false });
    expect(run.out()).toMatch(/\[tilt\] ↷ no Tiltfile in the workspace; Tilt not started/);
  });

  it("extra phases run after the migrations secret and before Tilt; their failure skips Tilt", async () => {
    const run = setUp("post-start");
    const seen: string[] = [];
    const r = await postStart(run.host, run.resolved, run.log, {
      stdout: run.stdout,
      noTilt: true,
      extraPhases: [
        {
          step: "extra",
          run: async () => {
            seen.push(
              world.kube.get("Secret", "ameide", "db-migrations-local") ? "secret there" : "none",
            );
            throw new StepError("extra broke", "fix extra");
          },
        },
      ],
    });
    expect(seen).toEqual(["secret there"]);
    expect(r.failed).toBe(true);
    expect((r.error as StepError).message).toBe("extra broke");
    expect(run.out()).toMatch(/\[extra\] ✖ extra broke/);
    expect(run.out()).toMatch(/\[tilt\] ↷ skipped: extra failed/);
    expect(run.out()).not.toMatch(/Tilt not started \(--no-tilt\)/);
    expect(run.printed()).toMatch(/: FAILED\n/);
    // A failed post-start ends with why's walk (the chain itself is healthy here).
    expect(run.printed()).toMatch(
      /\nwhy: no broken link \(fixtures … migrations-secret ok\); the failure is in the step above\n$/,
    );
  });

  it("a sealed Vault: the seed fails, the secret and Tilt are skipped naming it, nothing is written to Kubernetes", async () => {
    world.vault.faults.sealed = true;
    const clock = virtualClock();
    const run = setUp("post-start", clock);
    const r = await postStart(run.host, run.resolved, run.log, {
      stdout: run.stdout,
      noTilt: true,
    });
    expect(r.failed).toBe(true);
    expect(run.out()).toMatch(/\[db-migrations-secret\] ↷ skipped: vault:health failed/);
    expect(run.out()).toMatch(/\[tilt\] ↷ skipped: vault:health failed/);
    expect(world.kube.get("Secret", "ameide", "db-migrations-local")).toBeUndefined();
    expect(run.printed()).toMatch(/why: first broken link: vault — Vault sealed at /);
  });

  it("a copied Feature older than the package's: a warning with the upgrade hint, and the run goes on", async () => {
    const pkg = makeWorkspace({
      "devcontainer-feature/src/dev-bootstrap/devcontainer-feature.json": '{"version":"1.4.0"}',
    });
    ws.write(".devcontainer/dev-bootstrap/devcontainer-feature.json", '{"version":"1.3.9"}');
    const run = setUp("post-start");
    const r = await postStart(run.host, run.resolved, run.log, {
      stdout: run.stdout,
      noTilt: true,
      packageRoot: pkg.dir,
    });
    expect(r.failed).toBe(false);
    expect(run.out()).toContain(
      "[feature] ⚠ the copied Feature in .devcontainer/dev-bootstrap/ is version 1.3.9, older than the installed package's 1.4.0",
    );
    expect(run.out()).toContain("dev-bootstrap init --upgrade --dry-run");
    // The warning comes first, before any step runs.
    expect(run.out().indexOf("[feature]")).toBeLessThan(run.out().indexOf("[vault"));
  });

  it("a copied Feature as new as the package's: no warning", async () => {
    const pkg = makeWorkspace({
      "devcontainer-feature/src/dev-bootstrap/devcontainer-feature.json": '{"version":"1.4.0"}',
    });
    ws.write(".devcontainer/dev-bootstrap/devcontainer-feature.json", '{"version":"1.4.0"}');
    const run = setUp("post-start");
    await postStart(run.host, run.resolved, run.log, {
      stdout: run.stdout,
      noTilt: true,
      packageRoot: join(pkg.dir),
    });
    expect(run.out()).not.toContain("[feature]");
  });
});

describe("smoke", () => {
  it("--skip-layer: seed, secret, health check, then flyway-status; no helmfile run", async () => {
    const tools = new StandIns(["helmfile", "helm"]);
    const run = setUp("smoke", virtualClock(), tools);
    const r = await smoke(run.host, run.resolved, run.log, {
      stdout: run.stdout,
      connect: false,
      skipLayer: true,
    });
    // The fixtures' databases (db:5432) cannot be reached: flyway-status is what fails.
    expect(r.failed).toBe(true);
    expect((r.error as StepError).message).toBe("flyway-status found problems");
    const starts = order(run.out(), "▶");
    expect(starts).toContain("db-migrations-secret:check");
    expect(starts.indexOf("db-migrations-secret")).toBeLessThan(
      starts.indexOf("db-migrations-secret:check"),
    );
    expect(starts.indexOf("db-migrations-secret:check")).toBeLessThan(
      starts.indexOf("flyway:status"),
    );
    expect(run.out()).toMatch(/\[db-migrations-secret:check\] ✔/);
    expect(run.out()).not.toContain("[layer:42");
    expect(tools.calls()).toEqual([]);
    expect(run.printed()).toMatch(/run run-smoke \(smoke\) started \S+: FAILED/);
  });

  it("layer 42 runs after the health check and before flyway-status; a sealed Vault skips them all", async () => {
    world.vault.faults.sealed = true;
    const tools = new StandIns(["helmfile", "helm"]);
    const run = setUp("smoke", virtualClock(), tools);
    const r = await smoke(run.host, run.resolved, run.log, {
      stdout: run.stdout,
      connect: false,
      skipLayer: false,
    });
    expect(r.failed).toBe(true);
    expect(order(run.out(), "↷ skipped: vault:health failed")).toEqual([
      "db-migrations-secret",
      "db-migrations-secret:check",
      "layer:42",
      "flyway:status",
    ]);
    expect(tools.calls()).toEqual([]);
  });

  it("--connect: the health check logs in to each database, and a failure says which", async () => {
    const run = setUp("smoke", virtualClock(), new StandIns(["helmfile", "helm"]));
    const r = await smoke(run.host, run.resolved, run.log, {
      stdout: run.stdout,
      connect: true,
      skipLayer: true,
    });
    expect(r.failed).toBe(true);
    expect(run.out()).toMatch(
      /\[db-migrations-secret:check\] ▶ checking ameide\/db-migrations-local and logging in to each database/,
    );
    expect(run.out()).toMatch(/\[db-migrations-secret:check\] ✖ database platform: /);
    expect(run.out()).toMatch(
      /\[layer:42\]|\[flyway:status\] ↷ skipped: db-migrations-secret:check failed/,
    );
  });
});
