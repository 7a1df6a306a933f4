/**
 * Seeds Vault KV v2 from resolved fixtures: wait until Vault answers, make sure
 * the KV v2 mount exists, then per path read → compare → write only what
 * differs, always with check-and-set. A second run writes nothing.
 */
import {
  isTlsCode,
  type KvRead,
  type Vault,
  VaultHttpError,
  VaultNetworkError,
} from "../adapters/vault.js";

import { StepError } from "../core/errors.js";
import type { ResolvedPath } from "../core/fixtures.js";
import { backoffDelay, mapPool, sleep } from "../core/retry.js";
import type { CheckpointLogger, StepHandle } from "../log/logger.js";
import { reportProgress } from "../log/progress.js";

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
  /** Interval of progress checkpoints while waiting for Vault (default 5 s). */
  progressSeconds?: number;
}

const WRITE_ATTEMPTS = 4;

const denied = (capability: string, apiPath: string) =>
  new StepError(
    `permission denied: the Vault token lacks '${capability}' on ${apiPath}`,
    `grant a policy with capabilities ["${capability}"] on path "${apiPath.replace(/^\/v1\//, "")}", or use another token`,
  );

function isCasMismatch(error: unknown): boolean {
  return (
    error instanceof VaultHttpError &&
    error.status === 400 &&
    error.errors.some((e) => e.includes("check-and-set"))
  );
}

/** Waits until Vault answers as active or standby, with bounded backoff to a deadline. */
export async function waitForVault(
  options: Pick<
    SeedOptions,
    "vault" | "readyTimeoutMs" | "log" | "signal" | "now" | "progressSeconds"
  >,
): Promise<void> {
  const { vault, log } = options;
  const now = options.now ?? Date.now;
  const step = log.start("vault:health", `waiting for Vault at ${vault.addr}`);
  const deadline = now() + options.readyTimeoutMs;
  let last = "";
  const stopProgress = reportProgress(
    step,
    {
      intervalMs: (options.progressSeconds ?? 5) * 1000,
      limitSeconds: Math.round(options.readyTimeoutMs / 1000),
    },
    () =>
      `Vault at ${vault.addr}${last ? ` (${last.replace(/^unreachable:/, "unreachable, ")})` : ""}`,
  );
  try {
    return await pollVault(options, step, deadline, (l) => (last = l));
  } finally {
    stopProgress();
  }
}

async function pollVault(
  options: Pick<SeedOptions, "vault" | "readyTimeoutMs" | "log" | "signal" | "now">,
  step: StepHandle,
  deadline: number,
  setLast: (last: string) => void,
): Promise<void> {
  const { vault } = options;
  const now = options.now ?? Date.now;
  let last = "";
  for (let attempt = 1; ; attempt++) {
    try {
      const health = await vault.health();
      if (health.state === "active") {
        step.ok(`Vault ready at ${vault.addr}${health.version ? ` (${health.version})` : ""}`);
        return;
      }
      if (health.state === "standby") {
        // 429 from sys/health means a standby node: not fatal, it forwards requests.
        step.warn(
          `Vault at ${vault.addr} is a standby node (HTTP ${health.status}); continuing`,
          "point VAULT_ADDR at the active node to avoid forwarding",
        );
        return;
      }
      last =
        health.state === "sealed"
          ? "sealed"
          : health.state === "uninitialized"
            ? "uninitialized"
            : `http-${health.status}`;
    } catch (error) {
      if (error instanceof VaultNetworkError) last = `unreachable:${error.code}`;
      else throw error;
    }
    setLast(last);
    if (now() >= deadline) break;
    await sleep(Math.min(backoffDelay(attempt), Math.max(0, deadline - now())), options.signal);
  }
  const waited = `${Math.round(options.readyTimeoutMs / 1000)} s`;
  const [message, hint] =
    last === "sealed"
      ? [
          `Vault sealed at ${vault.addr}`,
          `unseal it ('vault operator unseal') or restart the dev server; waited ${waited}, nothing was written`,
        ]
      : last === "uninitialized"
        ? [
            `Vault not initialised at ${vault.addr}`,
            `initialise it ('vault operator init') or use a dev server; waited ${waited}`,
          ]
        : last.startsWith("unreachable")
          ? [
              `Vault unreachable at ${vault.addr} (${last.split(":")[1]})`,
              isTlsCode(last.split(":")[1] ?? "")
                ? "Vault's certificate is not trusted: set VAULT_CACERT to the PEM file of its CA (or VAULT_SKIP_VERIFY=true for a throwaway dev server)"
                : `start Vault or fix VAULT_ADDR (is the port-forward running?); waited ${waited}`,
            ]
          : [
              `Vault not ready at ${vault.addr} (sys/health answered ${last.replace("http-", "HTTP ")})`,
              `check the server's logs; waited ${waited}`,
            ];
  step.fail(message, hint);
  const error = new StepError(message, hint);
  error.step = "vault:health";
  throw error;
}

/** Attempts of a request after the health check when Vault refuses the connection. */
const REFUSED_ATTEMPTS = 4;

/**
 * A request after the health check, classified as the health check does: sealed
 * (503) or uninitialised (501) is a StepError with its fix; a connection refused
 * (or unanswered) before the request reached Vault is retried, bounded.
 */
