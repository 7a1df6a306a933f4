/**
 * The ESO half of ensure-local-secrets: detect which ESO API version the
 * cluster serves, apply the Vault ClusterSecretStore (and its token Secret)
 * and the configured ExternalSecrets with server-side apply, request a refresh
 * when fixtures changed, and wait (bounded) for each to report Ready.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import { isBootstrapError, StepError } from "../core/errors.js";
import {
  clusterSecretStoreManifest,
  esoVaultAddress,
  externalSecretManifest,
  FORCE_SYNC_ANNOTATION,
  isLocalCluster,
  isLoopbackUrl,
  kubernetesAuthNames,
  MANAGED_BY,
  type Manifest,
  serviceAccountManifest,
  tokenSecretManifest,
} from "../core/manifests.js";
import { ESO_POLL, pollDelay } from "../core/poll.js";
import { mapPool } from "../core/retry.js";
import type { CheckpointLogger } from "../log/logger.js";
import { reportProgress } from "../log/progress.js";
import {
  APPLY_CONCURRENCY,
  applyIfChanged,
  detectEsoVersion,
  GROUP,
  readCurrent,
  readyOf,
  requireExistingStore,
} from "./eso-objects.js";
import { configureKubernetesAuth } from "./eso-vault-auth.js";
import type { Host } from "./host.js";
import { ensureNamespace, explainKubeError } from "./kube-errors.js";
import { step as runStep } from "./step.js";

interface WireEsoOptions {
  /** Ask ESO to refresh now (fixtures changed, or --refresh). */
  forceSync: boolean;
  /** Limit the refresh to these ExternalSecret names (the watcher: those reading changed paths). */
  refreshOnly?: ReadonlySet<string>;
  /** Take over fields another field manager owns (server-side apply force). */
  forceConflicts: boolean;
}

interface EsoStatus {
  name: string;
  namespace: string;
  ready: boolean;
  reason: string;
  message: string;
}

