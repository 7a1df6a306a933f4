/**
 * ensure-local-secrets: validate fixtures, seed Vault, then (unless skipped)
 * wire External Secrets to it. The Layer 15 hook and the first post-start step.
 */

import type { ResolvedConfig } from "../config/resolve.js";
import { InputError } from "../core/errors.js";
import type { ResolvedPath } from "../core/fixtures.js";
import type { CheckpointLogger } from "../log/logger.js";
import { loadFixtureDirectory } from "./fixtures.js";
import type { Host } from "./host.js";
import { type SeedResult, seedVault } from "./seed-vault.js";

export interface EnsureLocalSecretsOptions {
  plan: boolean;
  only?: ReadonlySet<string>;
}

export interface EnsureLocalSecretsResult {
  fixtures: Map<string, ResolvedPath>;
  seed: SeedResult;
}

/** Reads and validates the fixtures, with a checkpoint; throws InputError listing every problem. */
export function loadFixtureDir(
  host: Pick<Host, "fs" | "masker" | "env">,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
): Map<string, ResolvedPath> {
  const { fs, masker, env } = host;
  const { config } = resolved;
  const step = log.start("vault:fixtures", `validating fixtures in ${config.vault.fixturesDir}`);
  try {
    const fixtures = loadFixtureDirectory(resolved, { masker, env, fs });
    step.ok(`${fixtures.size} path(s) valid`);
    return fixtures;
  } catch (error) {
    if (error instanceof InputError) {
      step.fail(error.message, error.hint);
      error.step = "vault:fixtures";
    }
    throw error;
  }
}

export async function ensureLocalSecrets(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: EnsureLocalSecretsOptions,
): Promise<EnsureLocalSecretsResult> {
  // `{ env: NAME }` fixture values come from the run's environment.
  const fixtures = loadFixtureDir(host, resolved, log);
  if (options.only) {
    const unknown = [...options.only].filter((p) => !fixtures.has(p));
    if (unknown.length) {
      throw new InputError(
        [`no fixture declares path(s): ${unknown.join(", ")}`],
        "list the declared paths with --plan",
      );
    }
  }
  const seed = await seedVault({
    vault: await host.vault(),
    mount: resolved.config.vault.mount,
    fixtures,
    concurrency: resolved.config.vault.concurrency,
    readyTimeoutMs: resolved.config.vault.readyTimeoutSeconds * 1000,
    progressSeconds: resolved.config.log.progressSeconds,
    plan: options.plan,
    log,
    ...(host.signal ? { signal: host.signal } : {}),
    ...(options.only ? { only: options.only } : {}),
  });
  return { fixtures, seed };
}
