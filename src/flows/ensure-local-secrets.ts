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
import { step } from "./step.js";

interface EnsureLocalSecretsOptions {
  plan: boolean;
  only?: ReadonlySet<string>;
  /**
   * The fixtures as the caller already loaded them (validated, computed, their
   * secrets registered): the watcher loads once per save and hands them here.
   */
  fixtures?: Map<string, ResolvedPath>;
}

interface EnsureLocalSecretsResult {
  fixtures: Map<string, ResolvedPath>;
  seed: SeedResult;
}

export async function ensureLocalSecrets(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: EnsureLocalSecretsOptions,
): Promise<EnsureLocalSecretsResult> {
  const { fs, masker, env } = host;
  const fixtures = await step(
    log,
    "vault:fixtures",
    `validating fixtures in ${resolved.config.vault.fixturesDir}`,
    (handle) => {
      // `{ env: NAME }` fixture values come from the run's environment.
      const fixtures = options.fixtures ?? loadFixtureDirectory(resolved, { masker, env, fs });
      handle.ok(`${fixtures.size} path(s) valid`);
      return fixtures;
    },
    { owns: (e) => e instanceof InputError },
  );
  if (options.only) {
    const unknown = [...options.only].filter((p) => !fixtures.has(p));
    if (unknown.length) {
      throw new InputError(
        [`no fixture declares path(s): ${unknown.join(", ")}`],
        "list the declared paths with --plan",
      );
    }
  }
  const seed = await seedVault(host, resolved, log, {
    fixtures,
    plan: options.plan,
    ...(options.only ? { only: options.only } : {}),
  });
  return { fixtures, seed };
}
