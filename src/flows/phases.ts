/**
 * Our own steps as phases other flows compose (run-helm-layer, post-start,
 * smoke, the watcher): the same code the entrypoints run, in-process, under one
 * run id, over the run's Host of ports.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import { credentialsFromFixtures } from "../core/db-credentials.js";
import { StepError } from "../core/errors.js";
import type { ResolvedPath } from "../core/fixtures.js";
import { renderRunTable } from "../core/summary.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import { checkMigrationsSecret } from "./check-migrations-secret.js";
import { ensureLocalSecrets } from "./ensure-local-secrets.js";
import type { Host } from "./host.js";
import type { Handoff } from "./migrations-secret.js";
import { type Phase, runPipeline } from "./pipeline.js";
import { latestRun } from "./summary.js";
import { wireEso } from "./wire-eso.js";

/** ensure-local-secrets: seed Vault, then wire ESO (requesting a refresh when Vault changed). */
export async function ensureLocalSecretsStep(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: {
    refresh?: boolean;
    skipEso?: boolean;
    forceConflicts?: boolean;
    only?: ReadonlySet<string>;
    /** Fixtures the caller already loaded (the watcher): not read or derived again. */
    fixtures?: Map<string, ResolvedPath>;
  } = {},
): Promise<{ writtenPaths: string[]; handoff: Handoff }> {
  // Load the Kubernetes client while Vault answers: its code is the largest part of a
  // start, and compiling it fills time otherwise spent waiting on the network.
  const kube = options.skipEso ? undefined : host.kube();
  kube?.catch(() => {}); // a load error surfaces in wireEso, where it is awaited
  const result = await ensureLocalSecrets(host, resolved, log, {
    plan: false,
    ...(options.only ? { only: options.only } : {}),
    ...(options.fixtures ? { fixtures: options.fixtures } : {}),
  });
  const writtenPaths = result.seed.paths.filter((p) => p.written).map((p) => p.path);
  // For the bootstrap of the same run: the credentials built from these fixtures,
  // and what Vault holds at the paths the seed read (neither is built or read again).
  const handoff: Handoff = {
    credentials: credentialsFromFixtures(resolved.config.migrations.databases, result.fixtures),
    vaultHeld: result.seed.held,
  };
  if (!kube) {
    log.checkpoint("eso:apply", "skip", "ESO wiring skipped (--skip-eso)");
    return { writtenPaths, handoff };
  }
  await wireEso(host, resolved, log, {
    forceSync: options.refresh === true || writtenPaths.length > 0,
    // Only the ExternalSecrets that read a path this run wrote need a refresh.
    ...(options.refresh
      ? {}
      : {
          refreshOnly: new Set(
            resolved.config.eso.externalSecrets
              .filter((e) => writtenPaths.includes(e.vaultPath))
              .map((e) => e.name),
          ),
        }),
    forceConflicts: options.forceConflicts === true,
  });
  return { writtenPaths, handoff };
}

/** The health check as a phase: fails unless the migrations secret is complete and valid. */
export function healthCheckPhase(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: { connect: boolean },
): Phase {
  const step = "db-migrations-secret:check";
  return {
    step,
    run: async () => {
      const r = await checkMigrationsSecret(host, resolved, log, { connect: options.connect });
      if (r.result !== "ok")
        throw Object.assign(
          new StepError(`health check: ${r.result}`, "see the check's line above"),
          { step },
        );
    },
  };
}

/**
 * flyway-status from the cluster's secret as a phase: fails where `flyway validate`
 * would. After migrating (the smoke target) nothing may be pending; before
 * migrating (`allowPending`) pending and outdated migrations are fine.
 */
export function flywayStatusPhase(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: { stdout?: Output; allowPending?: boolean } = {},
): Phase {
  const step = "flyway:status";
  return {
    step,
    run: async () => {
      // Loaded here: post-start loads this module too, and never runs this phase.
      const { flywayStatus, renderStatus } = await import("./flyway-status.js");
      const result = await flywayStatus(host, resolved, log, {
        from: "cluster",
        allowPending: options.allowPending === true,
      });
      options.stdout?.write(renderStatus(result));
      if (!result.databases.every((r) => r.healthy)) {
        throw Object.assign(
          new StepError("flyway-status found problems", "see the flyway:status line above"),
          { step },
        );
      }
    },
  };
}

/** Runs phases under the workspace lock, then prints the run's summary table. */
export async function runSummarised(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  phases: readonly Phase[],
  stdout: Output,
  /** On failure, end with the chain's first broken link and its fix (why's walk). */
  explain?: { connect: boolean },
): Promise<{ failed: boolean; error?: unknown }> {
  const { failed } = await host.withWorkspaceLock(log, () => runPipeline(phases, log));
  // Read back through the logger's own journal: no file access from a flow, and a
  // failed write it met is what the summary then reports.
  const journal = log.journal;
  if (journal) stdout.write(`\n${renderRunTable(latestRun(journal, log.runId))}\n`);
  if (failed && explain) {
    // Loaded on failure only: the walk (and flyway-status with it) is no part of a run that passes.
    const { explainFailure } = await import("./why.js");
    stdout.write(await explainFailure(host, resolved, explain));
  }
  return failed ? { failed: true, error: failed.error } : { failed: false };
}