interface WireEsoResult {
  apiVersion: string;
  applied: string[];
  unchanged: string[];
  statuses: EsoStatus[];
}
export async function wireEso(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: WireEsoOptions,
): Promise<WireEsoResult> {
  const { config } = resolved;
  const { clock } = host;
  const now = clock.now;
  const kube = await host.kube();
  const vaultToken = host.vaultToken();
  // The sandbox's ESO stand-in runs on this machine, and reaches loopback.
  const sandbox = config.sandbox;
  const applyAs = {
    fieldManager: config.kube.fieldManager,
    forceConflicts: options.forceConflicts,
  };
  const version = await runStep(
    log,
    "eso:detect",
    `looking for External Secrets Operator on ${kube.server}`,
    async (detect) => {
      let found: Awaited<ReturnType<typeof detectEsoVersion>>;
      try {
        found = await detectEsoVersion(kube, config.eso.apiVersion);
      } catch (error) {
        // Ours (an interruption included) pass as they are, reported once as themselves.
        throw isBootstrapError(error) ? error : new StepError(String(error), "");
      }
      if (found.note)
        detect.warn(
          `using ${GROUP}/${found.version}: ${found.note}`,
          "upgrade ESO to a release serving v1",
        );
      else detect.ok(`ESO serves ${GROUP}/${found.version}`);
      return found.version;
    },
  );

  const esoAddress = esoVaultAddress(config);
  if (isLoopbackUrl(esoAddress) && !sandbox)
    log.checkpoint(
      "eso:address",
      "warn",
      `ESO's pods get the loopback Vault address ${esoAddress}, which they cannot reach`,
      {
        hint: "set vault.clusterAddress (or DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR) to Vault's in-cluster service, e.g. http://vault.vault.svc.cluster.local:8200",
      },
    );
  const auth = config.eso.auth ?? "token";
  if (auth === "token" && config.eso.auth === undefined && !sandbox) {
    if (!isLocalCluster(kube.server, kube.context))
      log.checkpoint(
        "eso:auth",
        "warn",
        `ESO's store reads Vault with your own Vault token, kept in Secret ${config.eso.tokenSecret.namespace}/${config.eso.tokenSecret.name} on ${kube.server} (context ${kube.context || "(none)"}), which does not look like a cluster on this machine: whoever can read that Secret can use your token`,
        {
          hint: "set eso.auth to kubernetes (Vault's Kubernetes auth: no token in the cluster) or to existing (a store your platform provides); set it to token to keep the token Secret and silence this warning",
        },
      );
  }
  if (auth === "kubernetes") {
    const names = kubernetesAuthNames(config);
    await runStep(
      log,
      "eso:vault-auth",
      `configuring Vault's Kubernetes auth (${names.mountPath}/) for service account ${names.namespace}/${names.serviceAccount}`,
      async (step) => {
        const done = await configureKubernetesAuth(await host.vault(), config);
        step.ok(
          `role ${done.role} (policy ${done.policy}, read on ${new Set(config.eso.externalSecrets.map((e) => e.vaultPath)).size} path(s)) for ${names.namespace}/${names.serviceAccount}${done.enabled ? `; enabled the kubernetes auth method at ${names.mountPath}/` : done.configured ? `; configured the kubernetes auth method at ${names.mountPath}/ (it had no config)` : ""}`,
        );
      },
      { owns: (e) => e instanceof StepError },
    );
  }
  const applied: string[] = [];
  const unchanged: string[] = [];
  // Any new value makes ESO refresh; milliseconds so two refreshes in one second differ.
  const refreshStamp = String(now());
  // ESO never refreshes a CreatedOnce ExternalSecret whose Secret it made: asking would
  // wait for a sync that does not come.
  const createdOnce = config.eso.refreshPolicy === "CreatedOnce";
  const refreshes = (name: string) =>
    !createdOnce && options.forceSync && (!options.refreshOnly || options.refreshOnly.has(name));
  if (createdOnce && options.forceSync && (!options.refreshOnly || options.refreshOnly.size > 0))
    log.checkpoint(
      "eso:refresh",
      "warn",
      "Vault changed, but the ExternalSecrets use refreshPolicy CreatedOnce: ESO keeps the Secrets it made and does not sync the new values",
      {
        hint: "delete a target Secret to have ESO make it again, or set eso.refreshPolicy to OnChange",
      },
    );
  // ESO's status.syncedResourceVersion hashes the object's metadata: it changes once
  // ESO has reconciled our new annotation. What it was before tells a fresh sync apart.
  const syncedBefore = new Map<string, string | undefined>();
  await runStep(
    log,
    "eso:apply",
    auth === "existing"
      ? `applying ${config.eso.externalSecrets.length} ExternalSecret(s) for the existing ${config.eso.storeKind} ${config.eso.store}`
      : `applying ClusterSecretStore ${config.eso.store} and ${config.eso.externalSecrets.length} ExternalSecret(s)`,
    async (apply) => {
      try {
        // Independent requests run concurrently: each is a round trip to the API server.
        const targets = config.eso.externalSecrets.map((es) => ({
          es,
          ns: es.namespace ?? config.namespace,
        }));
        // The store's own objects: the token Secret, or the service account ESO asks
        // tokens for; none for a store someone else made.
        const store: Manifest[] =
          auth === "token"
            ? [tokenSecretManifest(config, vaultToken), clusterSecretStoreManifest(config, version)]
            : auth === "kubernetes"
              ? [serviceAccountManifest(config), clusterSecretStoreManifest(config, version)]
              : [];
        const namespaces = [
          ...new Set([
            ...store.flatMap((m) => (m.metadata.namespace ? [m.metadata.namespace] : [])),
            ...targets.map((t) => t.ns),
          ]),
        ];
        if (auth === "existing") {
          const notReady = await requireExistingStore(kube, config, version, [
            ...new Set(targets.map((t) => t.ns)),
          ]);
          for (const problem of notReady)
            log.checkpoint(
              "eso:store",
              "warn",
              `${problem}: ExternalSecrets using it do not sync`,
              {
                hint: `ask its owner, or inspect it: kubectl describe ${config.eso.storeKind.toLowerCase()} ${config.eso.store}`,
              },
            );
        }
        await mapPool(namespaces, APPLY_CONCURRENCY, (ns) =>
          ensureNamespace(kube, ns, config, log, "eso:apply"),
        );
        const [storeCurrent, esCurrent] = await Promise.all([
          mapPool(store, APPLY_CONCURRENCY, (m) => readCurrent(kube, m)),
          mapPool(targets, APPLY_CONCURRENCY, ({ es, ns }) =>
            kube.read(`${GROUP}/${version}`, "ExternalSecret", ns, es.name),
          ),
        ]);
        const externalSecrets = targets.map(({ es, ns }, i) => {
          const current = esCurrent[i];
          // Keep the last refresh stamp unless a refresh is asked for, so a rerun changes nothing.
          const kept = current?.metadata?.annotations?.[FORCE_SYNC_ANNOTATION];
          syncedBefore.set(
            `${ns}/${es.name}`,
            (current?.status as { syncedResourceVersion?: string } | undefined)
              ?.syncedResourceVersion,
          );
          return externalSecretManifest(
            config,
            es,
            version,
            refreshes(es.name) ? refreshStamp : kept,
          );
        });
        // The store (and its token) before the ExternalSecrets that name it, so ESO never
        // sees an ExternalSecret whose store is missing.
        const storeApplied = await mapPool(store, APPLY_CONCURRENCY, (m, i) =>
          applyIfChanged(kube, m, storeCurrent[i], applyAs),
        );
        const esApplied = await mapPool(externalSecrets, APPLY_CONCURRENCY, (m, i) =>
          applyIfChanged(kube, m, esCurrent[i], applyAs),
        );
        [...store, ...externalSecrets].forEach((m, i) => {
          const label = `${m.kind}/${m.metadata.namespace ? `${m.metadata.namespace}/` : ""}${m.metadata.name}`;
          ([...storeApplied, ...esApplied][i] ? applied : unchanged).push(label);
        });
        // The API server drops a field the installed ESO's schema does not have (ESO
        // before v0.10 has no refreshPolicy): what it stored tells whether ESO serves it.
        const policy = config.eso.refreshPolicy;
        const dropped = policy
          ? esApplied.find(
              (o) =>
                o && (o.spec as { refreshPolicy?: string } | undefined)?.refreshPolicy !== policy,
            )
          : undefined;
        if (dropped)
          log.checkpoint(
            "eso:refresh",
            "warn",
            `the installed ESO does not serve spec.refreshPolicy (${GROUP}/${version}): the cluster dropped refreshPolicy ${policy}, and ESO refreshes every ${config.eso.refreshInterval}`,
            {
              hint: "upgrade ESO (refreshPolicy needs ESO 0.10 or later), or remove eso.refreshPolicy",
            },
          );
        if (auth === "kubernetes") {
          // The token Secret an earlier run made for token auth: nothing uses it now, and
          // it holds a developer's Vault token. Only ours (by its label) is removed.
          const ref = config.eso.tokenSecret;
          const left = await kube.read("v1", "Secret", ref.namespace, ref.name);
          if (
            left?.metadata?.labels?.["app.kubernetes.io/managed-by"] ===
            MANAGED_BY["app.kubernetes.io/managed-by"]
          ) {
            await kube.delete("v1", "Secret", ref.namespace, ref.name);
            applied.push(
              `deleted Secret/${ref.namespace}/${ref.name} (the Vault token of token auth)`,
            );
          }
        }
      } catch (error) {
        throw explainKubeError(error);
      }
      apply.ok(
        `applied ${applied.length}, unchanged ${unchanged.length}${options.forceSync ? "; refresh requested" : ""}`,
        { applied, unchanged },
      );
    },
    { owns: (e) => e instanceof StepError },
  );

  const wait = log.start(
    "eso:sync",
    `waiting up to ${config.eso.readyTimeoutSeconds} s for ExternalSecrets to be Ready`,
  );
  const deadline = now() + config.eso.readyTimeoutSeconds * 1000;
  let statuses: EsoStatus[] = [];
  let polls = 0;
  // The last complete pass, for the progress line (a pass in flight is half-filled).
  let reported: EsoStatus[] = [];
  const stopProgress = reportProgress(
    wait,
    {
      intervalMs: config.log.progressSeconds * 1000,
      limitSeconds: config.eso.readyTimeoutSeconds,
      clock,
    },
    () => {
      const waiting = reported.filter((s) => !s.ready);
      const total = config.eso.externalSecrets.length;
      const shown = waiting
        .slice(0, 3)
        .map((s) => `${s.namespace}/${s.name}: ${s.reason}`)
        .join(", ");
      return `${waiting.length || total} of ${total} ExternalSecret(s) to be Ready${shown ? ` (${shown}${waiting.length > 3 ? ", …" : ""})` : ""}`;
    },
  );
  try {
    for (;;) {
      statuses = [];
      // A SecretSyncedError from before our refresh is as old as a Ready from before it.
      let freshFailures = 0;
      for (const es of config.eso.externalSecrets) {
        const ns = es.namespace ?? config.namespace;
        const obj = await kube
          .read(`${GROUP}/${version}`, "ExternalSecret", ns, es.name)
          .catch((e) => {
            throw explainKubeError(e);
          });
        const r = readyOf(obj as Record<string, unknown> | undefined);
        // After a forced refresh, an old Ready from before it does not count.
        const refreshed = refreshes(es.name);
        const fresh =
          !refreshed ||
          (r.synced !== undefined && r.synced !== syncedBefore.get(`${ns}/${es.name}`));
        if (fresh && r.reason === "SecretSyncedError") freshFailures++;
        statuses.push({
          name: es.name,
          namespace: ns,
          ready: r.ready && fresh,
          reason: r.reason,
          message: r.message,
        });
      }
      reported = statuses;
      if (statuses.every((s) => s.ready) || freshFailures > 0 || now() >= deadline) break;
      // Ready is usually ~20 ms away: poll soon, then back off (20, 40, 80 … 500 ms).
      await clock.sleep(pollDelay(++polls, ESO_POLL, deadline - now()), host.signal);
    }
  } finally {
    stopProgress();
  }
  // A sync error says more than one not reconciled yet: report it first.
  const notReady = statuses
    .filter((s) => !s.ready)
    .sort(
      (a, b) => Number(b.reason === "SecretSyncedError") - Number(a.reason === "SecretSyncedError"),
    );
  if (notReady.length === 0) {
    wait.ok(`${statuses.length} ExternalSecret(s) Ready`);
  } else {
    // A failed sync keeps the old Secret; the bootstrap can still fall back to Vault.
    const first = notReady[0]!;
    wait.warn(
      `ExternalSecret ${first.namespace}/${first.name} not Ready: ${first.reason}: ${first.message}${notReady.length > 1 ? ` (and ${notReady.length - 1} more)` : ""}`,
      `inspect it: kubectl -n ${first.namespace} describe externalsecret ${first.name}`,
      { notReady },
    );
  }
  return { apiVersion: version, applied, unchanged, statuses };
}
