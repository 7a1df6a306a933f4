/**
 * `dev-bootstrap wait`, in-process against the loopback stand-ins, on a virtual
 * clock that records every pause. What a user (or Tilt, gating an app on it)
 * relies on: it returns as soon as no link is broken, gives up at its timeout with
 * the first broken link and its fix, names the link it waits for when that changes
 * and every progressSeconds while it stays (never more often), polls soon after a
 * change and at most every 2 s, never pauses past the deadline, picks up a Vault
 * token written while it waits, only reads, and stops at once on an interrupt.
 */
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Clock } from "../../src/flows/host.js";
import { waitForChain } from "../../src/flows/wait-chain.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runInProcess } from "../helpers/cli.js";
import { type VirtualClock, virtualClock } from "../helpers/clock.js";
import { type CapturedLog, captureLog } from "../helpers/flow-run.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 20\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
});
afterEach(async () => world.stop());

const env = (extra: Record<string, string | undefined> = {}) =>
  cleanEnv({ ...world.env, HOME: ws.dir, ...extra });

/** The environment the chain checks, as post-start leaves it. */
async function ready(): Promise<void> {
  for (const args of [["ensure-local-secrets"], ["bootstrap-db-migrations-secret"]]) {
    const r = await runInProcess(args, { cwd: ws.dir, env: env(), clock: virtualClock() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
}

interface Run {
  clock: VirtualClock;
  captured: CapturedLog;
  hosts: number;
}

/**
 * One wait. `onPause(n)` runs before the n-th pause (1-based) takes effect: what
 * changes in the world while the wait sleeps.
 */
async function wait(
  options: { timeoutSeconds: number; connect?: boolean; progressSeconds?: number },
  setup: {
    env?: NodeJS.ProcessEnv;
    onPause?: (n: number) => void | Promise<void>;
    signal?: AbortSignal;
  } = {},
) {
  const runEnv = setup.env ?? env();
  const resolved = resolveConfig({ cwd: ws.dir, env: runEnv });
  const masker = new SecretMasker();
  const virtual = virtualClock(1_000_000);
  let pauses = 0;
  const clock: Clock = {
    ...virtual,
    async sleep(ms, signal) {
      pauses++;
      await setup.onPause?.(pauses);
      return virtual.sleep(ms, signal);
    },
  };
  const run: Run = {
    clock: virtual,
    captured: captureLog({ command: "wait", clock, masker }),
    hosts: 0,
  };
  const hostFor = () => {
    run.hosts++;
    return createHost({
      resolved,
      masker,
      env: runEnv,
      clock,
      ...(setup.signal ? { signal: setup.signal } : {}),
    });
  };
  const report = await waitForChain(hostFor, resolved, run.captured.log, {
    timeoutSeconds: options.timeoutSeconds,
    connect: options.connect ?? false,
    allowPending: false,
    progressSeconds: options.progressSeconds ?? 5,
  });
  return { ...run, report };
}

/** The progress lines under the wait step (notes: not checkpoints). */
const notes = (c: CapturedLog) =>
  c
    .notes()
    .filter((r) => r.step === "wait")
    .map((r) => r.message);

/** Nothing but reads reached either stand-in. */
function expectOnlyReads(vaultFrom: number, kubeFrom: number) {
  expect(world.vault.requests.slice(vaultFrom).filter((q) => q.method !== "GET")).toEqual([]);
  expect(
    world.kube.requests
      .slice(kubeFrom)
      .filter((q) => !["get", "list", "watch", "discovery"].includes(q.verb.toLowerCase())),
  ).toEqual([]);
}

describe("wait", () => {
  it("a healthy chain: returns at once, says the database links were not checked", async () => {
    await ready();
    const { report, captured, clock } = await wait({ timeoutSeconds: 300 });
    expect(report.ok).toBe(true);
    expect(clock.sleeps).toEqual([]);
    expect(captured.checkpoint("wait", "start")?.message).toBe(
      "waiting up to 300 s until no link from fixtures to migrations-secret is broken",
    );
    expect(captured.checkpoint("wait", "ok")?.message).toBe(
      "no broken link after 0 s (database-login and flyway not checked: --connect)",
    );
    expect(notes(captured)).toEqual([]);
  });

  it("still broken at the timeout: the first broken link and its fix; pauses short at first, never over 2 s, none past the deadline", async () => {
    world.vault.faults.sealed = true;
    const vaultFrom = world.vault.requests.length;
    const kubeFrom = world.kube.requests.length;
    const { report, captured, clock } = await wait({ timeoutSeconds: 7, progressSeconds: 60 });
    expect(report.ok).toBe(false);
    const fail = captured.checkpoint("wait", "fail");
    expect(fail?.message).toMatch(/^still broken after 7 s: vault — Vault sealed at http:\/\/127/);
    expect(fail?.hint).toBe(
      "fix: unseal it ('vault operator unseal') or restart the dev server; nothing was written   (details: dev-bootstrap why)",
    );
    expect(captured.checkpoint("wait", "ok")).toBeUndefined();
    // 100, 200, 400, 800, 1600 ms, then 2 s, and the last cut to the deadline: 7 s in all.
    expect(clock.sleeps).toEqual([100, 200, 400, 800, 1600, 2000, 1900]);
    expect(clock.elapsed()).toBe(7000);
    // The link did not change and progressSeconds never passed: named once.
    expect(notes(captured)).toEqual([
      expect.stringMatching(
        /^waiting for vault — Vault sealed at \S+; 0 s of 7 s \(fix: unseal it \('vault operator unseal'\) or restart the dev server; nothing was written\)$/,
      ),
    ]);
    expectOnlyReads(vaultFrom, kubeFrom);
  });

  it("a timeout of 0: one walk, then the verdict, without a pause", async () => {
    world.vault.faults.sealed = true;
    const { report, captured, clock } = await wait({ timeoutSeconds: 0 });
    expect(report.ok).toBe(false);
    expect(clock.sleeps).toEqual([]);
    expect(captured.checkpoint("wait", "fail")?.message).toMatch(/^still broken after 0 s: vault/);
    expect(notes(captured)).toEqual([]);
  });

  it("while the same link stays broken, it is named again every progressSeconds, not more often", async () => {
    world.vault.faults.sealed = true;
    const { captured, clock } = await wait({ timeoutSeconds: 12, progressSeconds: 4 });
    expect(clock.elapsed()).toBe(12_000);
    // Walks at 0, 0.1, 0.3, 0.7, 1.5, 3.1, 5.1, 7.1, 9.1, 11.1 s: a line at 0, then
    // the first walk at least 4 s after the last line (5.1 s), then 9.1 s.
    expect(notes(captured).map((m) => String(m).match(/; (\d+) s of 12 s/)?.[1])).toEqual([
      "0",
      "5",
      "9",
    ]);
  });

  it("with --connect: waits for the link to Flyway, and its fix points at 'why --connect'", async () => {
    world.vault.faults.sealed = true;
    const { captured } = await wait({ timeoutSeconds: 1, connect: true });
    expect(captured.checkpoint("wait", "start")?.message).toBe(
      "waiting up to 1 s until no link from fixtures to flyway is broken",
    );
    expect(captured.checkpoint("wait", "fail")?.hint).toBe(
      "fix: unseal it ('vault operator unseal') or restart the dev server; nothing was written   (details: dev-bootstrap why --connect)",
    );
  });

  it("returns as soon as the chain heals, with the time it took", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("Secret", "ameide", "db-migrations-local");
    const { report, captured, clock } = await wait(
      { timeoutSeconds: 300 },
      {
        onPause: async (n) => {
          if (n !== 6) return;
          const r = await runInProcess(["bootstrap-db-migrations-secret"], {
            cwd: ws.dir,
            env: env(),
            clock: virtualClock(),
          });
          expect(r.code, r.stdout).toBe(0);
        },
      },
    );
    expect(report.ok, captured.text()).toBe(true);
    // Written during the sixth pause (0.1 + 0.2 + 0.4 + 0.8 + 1.6 + 2 s): the next walk passes.
    expect(clock.sleeps).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(captured.checkpoint("wait", "ok")?.message).toBe(
      "no broken link after 5 s (database-login and flyway not checked: --connect)",
    );
    expect(captured.checkpoint("wait", "fail")).toBeUndefined();
  });

  it("a new broken link is named at once, without waiting for progressSeconds", async () => {
    await ready();
    world.eso.stop();
    world.vault.faults.sealed = true;
    const { captured } = await wait(
      { timeoutSeconds: 3, progressSeconds: 60 },
      {
        onPause: (n) => {
          if (n === 2) {
            world.vault.faults.sealed = false;
            world.kube.remove("Secret", "ameide", "db-migrations-local");
          }
        },
      },
    );
    const lines = notes(captured);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^waiting for vault — Vault sealed at \S+; 0 s of 3 s/);
    expect(lines[1]).toMatch(
      /^waiting for migrations-secret — secret ameide\/db-migrations-local does not exist.*; 0 s of 3 s \(fix: dev-bootstrap bootstrap-db-migrations-secret\)$/,
    );
    expect(captured.checkpoint("wait", "fail")?.message).toMatch(
      /^still broken after 3 s: migrations-secret — /,
    );
  });

  it("a Vault token written while it waits is picked up (the next walk gets a fresh client)", async () => {
    await ready();
    // No VAULT_TOKEN, and no ~/.vault-token yet: the vault link is broken.
    const runEnv = env({ VAULT_TOKEN: undefined });
    const tokenFile = join(ws.dir, ".vault-token");
    rmSync(tokenFile, { force: true });
    const { report, captured } = await wait(
      { timeoutSeconds: 60 },
      {
        env: runEnv,
        onPause: (n) => {
          if (n === 2) writeFileSync(tokenFile, `${world.vault.rootToken}\n`, { mode: 0o600 });
        },
      },
    );
    expect(notes(captured)[0]).toMatch(/^waiting for vault — /);
    expect(report.ok).toBe(true);
    expect(captured.text()).not.toContain(world.vault.rootToken);
  });

  it("a kubeconfig created while it waits is picked up (the next walk gets a fresh client)", async () => {
    await ready();
    const kubeconfig = join(ws.dir, "kubeconfig");
    const { report, captured } = await wait(
      { timeoutSeconds: 60 },
      {
        env: env({ KUBECONFIG: kubeconfig }),
        onPause: (n) => {
          if (n === 2) copyFileSync(world.kubeconfig, kubeconfig);
        },
      },
    );
    expect(notes(captured)[0]).toMatch(/^waiting for eso — /);
    expect(report.ok, captured.text()).toBe(true);
  });

  it("an interrupt while it pauses ends the wait at once", async () => {
    world.vault.faults.sealed = true;
    const controller = new AbortController();
    const outcome = await wait(
      { timeoutSeconds: 300 },
      {
        signal: controller.signal,
        onPause: (n) => {
          if (n === 3) controller.abort(new Error("SIGINT"));
        },
      },
    ).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe("SIGINT");
  });
});
