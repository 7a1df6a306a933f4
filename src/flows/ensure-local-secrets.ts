/**
 * ensure-local-secrets: validate fixtures, seed Vault, then (unless skipped)
 * wire External Secrets to it. The Layer 15 hook and the first post-start step.
 */

import { readFileSync } from "node:fs";
import { createVault, type Vault } from "../adapters/vault.js";
import type { ResolvedConfig } from "../config/resolve.js";
import { resolveVaultToken } from "../config/vault-token.js";
import { ConfigError, InputError } from "../core/errors.js";
import type { ResolvedPath } from "../core/fixtures.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger } from "../log/logger.js";
import { loadFixtureDirectory } from "./fixtures.js";
import { type SeedResult, seedVault } from "./seed-vault.js";

export interface EnsureLocalSecretsOptions {
  resolved: ResolvedConfig;
  log: CheckpointLogger;
  masker: SecretMasker;
  plan: boolean;
  /** Feeds `{ env: NAME }` fixture values. */
  env: NodeJS.ProcessEnv;
  only?: ReadonlySet<string>;
  signal?: AbortSignal;
}

export interface EnsureLocalSecretsResult {
  fixtures: Map<string, ResolvedPath>;
  seed: SeedResult;
}

/** Reads and validates the fixtures, with a checkpoint; throws InputError listing every problem. */
export function loadFixtureDir(
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  masker: SecretMasker,
  env: NodeJS.ProcessEnv,
): Map<string, ResolvedPath> {
  const { config } = resolved;
  const step = log.start("vault:fixtures", `validating fixtures in ${config.vault.fixturesDir}`);
  try {
    const fixtures = loadFixtureDirectory(resolved, { masker, env });
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

/** The Vault token (registered for masking), found as Vault's CLI finds it. */
export function vaultTokenFor(resolved: ResolvedConfig, masker: SecretMasker): string {
  return masker.register(resolveVaultToken(resolved.config, resolved.path));
}

export function vaultFromConfig(
  resolved: ResolvedConfig,
  masker: SecretMasker,
  signal?: AbortSignal,
): Vault {
  const { caCert, skipVerify, namespace } = resolved.config.vault;
  let ca: string | undefined;
  if (caCert) {
    try {
      ca = readFileSync(resolved.path(caCert), "utf8");
    } catch (error) {
      throw new ConfigError(
        `vault.caCert / VAULT_CACERT: cannot read ${caCert} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        "point VAULT_CACERT at the PEM file of the CA that signed Vault's certificate",
      );
    }
  }
  return createVault({
    addr: resolved.config.vault.addr,
    token: vaultTokenFor(resolved, masker),
    signal,
    ca,
    skipVerify,
    namespace,
  });
}

export async function ensureLocalSecrets(
  options: EnsureLocalSecretsOptions,
): Promise<EnsureLocalSecretsResult> {
  const { resolved, log, masker } = options;
  const fixtures = loadFixtureDir(resolved, log, masker, options.env);
  if (options.only) {
    const unknown = [...options.only].filter((p) => !fixtures.has(p));
    if (unknown.length) {
      throw new InputError(
        [`no fixture declares path(s): ${unknown.join(", ")}`],
        "list the declared paths with --plan",
      );
    }
  }
  const vault = vaultFromConfig(resolved, masker, options.signal);
  const seed = await seedVault({
    vault,
    mount: resolved.config.vault.mount,
    fixtures,
    concurrency: resolved.config.vault.concurrency,
    readyTimeoutMs: resolved.config.vault.readyTimeoutSeconds * 1000,
    progressSeconds: resolved.config.log.progressSeconds,
    plan: options.plan,
    log,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.only ? { only: options.only } : {}),
  });
  return { fixtures, seed };
}
