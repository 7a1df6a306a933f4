/**
 * The Kubernetes objects dev-bootstrap applies, rendered from config. Pure, so
 * tests can validate them against the real ESO CRD schemas.
 */
/**
 * The parts of the config the manifests are rendered from. Structural, so core
 * depends on no layer above it; config/schema's Config satisfies it.
 */
export interface ExternalSecretConfig {
  name: string;
  namespace?: string | undefined;
  vaultPath: string;
  target?: string | undefined;
}

export interface Config {
  namespace: string;
  vault: { mount: string; clusterAddress: string };
  eso: {
    store: string;
    vaultServer?: string | undefined;
    tokenSecret: { name: string; namespace: string; key: string };
    refreshInterval: string;
  };
}

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "dev-bootstrap" } as const;
/** ESO refreshes an ExternalSecret when this annotation changes (ESO docs: "force-sync"). */
export const FORCE_SYNC_ANNOTATION = "force-sync";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** The Vault address ESO's pods are given. */
export function esoVaultAddress(config: Config): string {
  return config.eso.vaultServer ?? config.vault.clusterAddress;
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses a pod resolves to itself. */
export function isLoopbackUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

export function tokenSecretManifest(config: Config, token: string): Manifest {
  const ref = config.eso.tokenSecret;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: ref.name, namespace: ref.namespace, labels: { ...MANAGED_BY } },
    type: "Opaque",
    data: { [ref.key]: Buffer.from(token, "utf8").toString("base64") },
  };
}

export function clusterSecretStoreManifest(config: Config, apiVersion: string): Manifest {
  const ref = config.eso.tokenSecret;
  return {
    apiVersion: `external-secrets.io/${apiVersion}`,
    kind: "ClusterSecretStore",
    metadata: { name: config.eso.store, labels: { ...MANAGED_BY } },
    spec: {
      provider: {
        vault: {
          server: esoVaultAddress(config),
          path: config.vault.mount,
          version: "v2",
          // The namespace is explicit: a ClusterSecretStore has none of its own.
          auth: { tokenSecretRef: { name: ref.name, key: ref.key, namespace: ref.namespace } },
        },
      },
    },
  };
}

export function externalSecretManifest(
  config: Config,
  es: ExternalSecretConfig,
  apiVersion: string,
  forceSync: string | undefined,
): Manifest {
  return {
    apiVersion: `external-secrets.io/${apiVersion}`,
    kind: "ExternalSecret",
    metadata: {
      name: es.name,
      namespace: es.namespace ?? config.namespace,
      labels: { ...MANAGED_BY },
      ...(forceSync ? { annotations: { [FORCE_SYNC_ANNOTATION]: forceSync } } : {}),
    },
    spec: {
      refreshInterval: config.eso.refreshInterval,
      secretStoreRef: { name: config.eso.store, kind: "ClusterSecretStore" },
      target: { name: es.target ?? es.name, creationPolicy: "Owner" },
      dataFrom: [{ extract: { key: es.vaultPath } }],
    },
  };
}

/** Leaf values of `desired` that differ from `actual` (dotted paths), for apply-only-when-changed. */
export function changedFields(desired: unknown, actual: unknown, prefix = ""): string[] {
  if (desired && typeof desired === "object" && !Array.isArray(desired)) {
    const a = (actual && typeof actual === "object" ? actual : {}) as Record<string, unknown>;
    return Object.entries(desired).flatMap(([k, v]) =>
      changedFields(v, a[k], prefix ? `${prefix}.${k}` : k),
    );
  }
  return JSON.stringify(desired) === JSON.stringify(actual) ? [] : [prefix];
}
