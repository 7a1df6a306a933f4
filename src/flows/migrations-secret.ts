/**
 * bootstrap-db-migrations-secret: build `<namespace>/db-migrations-local` from
 * each database's ESO-managed credentials (falling back to the Vault defaults
 * in ensure mode), and write it only when its content differs.
 */
import type { Kube, SecretRead } from "../adapters/kube.js";
import { KubeApiError } from "../adapters/kube-api-error.js";
import type { ResolvedConfig } from "../config/resolve.js";
import type { Config } from "../config/schema.js";
import { FindingsError, StepError } from "../core/errors.js";
import { MANAGED_BY } from "../core/manifests.js";
import { buildMigrationsData, secretDataProblems } from "../core/migrations-secret.js";
import { backoffDelay } from "../core/retry.js";
import type { CheckpointLogger } from "../log/logger.js";
import type { Clock, Host } from "./host.js";
import { ensureNamespace, explainKubeError } from "./kube-errors.js";
import { type BootstrapMode, type Handoff, readSources, STEP } from "./migrations-sources.js";
import { step as runStep } from "./step.js";

export type { Handoff };

const ENSURED_MESSAGE = "db-migrations Flyway secret ensured";

interface BootstrapOptions {
  /** ensure writes, verify only compares (default: migrations.mode). */
  mode?: BootstrapMode;
  /** Delete and recreate an immutable secret whose data must change. */
  recreate?: boolean;
  /** What this run's seed step already built and read (post-start, smoke, run-helm-layer, the watcher). */
  handoff?: Handoff;
}

/** What the writes work with: the cluster, the config, the log and the run's clock. */
interface Writer {
  kube: Kube;
  config: Config;
  log: CheckpointLogger;
  clock: Clock;
  signal: AbortSignal | undefined;
  recreate: boolean;
}

interface BootstrapResult {
  sources: string[];
  written: boolean;
  keys: string[];
}

const UPDATE_ATTEMPTS = 4;
function differs(existing: SecretRead, desired: Record<string, string>): boolean {
  if (Object.entries(desired).some(([k, v]) => existing.data[k] !== v)) return true;
  // Stryker disable next-line MethodExpression: MANAGED_BY holds one label, so some and every agree
  return Object.entries(MANAGED_BY).some(([k, v]) => existing.labels[k] !== v);
}

/**
 * Verify mode: reads the secret and fails, naming every key, when ensure would
 * write anything. Never writes; returns false (nothing written).
 */
async function verifyUnchanged(options: Writer, desired: Record<string, string>): Promise<false> {
  const { kube, config } = options;
  const ns = config.namespace;
  const name = config.migrations.secretName;
  const existing = await kube.readSecret(ns, name);
  const hint = `write it with 'dev-bootstrap bootstrap-db-migrations-secret --mode ensure', or fix what changed it by hand`;
  if (!existing)
    throw new FindingsError(
      [
        `secret ${ns}/${name} does not exist (ensure would create it with ${Object.keys(desired).join(", ")})`,
      ],
      hint,
    );
  const updated = Object.keys(desired).filter(
    (k) => k in existing.data && existing.data[k] !== desired[k],
  );
  const added = Object.keys(desired).filter(
    (k) => !(k in existing.data) || existing.binaryKeys.includes(k),
  );
  // Stryker disable next-line MethodExpression: MANAGED_BY holds one label, so some and every agree
  const relabel = Object.entries(MANAGED_BY).some(([k, v]) => existing.labels[k] !== v);
  const changes = [
    ...(updated.length ? [`${updated.join(", ")} would be updated`] : []),
    ...(added.length ? [`${added.join(", ")} would be added`] : []),
    ...(relabel ? ["its managed-by label would be set"] : []),
  ];
  if (changes.length)
    throw new FindingsError(
      [`secret ${ns}/${name} differs from what ensure would write: ${changes.join("; ")}`],
      hint,
    );
  return false;
}

/**
 * Creates or updates the secret: true when written, false when it already held
 * `desired`, "kept" when it differs and `overwrite` is false (left as it was).
 */
