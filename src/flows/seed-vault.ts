/**
 * Seeds Vault KV v2 from resolved fixtures: wait until Vault answers, make sure
 * the KV v2 mount exists, then per path read → compare → write only what
 * differs, always with check-and-set. A second run writes nothing.
 */
import type { KvRead } from "../adapters/vault.js";
import { VaultAnswerError, VaultHttpError, VaultNetworkError } from "../adapters/vault-errors.js";
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import type { ResolvedPath } from "../core/fixtures.js";
import { backoffDelay, mapPool } from "../core/retry.js";
import type { CheckpointLogger } from "../log/logger.js";
import type { Host } from "./host.js";
import { step as runStep } from "./step.js";
import { checkKv2Mount, denied, type VaultCalls, vaultCalls, waitReady } from "./vault-ready.js";

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
  /**
   * What Vault holds at each path this run read, after its write: handed to the
   * bootstrap of the same run, which then does not read those paths again.
   * Never part of a plan's output (values, not key names).
   */
  held: Map<string, Record<string, string>>;
}

interface SeedOptions {
  /** The validated fixtures (ensure-local-secrets loads them). */
  fixtures: Map<string, ResolvedPath>;
  /** Compare only: say what would be written, write nothing. */
  plan: boolean;
  /** Seed only these paths (the watcher passes the ones that changed). */
  only?: ReadonlySet<string>;
}

/** One seeding: the Vault calls, and where and how much to write. */
interface SeedRun extends VaultCalls {
  mount: string;
  plan: boolean;
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
): { action: PathAction; keys: PathPlan["keys"]; merged: Map<string, string> } {
  const raw = found.kind === "present" ? found.raw : new Map<string, string>();
  // Stryker disable next-line ConditionalExpression: only read for keys in `raw`, which is empty unless present
  const current = found.kind === "present" ? found.data : {};
  const ours = new Set(Object.keys(desired));
  const keys: PathPlan["keys"] = [];
  for (const [key, value] of Object.entries(desired)) {
    keys.push({
      key,
      action: !raw.has(key) ? "create" : current[key] === value ? "unchanged" : "update",
    });
  }
  // Keys someone added by hand stay: fixtures never delete anything remotely.
  for (const key of raw.keys()) if (!ours.has(key)) keys.push({ key, action: "kept" });
  const changed = keys.some((k) => k.action === "create" || k.action === "update");
  const action: PathAction = !changed
    ? "unchanged"
    : found.kind === "present"
      ? "update"
      : "create";
  // Every other value goes back as the JSON text Vault returned (a hand-added
  // 12345678901234567890 stays those digits); only the fixture keys that change are new.
  const merged = new Map(raw);
  for (const k of keys)
    if (k.action === "create" || k.action === "update")
      merged.set(k.key, JSON.stringify(desired[k.key]));
  return { action, keys, merged };
}

/**
 * A write whose outcome we cannot know (no answer in time, an answer we cannot
 * read): it may or may not have been applied. Said as such, never as "another writer".
 */
function unknownOutcome(where: string, why: string, reread?: unknown): StepError {
  const after =
    reread === undefined
      ? "; re-reading showed our values are not there (yet)"
      : `; re-reading it failed too (${(reread as Error).message.split("\n")[0]})`;
  return new StepError(
    `the write to ${where} may or may not have been applied: ${why}${after}`,
    `check Vault ('vault kv get ${where}'), then rerun: writes use check-and-set, so a rerun never overwrites a newer version`,
  );
}

/** A path's plan, and what Vault holds there once it is carried out (when known). */
interface Seeded {
  plan: PathPlan;
  held?: Record<string, string>;
}

/** Vault's values after writing `desired` over what was found (hand-added keys stay). */
function heldAfterWrite(found: KvRead, desired: Record<string, string>): Record<string, string> {
  // Stryker disable next-line ConditionalExpression: spreading the undefined data of a missing or deleted path adds nothing, as {} does
  return { ...(found.kind === "present" ? found.data : {}), ...desired };
}

