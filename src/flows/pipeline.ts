/**
 * Runs named phases in order. A failed phase stops the rest, which are shown
 * as skipped; the first error is returned so the entrypoint maps it to an
 * exit code. Shared by run-helm-layer, post-start and smoke.
 */
import type { CheckpointLogger } from "../log/logger.js";

export interface Phase {
  /** Checkpoint step name; used for the skip line when an earlier phase failed. */
  step: string;
  run: () => Promise<unknown>;
}

interface PipelineResult {
  failed?: { step: string; error: unknown };
}

export async function runPipeline(
  phases: readonly Phase[],
  log: CheckpointLogger,
): Promise<PipelineResult> {
  let failed: PipelineResult["failed"];
  for (const phase of phases) {
    if (failed) {
      log.checkpoint(phase.step, "skip", `skipped: ${failed.step} failed`);
      continue;
    }
    try {
      await phase.run();
    } catch (error) {
      // Reported once: under the step that reported it already, else under this phase.
      failed = { step: log.reportFailure(phase.step, error), error };
    }
  }
  return failed ? { failed } : {};
}
