/**
 * The Kubernetes objects dev-bootstrap applies, rendered from config. Pure, so
 * tests can validate them against the real ESO CRD schemas.
 */
/**
 * The parts of the config the manifests are rendered from. Structural, so core
 * depends on no layer above it; config/schema's Config satisfies it.
 */
interface ExternalSecretConfig {
  name: string;
  namespace?: string | undefined;
  vaultPath: string;
  target?: string | undefined;
}

interface Config {
  namespace: string;
  vault: { mount: string; clusterAddress: string };
  eso: {
    store: string;
    auth?: "token" | "kubernetes" | "existing" | undefined;
    storeKind: "ClusterSecretStore" | "SecretStore";
    kubernetes: {
      mountPath: string;
      role?: string | undefined;
      policy?: string | undefined;
      serviceAccount?: string | undefined;
      serviceAccountNamespace: string;
    };
    vaultServer?: string | undefined;
    tokenSecret: { name: string; namespace: string; key: string };
    refreshInterval: string;
    refreshPolicy?: "Periodic" | "OnChange" | "CreatedOnce" | undefined;
    externalSecrets: readonly ExternalSecretConfig[];
  };
}

/**
 * The audience of the service account tokens the store asks for, and that the Vault role
 * requires: a token the API server made for anything else is refused (ESO's own default
 * for Vault's JWT auth is "vault").
 */
export const ESO_AUDIENCE = "vault";

/** The names Vault's Kubernetes auth uses: each defaults to the store's name. */
export function kubernetesAuthNames(config: Config) {
  const k = config.eso.kubernetes;
  return {
    mountPath: k.mountPath,
    role: k.role ?? config.eso.store,
    policy: k.policy ?? config.eso.store,
    serviceAccount: k.serviceAccount ?? config.eso.store,
    namespace: k.serviceAccountNamespace,
  };
}

/**
 * The Vault policy the store's Kubernetes role gets: read on exactly the KV v2 paths
 * the ExternalSecrets extract, nothing else (ESO reads `<mount>/data/<path>`).
 */
export function esoVaultPolicy(config: Config): string {
  const paths = [...new Set(config.eso.externalSecrets.map((e) => e.vaultPath))].sort();
  return `${paths
    .map((p) => `path "${config.vault.mount}/data/${p}" {\n  capabilities = ["read"]\n}`)
    .join("\n")}\n`;
}

/**
 * Contexts the local Kubernetes distributions name themselves (kind, k3d, minikube,
 * Docker Desktop, Rancher Desktop, OrbStack, Colima, MicroK8s).
 */
const LOCAL_CONTEXT =
  /^(kind-.+|k3d-.+|minikube|docker-desktop|docker-for-desktop|rancher-desktop|orbstack|colima(-.+)?|microk8s)$/;
/** API server hosts that are this machine, or the machine a devcontainer runs on. */
const LOCAL_HOSTS = new Set([
  "localhost",
  "0.0.0.0",
  "host.docker.internal",
  "kubernetes.docker.internal",
]);

/**
 * True when the cluster is one on the developer's machine, where nobody else reads
 * its Secrets: a local distribution's context name, or an API server on this machine.
 */
export function isLocalCluster(server: string, context: string | undefined): boolean {
  if (context && LOCAL_CONTEXT.test(context)) return true;
  if (!URL.canParse(server)) return false;
  // An IPv6 host is no local host name; isLoopbackUrl below reads its address.
  // Stryker disable next-line Regex,StringLiteral: see above; a bracket stands only at either end of a hostname
  const host = new URL(server).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return LOCAL_HOSTS.has(host) || host.endsWith(".localhost") || isLoopbackUrl(server);
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
  // Stryker disable next-line Regex: a bracket stands only at either end of a hostname
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  // ::ffff:7f00:1 is 127.0.0.1 as an IPv4-mapped IPv6 address (the URL parser's form).
  return (
    host === "localhost" ||
    host === "::1" ||
    /^127\./.test(host) ||
    /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host)
  );
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

/** The ServiceAccount ESO requests tokens for when the store uses Kubernetes auth. */
export function serviceAccountManifest(config: Config): Manifest {
  const names = kubernetesAuthNames(config);
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: names.serviceAccount, namespace: names.namespace, labels: { ...MANAGED_BY } },
  };
}

/** The store's `auth`: the token Secret, or Vault's Kubernetes auth with our service account. */
function storeAuth(config: Config): Record<string, unknown> {
  if (config.eso.auth === "kubernetes") {
    const names = kubernetesAuthNames(config);
    return {
      kubernetes: {
        mountPath: names.mountPath,
        role: names.role,
        // ESO asks the API server for a short-lived token of this account (TokenRequest).
        serviceAccountRef: {
          name: names.serviceAccount,
          namespace: names.namespace,
          audiences: [ESO_AUDIENCE],
        },
      },
    };
  }
  const ref = config.eso.tokenSecret;
  // The namespace is explicit: a ClusterSecretStore has none of its own.
  return { tokenSecretRef: { name: ref.name, key: ref.key, namespace: ref.namespace } };
}

export function clusterSecretStoreManifest(config: Config, apiVersion: string): Manifest {
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
          auth: storeAuth(config),
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
      ...(config.eso.refreshPolicy ? { refreshPolicy: config.eso.refreshPolicy } : {}),
      secretStoreRef: { name: config.eso.store, kind: config.eso.storeKind },
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
