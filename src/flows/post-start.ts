/**
 * post-start: what the devcontainer runs after every start. Vault seeding and
 * ESO wiring, then the migrations secret, then Tilt in the background (when a
 * Tiltfile and tilt exist), then the summary of this run. A failed step shows
 * with its hint and the later ones as skipped.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import { STALE_FEATURE_HINT, staleFeature } from "./feature-copy.js";
import type { Host } from "./host.js";
import { bootstrapMigrationsSecret, type Handoff } from "./migrations-secret.js";
import { ensureLocalSecretsStep, runSummarised } from "./phases.js";
import type { Phase } from "./pipeline.js";
import { startTilt } from "./tilt.js";

interface PostStartOptions {
  stdout: Output;
  /** Do not start Tilt even when it is available. */
  noTilt: boolean;
  /** Extra phases after the bootstrap (the sandbox adds the health check and flyway-status). */
  extraPhases?: Phase[];
  /** The installed package's root: a copied Feature older than its Feature is warned about. */
  packageRoot?: string;
}

// The Tilt step lives in tilt.ts; re-exported for the callers that import it from here.
export { startTilt, tiltRunning } from "./tilt.js";

export async function postStart(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: PostStartOptions,
): Promise<{ failed: boolean; error?: unknown }> {
  // A warning, never a failure: the stale copy still starts the container.
  const stale = options.packageRoot && staleFeature(host.fs, resolved.root, options.packageRoot);
  if (stale) log.checkpoint("feature", "warn", stale, { hint: STALE_FEATURE_HINT });
  let handoff: Handoff | undefined;
  const phases: Phase[] = [
    {
      step: "vault:seed",
      run: async () => {
        ({ handoff } = await ensureLocalSecretsStep(host, resolved, log));
      },
    },
    {
      step: "db-migrations-secret",
      run: () => bootstrapMigrationsSecret(host, resolved, log, handoff ? { handoff } : {}),
    },
    ...(options.extraPhases ?? []),
    {
      step: "tilt",
      run: async () => {
        if (options.noTilt) log.checkpoint("tilt", "skip", "Tilt not started (--no-tilt)");
        else await startTilt(host, resolved, log);
      },
    },
  ];
  return runSummarised(host, resolved, log, phases, options.stdout, { connect: false });
}
