/**
 * Seeds Vault KV v2 from resolved fixtures: wait until Vault answers, make sure
 * the KV v2 mount exists, then per path read → compare → write only what
 * differs, always with check-and-set. A second run writes nothing.
 */
import { type KvRead, type Vault, VaultHttpError, VaultNetworkError } from "../adapters/vault.js";
import { StepError } from "../core/errors.js";
import type { ResolvedPath } from "../core/fixtures.js";
import { backoffDelay, mapPool, sleep } from "../core/retry.js";
import type { CheckpointLogger } from "../log/logger.js";
import { step as runStep } from "./step.js";
import { denied, ensureKv2Mount, waitForVault } from "./vault-ready.js";

export { ensureKv2Mount, waitForVault };

export type KeyAction = "create" | "update" | "unchanged" | "kept";
export type PathAction = "create" | "update" | "unchanged";

export interface PathPlan {
  path: string;
  action: PathAction;
  /** What was found in Vault before this run. */
  found: "missing" | "deleted" | "present";
  keys: Array<{ key: string; action: KeyAction }>;
  /** Whether this run wrote a new version (false in --plan and when unchanged). */
  written: boolean;
}

export interface SeedResult {
  paths: PathPlan[];
  written: number;
  unchanged: number;
}

export interface SeedOptions {
  vault: Vault;
  mount: string;
  fixtures: Map<string, ResolvedPath>;
  concurrency: number;
  readyTimeoutMs: number;
  plan: boolean;
  log: CheckpointLogger;
  signal?: AbortSignal;
  /** Seed only these paths (the watcher passes the ones that changed). */
  only?: ReadonlySet<string>;
  now?: () => number;
  /** How retry backoffs wait (the run's clock). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Interval of progress checkpoints while waiting for Vault (default 5 s). */
  progressSeconds?: number;
}

const WRITE_ATTEMPTS = 4;
function isCasMismatch(error: unknown): boolean {
  return (
    error instanceof VaultHttpError &&
    error.status === 400 &&
    error.errors.some((e) => e.includes("check-and-set"))
  );
}
function diff(
  found: KvRead,
  desired: Record<string, string>,
): { action: PathAction; keys: PathPlan["keys"]; merged: Record<string, unknown> } {
  const current = found.kind === "present" ? found.data : {};
  const raw = found.kind === "present" ? found.raw : {};
  const keys: PathPlan["keys"] = [];
  for (const [key, value] of Object.entries(desired)) {
    keys.push({
      key,
      action: !(key in current) ? "create" : current[key] === value ? "unchanged" : "update",
    });
  }
  // Keys someone added by hand stay: fixtures never delete anything remotely.
  for (const key of Object.keys(current)) if (!(key in desired)) keys.push({ key, action: "kept" });
  const changed = keys.some((k) => k.action === "create" || k.action === "update");
  const action: PathAction = !changed
    ? "unchanged"
    : found.kind === "present"
      ? "update"
      : "create";
  // Values are written back exactly as stored (a hand-added 42 stays a number), except
  // the fixture keys that change.
  const merged: Record<string, unknown> = { ...raw };
  for (const k of keys)
    if (k.action === "create" || k.action === "update") merged[k.key] = desired[k.key];
  return { action, keys, merged };
}

async function seedPath(options: SeedOptions, resolved: ResolvedPath): Promise<PathPlan> {
  const { vault, mount, log } = options;
  const apiPath = `/v1/${mount}/data/${resolved.path}`;
  let wroteOnce = false;
  let first: PathPlan | undefined;
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    let found: KvRead;
    try {
      found = await vault.kvRead(mount, resolved.path);
    } catch (error) {
      if (error instanceof VaultHttpError && error.status === 403) throw denied("read", apiPath);
      throw error;
    }
    const { action, keys, merged } = diff(found, resolved.values);
    const plan: PathPlan = { path: resolved.path, action, found: found.kind, keys, written: false };
    first ??= plan;
    if (action === "unchanged") {
      // After a dropped connection the re-read shows whether our write landed.
      return wroteOnce ? { ...first, written: true } : plan;
    }
    if (options.plan) return plan;
    if (found.kind === "deleted") {
      log.note(
        "vault:seed",
        `${mount}/${resolved.path}: latest version ${found.version} is ${found.destroyed ? "destroyed" : "soft-deleted"}; writing a new version on top (undelete not attempted)`,
      );
    }
    const cas = found.kind === "missing" ? 0 : found.version;
    try {
      await vault.kvWrite(mount, resolved.path, merged, cas);
      plan.written = true;
      return plan;
    } catch (error) {
      if (error instanceof VaultHttpError && error.status === 403) {
        throw denied(found.kind === "missing" ? "create" : "update", apiPath);
      }
      if (isCasMismatch(error)) {
        log.note(
          "vault:seed",
          `${mount}/${resolved.path}: changed by another writer (check-and-set ${cas} did not match); re-reading`,
        );
      } else if (error instanceof VaultNetworkError && error.mayHaveReachedServer) {
        wroteOnce = true;
        log.note(
          "vault:seed",
          `${mount}/${resolved.path}: connection lost after the write was sent (${error.code}); re-reading before retrying`,
        );
      } else {
        throw error;
      }
    }
    await (options.sleep ?? sleep)(backoffDelay(attempt), options.signal);
  }
  throw new StepError(
    `gave up writing ${mount}/${resolved.path} after ${WRITE_ATTEMPTS} attempts: it keeps changing under us`,
    "another process is writing the same path; stop it, or rerun when it is done",
  );
}

/** Seeds every (or every selected) fixture path. Assumes Vault is ready and the mount exists. */
export async function seedPaths(options: SeedOptions): Promise<SeedResult> {
  const { log } = options;
  const targets = [...options.fixtures.values()].filter(
    (p) => !options.only || options.only.has(p.path),
  );
  return runStep(
    log,
    "vault:seed",
    `${options.plan ? "planning" : "seeding"} ${targets.length} path(s) under ${options.mount}/`,
    async (step) => {
      let paths: PathPlan[];
      try {
        paths = await mapPool(targets, options.concurrency, (p) => seedPath(options, p));
      } catch (error) {
        if (error instanceof VaultHttpError || error instanceof VaultNetworkError)
          throw new StepError(
            `Vault request failed: ${error.message}`,
            "check Vault's state and rerun; paths already written stay written",
          );
        throw error;
      }
      const written = paths.filter((p) => p.written).length;
      const unchanged = paths.length - written;
      const counts = `written ${written}, unchanged ${unchanged}, paths ${paths.length}`;
      if (options.plan) {
        const changes = paths.filter((p) => p.action !== "unchanged").length;
        step.ok(`plan: ${changes} path(s) would change, ${paths.length - changes} unchanged`);
      } else {
        step.ok(`Vault sync success (${counts})`, { written, unchanged, paths: paths.length });
      }
      return { paths, written, unchanged };
    },
    { owns: (e) => e instanceof StepError },
  );
}

/** The whole Vault half of ensure-local-secrets. */
export async function seedVault(options: SeedOptions): Promise<SeedResult> {
  await waitForVault(options);
  await ensureKv2Mount(options);
  return seedPaths(options);
}
