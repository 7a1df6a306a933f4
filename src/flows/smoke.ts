/** The CI smoke target: the bootstrap steps, the health check, layer 42, flyway-status. */
import type { Output } from "../log/logger.js";
import { runHelmLayer } from "./helm-layer.js";
import type { Phase } from "./pipeline.js";
import {
  bootstrapStep,
  ensureLocalSecretsStep,
  flywayStatusPhase,
  healthCheckPhase,
  runSummarised,
  type StepContext,
} from "./steps.js";

export async function smoke(
  options: StepContext & { stdout: Output; connect: boolean; skipLayer: boolean },
) {
  const phases: Phase[] = [
    { step: "vault:seed", run: () => ensureLocalSecretsStep(options) },
    { step: "db-migrations-secret", run: () => bootstrapStep(options) },
    healthCheckPhase(options, { connect: options.connect }),
    ...(options.skipLayer
      ? []
      : [
          {
            step: "layer:42",
            run: () =>
              runHelmLayer({ ...options, layer: "42", stdout: options.stdout, skipBefore: true }),
          },
        ]),
    // After layer 42 nothing may be pending; without the layer this is a pre-migrate check.
    flywayStatusPhase(options, { allowPending: options.skipLayer }),
  ];
  return runSummarised(options, phases, options.stdout);
}
