/**
 * Where the migrations secret's connection values come from: each database's
 * ESO-managed source Secret, checked against Vault (stale credentials are named),
 * else the Vault defaults where the mode allows it.
 */
import type { SecretRead } from "../adapters/kube.js";
import type { ResolvedConfig } from "../config/resolve.js";
import type { Config } from "../config/schema.js";
import { differingKeys } from "../core/chain.js";
import { type DbCredentials, missingSourceKeys } from "../core/db-credentials.js";
import { FindingsError, StepError } from "../core/errors.js";
import type { SourceData } from "../core/migrations-secret.js";
import { secretValuesOf } from "../core/secret-values.js";
import type { CheckpointLogger } from "../log/logger.js";
import type { Host } from "./host.js";
import { explainKubeError } from "./kube-errors.js";

/** The step the bootstrap reports under, its sources included. */
export const STEP = "db-migrations-secret";

export const sourceSecretName = (db: { name: string; sourceSecret?: string | undefined }) =>
  db.sourceSecret ?? `${db.name}-db-credentials`;
/** What the seed step before the bootstrap, in the same run, already knows and hands on. */
export interface Handoff {
  /** Credentials built once from this run's fixtures, by database name. */
  credentials?: ReadonlyMap<string, DbCredentials>;
  /** Vault's values at the paths this run's seed read, after its writes (not read again). */
  vaultHeld?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** A source Secret whose values could not be compared with Vault's (Vault down, token refused). */
interface Unverified {
  secret: string;
  why: string;
}

interface Sources {
  sources: Array<{ ref: { name: string; primary: boolean }; source: SourceData }>;
  /** Sources used as ESO delivered them, unchecked: the result must not be called ensured. */
  unverified: Unverified[];
}

/**
 * ensure builds from what it can get (falling back to Vault's defaults, using ESO's
 * values unverified when Vault is down); verify vouches for the secret, so whatever
 * it cannot check is a finding.
 */
export type BootstrapMode = "ensure" | "verify";

export async function readSources(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: { mode: BootstrapMode; handoff?: Handoff },
): Promise<Sources> {
  const { config } = resolved;
  const { masker } = host;
  const kube = await host.kube();
  const ns = config.namespace;
  const out: Sources["sources"] = [];
  const unverified: Unverified[] = [];
  const missing: string[] = [];
  for (const [i, db] of config.migrations.databases.entries()) {
    const ref = { name: db.name, primary: i === 0 };
    const name = sourceSecretName(db);
    let secret: SecretRead | undefined;
    try {
      secret = await kube.readSecret(ns, name);
    } catch (error) {
      throw explainKubeError(error);
    }
    if (secret) for (const v of secretValuesOf(secret.data)) masker.register(v);
    const lacking = secret
      ? [...missingSourceKeys(secret.data), ...secret.binaryKeys.map((k) => `${k} (not UTF-8)`)]
      : [];
    if (secret && lacking.length === 0) {
      // ESO may not have synced Vault's current values (a rotation while ESO fails):
      // never hand Flyway credentials Vault no longer holds.
      const path = esoVaultPath(config, ns, name) ?? db.vaultPath;
      const current = await vaultValues(host, config, options.handoff, path);
      if (current.kind === "unavailable") {
        const cannot = `could not compare ${ns}/${name} with Vault ${config.vault.mount}/${path} (${current.why})`;
        // Verify mode vouches for the secret: what it cannot check, it cannot pass.
        if (options.mode === "verify") {
          missing.push(`${cannot} — fix: make Vault answer ('vault status'), then rerun the check`);
          continue;
        }
        log.note(STEP, `${cannot}; using it as ESO delivered it, unverified`);
        unverified.push({
          secret: `${ns}/${name}`,
          why: current.why,
        });
      } else if (current.kind === "present" && stale(secret.data, current.data)) {
        const stale = `secret ${ns}/${name} differs from Vault ${config.vault.mount}/${path} (ESO has not synced Vault's current values)`;
        if (options.mode === "verify") {
          missing.push(
            `${stale} — fix: dev-bootstrap ensure-local-secrets --refresh, then kubectl -n ${ns} describe externalsecret ${esoName(config, ns, name)} to see why ESO cannot reach Vault`,
          );
          continue;
        }
        if (missingSourceKeys(current.data).length === 0) {
          log.note(STEP, `${stale}; using Vault's values, which ESO will converge to`);
          out.push({
            ref,
            source: {
              label: `Vault ${config.vault.mount}/${path} (ESO secret stale)`,
              data: current.data,
            },
          });
          continue;
        }
        throw new StepError(
          `${stale}, and Vault's values there are not usable credentials (${missingSourceKeys(current.data).join(", ")} missing)`,
          `fix the fixtures for ${path} and run 'dev-bootstrap ensure-local-secrets --refresh'`,
        );
      }
      out.push({ ref, source: { label: `${name} (ESO)`, data: secret.data } });
      continue;
    }
    const why = secret
      ? `secret ${ns}/${name} lacks ${lacking.join(", ")}`
      : `secret ${ns}/${name} does not exist (ESO has not synced it)`;
    if (options.mode === "verify") {
      missing.push(
        `${why} — fix: dev-bootstrap ensure-local-secrets, then kubectl -n ${ns} describe externalsecret ${name}`,
      );
      continue;
    }
    // ensure mode: fall back to the Vault defaults the fixtures seeded.
    const path = db.vaultPath;
    let data: Record<string, string> | undefined;
    try {
      const read = await readVault(host, config, options.handoff, path);
      // Stryker disable next-line ConditionalExpression: a read that found nothing has no data to take
      if (read.kind === "present") data = read.data;
    } catch (error) {
      throw new StepError(
        `${why}, and the Vault fallback ${config.vault.mount}/${path} failed: ${(error as Error).message.split("\n")[0]}`,
        "run 'dev-bootstrap ensure-local-secrets' first (it seeds Vault and wires ESO)",
      );
    }
    if (!data || missingSourceKeys(data).length) {
      throw new StepError(
        `${why}, and Vault has no usable defaults at ${config.vault.mount}/${path}`,
        "add DATABASE_URL (or DB_USERNAME, DB_PASSWORD, DB_HOST, DB_NAME) for it to the fixtures and run 'dev-bootstrap ensure-local-secrets'",
      );
    }
    log.note(STEP, `${why}; using the Vault defaults at ${config.vault.mount}/${path}`);
    out.push({ ref, source: { label: `Vault ${config.vault.mount}/${path} (fallback)`, data } });
  }
  if (missing.length) {
    throw new FindingsError(
      missing,
      "verify mode never fabricates credentials: make ESO deliver these secrets, then rerun",
    );
  }
  return { sources: out, unverified };
}

/** The Vault path the ExternalSecret that materialises `ns/name` reads, when we configure one. */
export function esoVaultPath(config: Config, ns: string, name: string): string | undefined {
  return config.eso.externalSecrets.find(
    (e) => (e.target ?? e.name) === name && (e.namespace ?? config.namespace) === ns,
  )?.vaultPath;
}

export function esoName(config: Config, ns: string, name: string): string {
  return (
    config.eso.externalSecrets.find(
      (e) => (e.target ?? e.name) === name && (e.namespace ?? config.namespace) === ns,
    )?.name ?? name
  );
}

type VaultValues =
  | { kind: "present"; data: Record<string, string> }
  | { kind: "absent" }
  | { kind: "unavailable"; why: string };

/**
 * Vault's values at `path`: as this run's seed left them when it read that path
 * (handed on by post-start, smoke, run-helm-layer and the watcher), else read now.
 * One read of a path per run; its secret values are registered for masking here,
 * where they enter the bootstrap.
 */
async function readVault(
  host: Host,
  config: Config,
  handoff: Handoff | undefined,
  path: string,
): Promise<{ kind: "present"; data: Record<string, string> } | { kind: "other" }> {
  const held = handoff?.vaultHeld?.get(path);
  const data = held
    ? { ...held }
    : await (await host.vault())
        .kvRead(config.vault.mount, path)
        // Stryker disable next-line ConditionalExpression: a read that found nothing has no data, as undefined
        .then((read) => (read.kind === "present" ? read.data : undefined));
  if (!data) return { kind: "other" };
  for (const v of secretValuesOf(data)) host.masker.register(v);
  return { kind: "present", data };
}

/** Vault's current values at `path`, or why they could not be read (never fatal here). */
async function vaultValues(
  host: Host,
  config: Config,
  handoff: Handoff | undefined,
  path: string,
): Promise<VaultValues> {
  try {
    const read = await readVault(host, config, handoff, path);
    return read.kind === "present" ? { kind: "present", data: read.data } : { kind: "absent" };
  } catch (error) {
    if (host.signal?.aborted) throw host.signal.reason;
    return { kind: "unavailable", why: (error as Error).message.split("\n")[0] ?? "error" };
  }
}

/** True when a key Vault holds is missing from, or different in, the Secret ESO wrote. */
function stale(secret: Record<string, string>, vault: Record<string, string>): boolean {
  const { missing, different } = differingKeys(secret, vault);
  return missing.length + different.length > 0;
}
