/** Per-workspace helpers the Kubernetes-facing commands share. */

import { withLock } from "../adapters/lock.js";
import type { ResolvedConfig } from "../config/resolve.js";
import type { CheckpointLogger } from "../log/logger.js";

/** Serialises the commands that write (post-start and Tilt may start them at once). */
export function withWorkspaceLock<T>(
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  return withLock(
    resolved.path(`${resolved.config.stateDir}/dev-bootstrap.lock`),
    {
      runId: log.runId,
      timeoutMs: 120_000,
      env,
      ...(signal ? { signal } : {}),
      onWait: (h) =>
        log.note(
          "lock",
          `waiting for another run to finish${h ? ` (pid ${h.pid}, run ${h.runId})` : ""}`,
        ),
    },
    fn,
  );
}

export async function kubeFromConfig(resolved: ResolvedConfig, signal?: AbortSignal) {
  const { createKube } = await import("../adapters/kube.js");
  return createKube({
    kubeconfig: resolved.config.kube.kubeconfig,
    context: resolved.config.kube.context,
    timeoutMs: resolved.config.kube.requestTimeoutSeconds * 1000,
    attempts: resolved.config.kube.requestAttempts,
    signal,
  });
}