async function seedPath(options: SeedRun, resolved: ResolvedPath): Promise<Seeded> {
  const { vault, mount, log } = options;
  const apiPath = `/v1/${mount}/data/${resolved.path}`;
  const where = `${mount}/${resolved.path}`;
  let wroteOnce = false;
  // Why the last write failed: a check-and-set mismatch, or its outcome is unknown.
  let lastFailure: { kind: "cas" } | { kind: "lost" | "unanswered"; why: string } | undefined;
  let first: PathPlan | undefined;
  for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
    let found: KvRead;
    try {
      found = await vault.kvRead(mount, resolved.path);
    } catch (error) {
      if (error instanceof VaultHttpError && error.status === 403) throw denied("read", apiPath);
      if (lastFailure && lastFailure.kind !== "cas")
        throw unknownOutcome(where, lastFailure.why, error);
      throw error;
    }
    const { action, keys, merged } = diff(found, resolved.values);
    const plan: PathPlan = { path: resolved.path, action, found: found.kind, keys, written: false };
    first ??= plan;
    if (action === "unchanged") {
      // After a dropped connection the re-read shows whether our write landed.
      const done = wroteOnce ? { ...first, written: true } : plan;
      // Stryker disable next-line ConditionalExpression: an undefined `held` is dropped where results are gathered, as a missing one is
      return found.kind === "present" ? { plan: done, held: found.data } : { plan: done };
    }
    if (options.plan) return { plan };
    // A Vault that took a write and gave no usable answer is not sent another: each
    // would wait as long again. The re-read above said the write has not landed (yet).
    if (lastFailure?.kind === "unanswered") throw unknownOutcome(where, lastFailure.why);
    if (found.kind === "deleted") {
      log.note(
        "vault:seed",
        `${where}: latest version ${found.version} is ${found.destroyed ? "destroyed" : "soft-deleted"}; writing a new version on top (undelete not attempted)`,
      );
    }
    const cas = found.kind === "missing" ? 0 : found.version;
    try {
      await vault.kvWrite(mount, resolved.path, merged, cas);
      plan.written = true;
      return { plan, held: heldAfterWrite(found, resolved.values) };
    } catch (error) {
      if (error instanceof VaultHttpError && error.status === 403) {
        throw denied(found.kind === "missing" ? "create" : "update", apiPath);
      }
      if (isCasMismatch(error)) {
        lastFailure = { kind: "cas" };
        log.note(
          "vault:seed",
          `${where}: changed by another writer (check-and-set ${cas} did not match); re-reading`,
        );
      } else if (error instanceof VaultNetworkError && error.mayHaveReachedServer) {
        wroteOnce = true;
        const timedOut = error.code === "ETIMEDOUT";
        lastFailure = {
          kind: timedOut ? "unanswered" : "lost",
          why: timedOut
            ? // Stryker disable next-line Regex: the client's timeout message is one line, so the match starts at its start either way
              error.message.replace(/^.*: /, "") // "no answer within … ms"
            : `the connection was lost after the write was sent (${error.code})`,
        };
        log.note(
          "vault:seed",
          `${where}: ${timedOut ? "no answer to the write in time" : `connection lost after the write was sent (${error.code})`}; re-reading to see whether it landed`,
        );
      } else if (error instanceof VaultAnswerError) {
        wroteOnce = true;
        lastFailure = { kind: "unanswered", why: error.message };
        log.note(
          "vault:seed",
          `${where}: unusable answer to the write; re-reading to see whether it landed`,
        );
      } else {
        throw error;
      }
    }
    // Back off before the next attempt; after the last one nothing follows to wait for.
    if (attempt < WRITE_ATTEMPTS) await options.clock.sleep(backoffDelay(attempt), options.signal);
  }
  if (lastFailure && lastFailure.kind !== "cas") throw unknownOutcome(where, lastFailure.why);
  throw new StepError(
    `gave up writing ${where} after ${WRITE_ATTEMPTS} attempts: it keeps changing under us`,
    "another process is writing the same path; stop it, or rerun when it is done",
  );
}

/** Seeds every (or every selected) fixture path. Assumes Vault is ready and the mount exists. */
async function seedPaths(
  calls: VaultCalls,
  resolved: ResolvedConfig,
  options: SeedOptions,
): Promise<SeedResult> {
  const { log } = calls;
  const { mount, concurrency } = resolved.config.vault;
  const run: SeedRun = { ...calls, mount, plan: options.plan };
  const targets = [...options.fixtures.values()].filter(
    (p) => !options.only || options.only.has(p.path),
  );
  return runStep(
    log,
    "vault:seed",
    `${options.plan ? "planning" : "seeding"} ${targets.length} path(s) under ${mount}/`,
    async (step) => {
      let seeded: Seeded[];
      try {
        seeded = await mapPool(targets, concurrency, (p) => seedPath(run, p));
      } catch (error) {
        if (error instanceof VaultHttpError || error instanceof VaultNetworkError)
          throw new StepError(
            `Vault request failed: ${error.message}`,
            "check Vault's state and rerun; paths already written stay written",
          );
        if (error instanceof VaultAnswerError)
          throw new StepError(
            `Vault's answer is unusable: ${error.message}`,
            "is VAULT_ADDR Vault itself (not a proxy or another service)? Nothing was written to that path; paths already written stay written",
          );
        throw error;
      }
      const paths = seeded.map((s) => s.plan);
      const held = new Map<string, Record<string, string>>();
      for (const s of seeded) if (s.held) held.set(s.plan.path, s.held);
      const written = paths.filter((p) => p.written).length;
      const unchanged = paths.length - written;
      const counts = `written ${written}, unchanged ${unchanged}, paths ${paths.length}`;
      if (options.plan) {
        const changes = paths.filter((p) => p.action !== "unchanged").length;
        step.ok(`plan: ${changes} path(s) would change, ${paths.length - changes} unchanged`);
      } else {
        step.ok(`Vault sync success (${counts})`, { written, unchanged, paths: paths.length });
      }
      return { paths, written, unchanged, held };
    },
    { owns: (e) => e instanceof StepError },
  );
}

/** The whole Vault half of ensure-local-secrets: wait for Vault, check the mount, seed. */
export async function seedVault(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: SeedOptions,
): Promise<SeedResult> {
  const { config } = resolved;
  const calls = await vaultCalls(host, log);
  await waitReady(calls, {
    readyTimeoutMs: config.vault.readyTimeoutSeconds * 1000,
    progressSeconds: config.log.progressSeconds,
  });
  await checkKv2Mount(calls, config.vault.mount, options.plan);
  return seedPaths(calls, resolved, options);
}
