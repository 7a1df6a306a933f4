/**
 * Our own steps as phases other flows compose (run-helm-layer, post-start,
 * smoke): the same code the entrypoints run, in-process, under one run id.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger } from "../log/logger.js";

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
  if (options.skipEso) {
    ctx.log.checkpoint("eso:apply", "skip", "ESO wiring skipped (--skip-eso)");
    return { writtenPaths };
  }
  const [{ wireEso }, { kubeFromConfig }] = await Promise.all([
    import("./wire-eso.js"),
    import("./workspace.js"),
  ]);
  await wireEso({
    kube: await kubeFromConfig(ctx.resolved),
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
    kube: await kubeFromConfig(ctx.resolved),
    vault: () => vaultFromConfig(ctx.resolved, ctx.masker),
    config: ctx.resolved.config,
    mode: options.mode ?? ctx.resolved.config.migrations.mode,
    log: ctx.log,
    masker: ctx.masker,
    recreate: options.recreate === true,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}