async function write(
  options: Writer,
  desired: Record<string, string>,
  { overwrite = true }: { overwrite?: boolean } = {},
): Promise<boolean | "kept"> {
  const { kube, config } = options;
  const ns = config.namespace;
  const name = config.migrations.secretName;
  const manager = config.kube.fieldManager;
  const encode = (data: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]),
    );
  for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
    const existing = await kube.readSecret(ns, name);
    try {
      if (!existing) {
        await kube.create(
          {
            apiVersion: "v1",
            kind: "Secret",
            type: "Opaque",
            metadata: { name, namespace: ns, labels: { ...MANAGED_BY } },
            data: encode(desired),
          },
          manager,
        );
        return true;
      }
      if (!differs(existing, desired)) return false;
      if (!overwrite) return "kept";
      if (existing.binaryKeys.length) {
        throw new StepError(
          `secret ${ns}/${name} holds non-UTF-8 data under ${existing.binaryKeys.join(", ")}`,
          `inspect it: kubectl -n ${ns} get secret ${name} -o yaml`,
        );
      }
      if (existing.immutable && options.recreate) {
        await kube.delete("v1", "Secret", ns, name);
        options.log.note(
          STEP,
          `deleted immutable secret ${ns}/${name} to recreate it (--recreate)`,
        );
        continue;
      }
      // Keys someone else added stay; ours are replaced.
      const raw = existing.raw;
      await kube.replace(
        {
          ...raw,
          apiVersion: "v1",
          kind: "Secret",
          metadata: {
            ...raw.metadata,
            name,
            namespace: ns,
            resourceVersion: existing.resourceVersion,
            // Stryker disable next-line OptionalChaining: a Secret read back always has metadata
            labels: { ...(raw.metadata?.labels ?? {}), ...MANAGED_BY },
          },
          data: { ...(raw.data ?? {}), ...encode(desired) },
        },
        manager,
      );
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) {
        // Conflict (someone updated it since we read it) or AlreadyExists (someone created it): re-read.
        options.log.note(
          STEP,
          `secret ${ns}/${name}: ${error.reason || "conflict"}; re-reading (attempt ${attempt} of ${UPDATE_ATTEMPTS})`,
        );
        await options.clock.sleep(backoffDelay(attempt), options.signal);
        continue;
      }
      if (error instanceof KubeApiError && error.status === 422) {
        throw new StepError(
          existing?.immutable
            ? `secret ${ns}/${name} is immutable and its data would change (HTTP 422 Invalid)`
            : `the API rejected secret ${ns}/${name} (HTTP 422 Invalid: ${error.statusMessage.split(":")[0]})`,
          existing?.immutable
            ? `rerun with --recreate to delete and recreate it, or: kubectl -n ${ns} delete secret ${name}`
            : "check the key names and size",
        );
      }
      throw explainKubeError(error);
    }
  }
  throw new StepError(
    `secret ${ns}/${name} kept changing while we wrote it (${UPDATE_ATTEMPTS} conflicts); nothing was lost`,
    "another process is writing it; rerun when it is done",
  );
}

export async function bootstrapMigrationsSecret(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: BootstrapOptions = {},
): Promise<BootstrapResult> {
  const { config } = resolved;
  const mode = options.mode ?? config.migrations.mode;
  const ns = config.namespace;
  const name = config.migrations.secretName;
  const kube = await host.kube();
  const writer: Writer = {
    kube,
    config,
    log,
    clock: host.clock,
    signal: host.signal,
    recreate: options.recreate === true,
  };
  return runStep(
    log,
    STEP,
    `building ${ns}/${name} for ${config.migrations.databases.map((d) => d.name).join(" → ")} (${mode} mode)`,
    async (step) => {
      try {
        if (mode === "verify") {
          // Verify makes no write of any kind: a missing namespace is a finding, not a fix.
          if (!(await kube.read("v1", "Namespace", undefined, ns))) {
            const problems = [
              `namespace ${ns} does not exist (ensure would create it; verify mode creates nothing)`,
            ];
            await readSources(host, resolved, log, { mode }).catch((e) => {
              if (e instanceof FindingsError) problems.push(...e.problems);
            });
            throw new FindingsError(
              problems,
              `create it (kubectl create namespace ${ns}) and let ESO deliver the credentials, or run with --mode ensure`,
            );
          }
        } else {
          await ensureNamespace(kube, ns, config, log, STEP);
        }
        const { sources, unverified } = await readSources(host, resolved, log, {
          mode,
          ...(options.handoff ? { handoff: options.handoff } : {}),
        });
        const built = buildMigrationsData(sources, options.handoff?.credentials);
        if (!built.ok)
          throw new FindingsError(
            built.problems,
            "fix the source credentials (the fixtures, or what ESO delivers) and rerun",
          );
        const problems = secretDataProblems(built.data);
        if (problems.length)
          throw new FindingsError(
            problems.map((p) => `secret ${ns}/${name}: ${p}`),
            "rename the database in config, or shorten the values",
          );
        const labels = sources.map((s) => s.source.label);
        if (unverified.length) {
          // ESO's values may be older than Vault's (FAULTS 38): create the secret from
          // them when there is none, but never overwrite one with them.
          const outcome = await write(writer, built.data, { overwrite: false });
          const what =
            outcome === "kept"
              ? "kept as it was, not overwritten with unverified values"
              : outcome
                ? "written from ESO's values"
                : "unchanged";
          step.warn(
            `db-migrations Flyway secret not verified (${what}): could not compare ${unverified.map((u) => u.secret).join(", ")} with Vault (${unverified[0]!.why})`,
            "when Vault answers ('vault status'), rerun 'dev-bootstrap bootstrap-db-migrations-secret'",
            {
              sources: labels,
              written: outcome === true,
              keys: Object.keys(built.data),
              verified: false,
            },
          );
          return { sources: labels, written: outcome === true, keys: Object.keys(built.data) };
        }
        const written =
          mode === "verify"
            ? await verifyUnchanged(writer, built.data)
            : (await write(writer, built.data)) === true;
        step.ok(
          `${ENSURED_MESSAGE} (${mode === "verify" ? "verified, unchanged" : written ? "written" : "unchanged"}; from ${labels.join(", ")})`,
          { sources: labels, written, keys: Object.keys(built.data) },
        );
        return { sources: labels, written, keys: Object.keys(built.data) };
      } catch (error) {
        // Every finding here is a StepError (FindingsError for the cluster's and the
        // sources' problems); anything else is the cluster's failure, explained.
        throw error instanceof StepError ? error : explainKubeError(error);
      }
    },
    { owns: (e) => e instanceof StepError },
  );
}
