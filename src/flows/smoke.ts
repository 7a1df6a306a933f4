/** The CI smoke target: the bootstrap steps, the health check, layer 42, flyway-status. */
import { StepError } from "../core/errors.js";
import { renderRunTable } from "../core/summary.js";
import { Journal } from "../log/journal.js";
import type { Output } from "../log/logger.js";
import { checkMigrationsSecret } from "./check-migrations-secret.js";
import { flywayStatus } from "./flyway-status.js";
import { runHelmLayer } from "./helm-layer.js";
import { type Phase, runPipeline } from "./pipeline.js";
import { bootstrapStep, ensureLocalSecretsStep, type StepContext } from "./steps.js";
import { latestRun } from "./summary.js";
import { kubeFromConfig, withWorkspaceLock } from "./workspace.js";

export async function smoke(
  options: StepContext & { stdout: Output; connect: boolean; skipLayer: boolean },
) {
  const { resolved, log, masker } = options;
  const phases: Phase[] = [
    { step: "vault:seed", run: () => ensureLocalSecretsStep(options) },
    { step: "db-migrations-secret", run: () => bootstrapStep(options) },
    {
      step: "db-migrations-secret:check",
      run: async () => {
        const r = await checkMigrationsSecret({
          kube: await kubeFromConfig(resolved),
          config: resolved.config,
          connect: options.connect,
          log,
          masker,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        if (r.result !== "ok")
          throw Object.assign(
            new StepError(`health check: ${r.result}`, "see the check's line above"),
            { step: "db-migrations-secret:check" },
          );
      },
    },
    ...(options.skipLayer
      ? []
      : [
          {
            step: "layer:42",
            run: () =>
              runHelmLayer({ ...options, layer: "42", stdout: options.stdout, skipBefore: true }),
          },
        ]),
    {
      step: "flyway:status",
      run: async () => {
        const reports = await flywayStatus({
          resolved,
          from: "cluster",
          log,
          masker,
          env: options.env,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        if (!reports.every((r) => r.healthy && r.invalidFiles.length === 0))
          throw Object.assign(
            new StepError("flyway-status found problems", "see the flyway:status line above"),
            { step: "flyway:status" },
          );
      },
    },
  ];
  const { failed } = await withWorkspaceLock(resolved, log, options.env, options.signal, () =>
    runPipeline(phases, log),
  );
  const journal = new Journal({
    path: resolved.journalPath,
    maxBytes: resolved.config.log.journalMaxBytes,
  });
  options.stdout.write(`\n${renderRunTable(latestRun(journal, log.runId))}\n`);
  return failed ? { failed: true, error: failed.error } : { failed: false };
}
