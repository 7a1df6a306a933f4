/** The CI smoke target: the bootstrap steps, the health check, layer 42, flyway-status. */
import type { ResolvedConfig } from "../config/resolve.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import { runHelmLayer } from "./helm-layer.js";
import type { Host } from "./host.js";
import { bootstrapMigrationsSecret } from "./migrations-secret.js";
import {
  ensureLocalSecretsStep,
  flywayStatusPhase,
  healthCheckPhase,
  runSummarised,
} from "./phases.js";
import type { Phase } from "./pipeline.js";

export async function smoke(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: { stdout: Output; connect: boolean; skipLayer: boolean },
) {
  const phases: Phase[] = [
    { step: "vault:seed", run: () => ensureLocalSecretsStep(host, resolved, log) },
    { step: "db-migrations-secret", run: () => bootstrapMigrationsSecret(host, resolved, log) },
    healthCheckPhase(host, resolved, log, { connect: options.connect }),
    ...(options.skipLayer
      ? []
      : [
          {
            step: "layer:42",
            run: () =>
              runHelmLayer(host, resolved, log, {
                layer: "42",
                stdout: options.stdout,
                skipBefore: true,
              }),
          },
        ]),
    // After layer 42 nothing may be pending; without the layer this is a pre-migrate check.
    flywayStatusPhase(host, resolved, log, { allowPending: options.skipLayer }),
  ];
  return runSummarised(host, resolved, log, phases, options.stdout, {
    connect: options.connect,
  });
}