async function afterHealth<T>(
  options: Pick<SeedOptions, "vault" | "signal">,
  step: StepHandle,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const addr = options.vault.addr;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof VaultHttpError && (error.status === 503 || error.status === 501)) {
        throw new StepError(
          `Vault ${error.status === 503 ? "sealed" : "not initialised"} at ${addr} (at ${what}, after the health check)`,
          error.status === 503
            ? "unseal it ('vault operator unseal') or restart the dev server, then rerun; nothing was written"
            : "initialise it ('vault operator init') or use a dev server, then rerun",
        );
      }
      if (error instanceof VaultNetworkError && !error.mayHaveReachedServer) {
        if (attempt >= REFUSED_ATTEMPTS)
          throw new StepError(
            `Vault unreachable at ${addr} (${error.code} at ${what}, ${REFUSED_ATTEMPTS} attempts)`,
            "Vault answered its health check, then went away: is it restarting? Check the server, then rerun",
          );
        step.note(
          `Vault refused the connection at ${what} (${error.code}); retry ${attempt} of ${REFUSED_ATTEMPTS - 1}`,
        );
        await sleep(backoffDelay(attempt), options.signal);
        continue;
      }
      throw error;
    }
  }
}

/** Checks the token and makes sure the mount is KV v2, enabling it when missing. */
export async function ensureKv2Mount(
  options: Pick<SeedOptions, "vault" | "mount" | "log" | "plan" | "signal">,
): Promise<void> {
  const { mount, log } = options;
  const step = log.start("vault:mount", `checking the token and the ${mount}/ mount`);
  const fail = (error: StepError): never => {
    step.fail(error.message, error.hint);
    error.step = "vault:mount";
    throw error;
  };
  try {
    await checkMount(options, step, fail);
  } catch (error) {
    if (error instanceof StepError && !error.step) fail(error);
    throw error;
  }
}

async function checkMount(
  options: Pick<SeedOptions, "vault" | "mount" | "log" | "plan" | "signal">,
  step: StepHandle,
  fail: (error: StepError) => never,
): Promise<void> {
  const { vault, mount } = options;
  try {
    await afterHealth(options, step, "auth/token/lookup-self", () => vault.lookupSelf());
  } catch (error) {
    if (error instanceof VaultHttpError && error.status === 403) {
      fail(
        new StepError(
          `Vault rejected the token (permission denied on auth/token/lookup-self)`,
          "set VAULT_TOKEN, VAULT_TOKEN_FILE or ~/.vault-token to a valid token",
        ),
      );
    }
    throw error;
  }
  const readMount = () =>
    afterHealth(options, step, `sys/mounts/${mount}`, () => vault.readMount(mount));
  let info: Awaited<ReturnType<Vault["readMount"]>>;
  try {
    info = await readMount();
  } catch (error) {
    if (error instanceof VaultHttpError && error.status === 403) {
      step.warn(
        `cannot read sys/mounts/${mount} with this token; assuming it is KV v2`,
        "grant 'read' on sys/mounts/* to let dev-bootstrap check it",
      );
      return;
    }
    throw error;
  }
  let raced = false;
  if (!info) {
    if (options.plan) {
      step.ok(`mount ${mount}/ does not exist; it would be enabled as KV v2`);
      return;
    }
    try {
      await afterHealth(options, step, `sys/mounts/${mount}`, () => vault.enableKv2(mount));
    } catch (error) {
      if (error instanceof VaultHttpError && error.status === 403)
        fail(denied("create", `/v1/sys/mounts/${mount}`));
      // Another run enabled it between our read and our write: it exists now.
      if (
        !(
          error instanceof VaultHttpError &&
          error.status === 400 &&
          error.errors.some((e) => /already in use/i.test(e))
        )
      )
        throw error;
      raced = true;
    }
    if (!raced) {
      step.ok(`enabled KV v2 at ${mount}/`);
      return;
    }
    info = await readMount();
    if (!info)
      fail(
        new StepError(`mount ${mount}/ is in use but cannot be read`, "check 'vault secrets list'"),
      );
  }
  if (info!.type !== "kv" || info!.version !== "2") {
    fail(
      new StepError(
        `mount ${mount}/ is ${info!.type === "kv" ? "KV version 1" : `a '${info!.type}' engine`}, not KV v2`,
        info!.type === "kv"
          ? `upgrade it: vault kv enable-versioning ${mount}/`
          : "set vault.mount to a KV v2 mount",
      ),
    );
  }
  step.ok(
    raced
      ? `mount ${mount}/ was enabled by another run meanwhile; it is KV v2`
      : `mount ${mount}/ is KV v2`,
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
    await sleep(backoffDelay(attempt), options.signal);
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
  const step = log.start(
    "vault:seed",
    `${options.plan ? "planning" : "seeding"} ${targets.length} path(s) under ${options.mount}/`,
  );
  let paths: PathPlan[];
  try {
    paths = await mapPool(targets, options.concurrency, (p) => seedPath(options, p));
  } catch (error) {
    const e = error instanceof StepError ? error : undefined;
    if (e) {
      step.fail(e.message, e.hint);
      e.step = "vault:seed";
    } else if (error instanceof VaultHttpError || error instanceof VaultNetworkError) {
      const wrapped = new StepError(
        `Vault request failed: ${error.message}`,
        "check Vault's state and rerun; paths already written stay written",
      );
      wrapped.step = "vault:seed";
      step.fail(wrapped.message, wrapped.hint);
      throw wrapped;
    }
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
}

/** The whole Vault half of ensure-local-secrets. */
export async function seedVault(options: SeedOptions): Promise<SeedResult> {
  await waitForVault(options);
  await ensureKv2Mount(options);
  return seedPaths(options);
}
