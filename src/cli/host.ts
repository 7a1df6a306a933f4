/**
 * Builds the Host of ports a run's flows do their I/O through, once, from the
 * resolved config. Every client is built lazily and memoised: the Vault token is
 * found once per run, and the Kubernetes, Vault, PostgreSQL and process libraries
 * load only when a flow first asks for them (they are most of a cold start).
 */
import { homedir } from "node:os";
import { systemClock } from "../adapters/clock.js";
import { nodeFs } from "../adapters/files.js";
import { withLock } from "../adapters/lock.js";
import { processIdentity, sameProcess } from "../adapters/process-identity.js";
import type { ResolvedConfig } from "../config/resolve.js";
import { vaultClientSettings } from "../config/vault-env.js";
import { resolveVaultToken } from "../config/vault-token.js";
import type { SecretMasker } from "../core/mask.js";
import type { Clock, DbPort, Host, ProcPort, WatchPort } from "../flows/host.js";
import { recordingLogger } from "../log/logger.js";

// The real clock, for the entry points that build a Host for a real run.
export { nodeFs, systemClock };

interface HostOptions {
  resolved: ResolvedConfig;
  masker: SecretMasker;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  /**
   * The clock flows and adapters wait on: the system's for a real run (the entry point
   * chooses it), a virtual one in tests. Required, so no port falls back to real time.
   */
  clock: Clock;
}

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    if (!made) made = { value: make() };
    return made.value;
  };
}

export function processPort(env: NodeJS.ProcessEnv, signal?: AbortSignal): ProcPort {
  // The process helpers (and execa) load only when a flow starts a child.
  const proc = () => import("../adapters/proc.js");
  return {
    run: async (options) =>
      (await proc()).runTool({ ...options, baseEnv: env, ...(signal ? { signal } : {}) }),
    which: async (tool) => (await proc()).findOnPath(tool, env),
    startDetached: async (options) => (await proc()).startDetached({ ...options, env }),
    identity: processIdentity,
    sameProcess,
  };
}

const chokidarWatch: WatchPort = {
  async watch(paths, options) {
    const { watch } = await import("chokidar");
    return watch(paths, options);
  },
};

export function createHost(options: HostOptions): Host {
  const { resolved, masker, env, signal } = options;
  const { clock } = options;
  const { config } = resolved;
  const vaultToken = once(() =>
    masker.register(resolveVaultToken(config, resolved.path, env.HOME || homedir(), env)),
  );
  const vault = once(async () => {
    // Every setting read and checked before the first request (config/vault-env.ts).
    const settings = vaultClientSettings(config, resolved.path, env);
    const { createVault } = await import("../adapters/vault.js");
    return createVault({
      addr: settings.addr,
      token: vaultToken(),
      signal,
      tls: settings.tls,
      proxy: settings.proxy?.url,
      namespace: settings.namespace,
      timeoutMs: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      clock,
    });
  });
  const kube = once(async () => {
    const { createKube } = await import("../adapters/kube.js");
    return createKube({
      kubeconfig: config.kube.kubeconfig,
      context: config.kube.context,
      env,
      timeoutMs: config.kube.requestTimeoutSeconds * 1000,
      attempts: config.kube.requestAttempts,
      signal,
      clock,
    });
  });
  const db = once(async () => {
    const { connectPg } = await import("../adapters/postgres.js");
    return {
      connect: ((target, options) =>
        connectPg(target, { ...options, clock })) satisfies DbPort["connect"],
    };
  });
  return {
    env,
    signal,
    masker,
    vaultToken,
    vault,
    kube,
    db,
    proc: processPort(env, signal),
    fs: nodeFs,
    watch: chokidarWatch,
    clock,
    recordingLogger: () => recordingLogger(masker, clock.now),
    withWorkspaceLock: (log, fn) =>
      withLock(
        resolved.path(`${config.stateDir}/dev-bootstrap.lock`),
        {
          runId: log.runId,
          timeoutMs: 120_000,
          env,
          clock,
          ...(signal ? { signal } : {}),
          onWait: (h) =>
            log.note(
              "lock",
              `waiting for another run to finish${h ? ` (pid ${h.pid}, run ${h.runId})` : ""}`,
            ),
        },
        fn,
      ),
  };
}
