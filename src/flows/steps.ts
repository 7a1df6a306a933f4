/**
 * Our own steps as phases other flows compose (run-helm-layer, post-start,
 * smoke): the same code the entrypoints run, in-process, under one run id.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import { type Phase, runPipeline } from "./pipeline.js";

export interface StepContext {
  resolved: ResolvedConfig;
  log: CheckpointLogger;
  masker: SecretMasker;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** ensure-local-secrets: seed Vault, then wire ESO (requesting a refresh when Vault changed). */
export async function ensureLocalSecretsStep(
  ctx: StepContext,
  options: {
    refresh?: boolean;
    skipEso?: boolean;
    forceConflicts?: boolean;
    only?: ReadonlySet<string>;
  } = {},
): Promise<{ writtenPaths: string[] }> {
  // Load the Kubernetes side while Vault answers: its code is the largest part of a
  // start, and compiling it fills time otherwise spent waiting on the network.
  const kubeSide = options.skipEso
    ? undefined
    : Promise.all([
        import("./wire-eso.js"),
        import("./workspace.js"),
        import("../adapters/kube.js"),
      ]);
  kubeSide?.catch(() => {}); // a load error surfaces below, where it is awaited
  const { ensureLocalSecrets, vaultTokenFor } = await import("./ensure-local-secrets.js");
  const result = await ensureLocalSecrets({
    resolved: ctx.resolved,
    log: ctx.log,
    masker: ctx.masker,
    env: ctx.env,
    plan: false,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(options.only ? { only: options.only } : {}),
  });
  const writtenPaths = result.seed.paths.filter((p) => p.written).map((p) => p.path);
  if (!kubeSide) {
    ctx.log.checkpoint("eso:apply", "skip", "ESO wiring skipped (--skip-eso)");
    return { writtenPaths };
  }
  const [{ wireEso }, { kubeFromConfig }] = await kubeSide;
  await wireEso({
    kube: await kubeFromConfig(ctx.resolved, ctx.signal),
    config: ctx.resolved.config,
    vaultToken: vaultTokenFor(ctx.resolved, ctx.masker),
    log: ctx.log,
    forceSync: options.refresh === true || writtenPaths.length > 0,
    // Only the ExternalSecrets that read a path this run wrote need a refresh.
    ...(options.refresh
      ? {}
      : {
          refreshOnly: new Set(
            ctx.resolved.config.eso.externalSecrets
              .filter((e) => writtenPaths.includes(e.vaultPath))
              .map((e) => e.name),
          ),
        }),
    forceConflicts: options.forceConflicts === true,
    sandbox: ctx.env.DEV_BOOTSTRAP_SANDBOX === "1",
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return { writtenPaths };
}

export async function bootstrapStep(
  ctx: StepContext,
  options: { mode?: "ensure" | "verify"; recreate?: boolean } = {},
): Promise<void> {
  const [{ bootstrapMigrationsSecret }, { kubeFromConfig }, { vaultFromConfig }] =
    await Promise.all([
      import("./migrations-secret.js"),
      import("./workspace.js"),
      import("./ensure-local-secrets.js"),
    ]);
  await bootstrapMigrationsSecret({
    kube: await kubeFromConfig(ctx.resolved, ctx.signal),
    vault: () => vaultFromConfig(ctx.resolved, ctx.masker, ctx.signal),
    config: ctx.resolved.config,
    mode: options.mode ?? ctx.resolved.config.migrations.mode,
    log: ctx.log,
    masker: ctx.masker,
    recreate: options.recreate === true,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

/** The health check as a phase: fails unless the migrations secret is complete and valid. */
export function healthCheckPhase(ctx: StepContext, options: { connect: boolean }): Phase {
  const step = "db-migrations-secret:check";
  return {
    step,
    run: async () => {
      const [{ checkMigrationsSecret }, { kubeFromConfig }] = await Promise.all([
        import("./check-migrations-secret.js"),
        import("./workspace.js"),
      ]);
      const r = await checkMigrationsSecret({
        kube: await kubeFromConfig(ctx.resolved, ctx.signal),
        config: ctx.resolved.config,
        connect: options.connect,
        log: ctx.log,
        masker: ctx.masker,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
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
  ctx: StepContext,
  options: { stdout?: Output; allowPending?: boolean } = {},
): Phase {
  const step = "flyway:status";
  return {
    step,
    run: async () => {
      const { flywayStatus, renderStatus } = await import("./flyway-status.js");
      const result = await flywayStatus({
        resolved: ctx.resolved,
        from: "cluster",
        log: ctx.log,
        masker: ctx.masker,
        env: ctx.env,
        allowPending: options.allowPending === true,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
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
  ctx: StepContext,
  phases: readonly Phase[],
  stdout: Output,
): Promise<{ failed: boolean; error?: unknown }> {
  const [{ withWorkspaceLock }, { Journal }, { latestRun }, { renderRunTable }] = await Promise.all(
    [
      import("./workspace.js"),
      import("../log/journal.js"),
      import("./summary.js"),
      import("../core/summary.js"),
    ],
  );
  const { failed } = await withWorkspaceLock(ctx.resolved, ctx.log, ctx.env, ctx.signal, () =>
    runPipeline(phases, ctx.log),
  );
  const journal = new Journal({
    path: ctx.resolved.journalPath,
    maxBytes: ctx.resolved.config.log.journalMaxBytes,
  });
  stdout.write(`\n${renderRunTable(latestRun(journal, ctx.log.runId))}\n`);
  return failed ? { failed: true, error: failed.error } : { failed: false };
}
