/**
 * A small stand-in for the External Secrets Operator's controller, running
 * against the Kubernetes stand-in: for each ExternalSecret it resolves the
 * ClusterSecretStore or SecretStore (Vault provider, KV v2, token auth or
 * Kubernetes auth through a service account's token), reads the Vault
 * paths over HTTP, writes the target Secret as field manager
 * "external-secrets", and sets the Ready condition (SecretSynced or
 * SecretSyncedError), keeping the old Secret when a sync fails — as ESO does.
 * It reacts to changes (including the `force-sync` annotation), honours
 * `refreshPolicy` as ESO's shouldRefresh does (CreatedOnce: never again once
 * synced; OnChange: only when the object changed), and can be switched to fail
 * syncs with a given message.
 */
import { createHash } from "node:crypto";
import type { KubeStandIn, Obj } from "./kube-server.js";

interface VaultProvider {
  server: string;
  path?: string;
  version?: string;
  auth?: {
    tokenSecretRef?: { name: string; key: string; namespace?: string };
    kubernetes?: {
      mountPath?: string;
      role: string;
      serviceAccountRef?: { name: string; namespace?: string; audiences?: string[] };
    };
  };
}

/**
 * ESO's status.syncedResourceVersion: the generation and a hash of labels and
 * annotations. The stand-in keeps no generation: a hash of the spec stands in for it.
 */
function objectVersion(es: Obj): string {
  const hash = (v: unknown) =>
    createHash("sha256")
      .update(JSON.stringify(v ?? null))
      .digest("hex")
      .slice(0, 16);
  return `${hash(es.spec)}-${hash([es.metadata.labels, es.metadata.annotations])}`;
}

export class EsoReconciler {
  /** When set, every sync fails with this message (SecretSyncedError). */
  failWith: string | undefined;
  /** Delay before a change is reconciled, like a controller's queue. */
  delayMs = 20;
  syncs = 0;
  private pending = new Map<string, ReturnType<typeof setTimeout>>();
  /** How many validations of each store have started (the latest one's result stands). */
  private readonly storeValidations = new Map<string, number>();
  private stopped = false;

  constructor(private readonly kube: KubeStandIn) {
    kube.onChange = (obj) => this.enqueue(obj);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.kube.onChange = undefined;
  }

  private enqueue(obj: Obj): void {
    if (this.stopped) return;
    if (obj.kind === "ExternalSecret") this.schedule(obj.metadata.namespace!, obj.metadata.name);
    if (
      obj.kind === "ClusterSecretStore" ||
      obj.kind === "SecretStore" ||
      obj.kind === "ServiceAccount" ||
      (obj.kind === "Secret" && !obj.metadata.labels?.["reconcile.external-secrets.io/managed"])
    ) {
      for (const store of this.kube.list("ClusterSecretStore"))
        this.scheduleStore(store.metadata.name);
      for (const es of this.kube.list("ExternalSecret"))
        this.schedule(es.metadata.namespace!, es.metadata.name);
    }
  }

  private scheduleStore(name: string): void {
    const key = `ClusterSecretStore/${name}`;
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        this.validateStore(name).catch(() => {});
      }, this.delayMs),
    );
  }

  /**
   * ESO's store controller validates a store by building its provider client (for
   * Vault with token auth: reading the token Secret and looking the token up) and
   * sets the store's Ready condition: Valid, or InvalidProviderConfig / ValidationFailed.
   */
  async validateStore(name: string): Promise<void> {
    // controller-runtime never validates one store twice at once, and its latest
    // validation decides: one that started earlier and answers later (its Vault lookup
    // was in flight when the token Secret went) must not mark the store Ready again.
    const started = (this.storeValidations.get(name) ?? 0) + 1;
    this.storeValidations.set(name, started);
    const store = this.kube.get("ClusterSecretStore", undefined, name);
    if (!store) return;
    const vault = (store.spec as { provider?: { vault?: VaultProvider } })?.provider?.vault;
    const tokenRef = vault?.auth?.tokenSecretRef;
    const token = tokenRef
      ? this.kube.secretData(tokenRef.namespace ?? "default", tokenRef.name)?.[tokenRef.key]
      : undefined;
    let ready: [boolean, string, string] = [true, "Valid", "store validated"];
    if (!vault || !token) {
      ready = [
        false,
        "InvalidProviderConfig",
        !vault
          ? "store has no Vault provider"
          : `could not get provider client: cannot get Vault token from secret "${tokenRef?.namespace}/${tokenRef?.name}" key "${tokenRef?.key}"`,
      ];
    } else {
      const answer = await fetch(`${vault.server}/v1/auth/token/lookup-self`, {
        headers: { "X-Vault-Token": token },
      }).catch((error: Error) => error);
      if (answer instanceof Error || !answer.ok)
        ready = [
          false,
          "ValidationFailed",
          `unable to validate store: ${answer instanceof Error ? answer.message : `Code: ${answer.status}`}`,
        ];
    }
    if (this.storeValidations.get(name) !== started) return;
    const [ok, reason, message] = ready;
    this.kube.setStatus("ClusterSecretStore", undefined, name, {
      conditions: [
        {
          type: "Ready",
          status: ok ? "True" : "False",
          reason,
          message,
          lastTransitionTime: new Date().toISOString(),
        },
      ],
    });
  }

  private schedule(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        this.reconcile(namespace, name).catch(() => {});
      }, this.delayMs),
    );
  }

  /** A token from the store's tokenSecretRef (a ClusterSecretStore names its namespace). */
  private secretToken(vault: VaultProvider, kind: string, namespace: string): string {
    const tokenRef = vault.auth?.tokenSecretRef;
    const ns = kind === "ClusterSecretStore" ? (tokenRef?.namespace ?? namespace) : namespace;
    const token = tokenRef ? this.kube.secretData(ns, tokenRef.name)?.[tokenRef.key] : undefined;
    if (!token)
      throw new Error(
        `cannot get Vault token from secret "${ns}/${tokenRef?.name}" key "${tokenRef?.key}"`,
      );
    return token;
  }

  /**
   * Vault's Kubernetes auth as ESO does it: a short-lived token of the referenced
   * service account (TokenRequest, with the ref's audiences), sent to
   * `auth/<mountPath>/login` with the role; Vault's answer is the token to read with.
   */
  private async kubernetesLogin(
    server: string,
    auth: NonNullable<NonNullable<VaultProvider["auth"]>["kubernetes"]>,
    kind: string,
    namespace: string,
  ): Promise<string> {
    const sa = auth.serviceAccountRef;
    if (!sa) throw new Error("cannot read Kubernetes service account token from file system");
    const ns = kind === "ClusterSecretStore" ? (sa.namespace ?? namespace) : namespace;
    const jwt = this.kube.requestServiceAccountToken(ns, sa.name, sa.audiences ?? []);
    if (!jwt)
      throw new Error(
        `cannot request Kubernetes service account token for service account "${sa.name}": serviceaccounts "${sa.name}" not found`,
      );
    const response = await fetch(`${server}/v1/auth/${auth.mountPath ?? "kubernetes"}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ role: auth.role, jwt }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      auth?: { client_token?: string };
      errors?: string[];
    };
    if (!response.ok || !body.auth?.client_token)
      throw new Error(
        `Error making API request. URL: PUT ${server}/v1/auth/${auth.mountPath ?? "kubernetes"}/login Code: ${response.status}. Errors: * ${(body.errors ?? []).join(", ")}`,
      );
    return body.auth.client_token;
  }

  async reconcile(namespace: string, name: string): Promise<void> {
    const es = this.kube.get("ExternalSecret", namespace, name);
    if (!es) return;
    this.syncs++;
    const spec = (es.spec ?? {}) as {
      refreshPolicy?: string;
      secretStoreRef?: { name: string; kind?: string };
      target?: { name?: string };
      dataFrom?: Array<{ extract?: { key: string } }>;
      data?: Array<{ secretKey: string; remoteRef: { key: string; property?: string } }>;
    };
    const status = es.status as { syncedResourceVersion?: string } | undefined;
    const targetName = spec.target?.name ?? name;
    // ESO's shouldRefresh: a CreatedOnce ExternalSecret that synced once is left alone
    // while its Secret exists; an OnChange one until the object changes.
    if (
      status?.syncedResourceVersion &&
      this.kube.get("Secret", namespace, targetName) &&
      (spec.refreshPolicy === "CreatedOnce" ||
        (spec.refreshPolicy === "OnChange" && status.syncedResourceVersion === objectVersion(es)))
    )
      return;
    const setReady = (ok: boolean, reason: string, message: string) => {
      this.kube.setStatus("ExternalSecret", namespace, name, {
        refreshTime: new Date().toISOString(),
        // Changes once a new force-sync annotation (or a new spec) is reconciled.
        syncedResourceVersion: objectVersion(es),
        conditions: [
          {
            type: "Ready",
            status: ok ? "True" : "False",
            reason,
            message,
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      });
    };
    try {
      if (this.failWith) throw new Error(this.failWith);
      const ref = spec.secretStoreRef;
      const kind = ref?.kind ?? "SecretStore";
      const store = ref
        ? kind === "ClusterSecretStore"
          ? this.kube.get("ClusterSecretStore", undefined, ref.name)
          : this.kube.get("SecretStore", namespace, ref.name)
        : undefined;
      if (!store) throw new Error(`could not get ${kind} "${ref?.name ?? ""}"`);
      const vault = ((store.spec as { provider?: { vault?: VaultProvider } })?.provider?.vault ??
        undefined) as VaultProvider | undefined;
      if (!vault) throw new Error("store has no Vault provider");
      const token = vault.auth?.kubernetes
        ? await this.kubernetesLogin(vault.server, vault.auth.kubernetes, kind, namespace)
        : this.secretToken(vault, kind, namespace);
      const read = async (key: string): Promise<Record<string, string>> => {
        const mount = vault.path ?? "secret";
        const url =
          vault.version === "v1"
            ? `${vault.server}/v1/${mount}/${key}`
            : `${vault.server}/v1/${mount}/data/${key}`;
        const response = await fetch(url, { headers: { "X-Vault-Token": token } });
        const body = (await response.json().catch(() => ({}))) as {
          data?: { data?: Record<string, string> };
          errors?: string[];
        };
        if (response.status === 404) throw new Error(`Secret does not exist`);
        if (!response.ok)
          throw new Error(
            `cannot read secret data from Vault: Code: ${response.status}. Errors: ${(body.errors ?? []).join(", ")}`,
          );
        return (
          (vault.version === "v1" ? (body.data as Record<string, string>) : body.data?.data) ?? {}
        );
      };
      const data: Record<string, string> = {};
      for (const [i, from] of (spec.dataFrom ?? []).entries()) {
        try {
          Object.assign(data, await read(from.extract?.key ?? ""));
        } catch (error) {
          throw new Error(
            `error processing spec.dataFrom[${i}].extract, err: ${(error as Error).message}`,
          );
        }
      }
      for (const [i, d] of (spec.data ?? []).entries()) {
        try {
          const values = await read(d.remoteRef.key);
          const value = d.remoteRef.property
            ? values[d.remoteRef.property]
            : JSON.stringify(values);
          if (value === undefined) throw new Error(`property ${d.remoteRef.property} not found`);
          data[d.secretKey] = value;
        } catch (error) {
          throw new Error(
            `error processing spec.data[${i}] (key: ${d.remoteRef.key}), err: ${(error as Error).message}`,
          );
        }
      }
      const target = targetName;
      const encoded: Record<string, string> = {};
      for (const [k, v] of Object.entries(data))
        encoded[k] = Buffer.from(String(v)).toString("base64");
      const existing = this.kube.get("Secret", namespace, target);
      if (JSON.stringify(existing?.data ?? null) !== JSON.stringify(encoded)) {
        this.kube.put(
          {
            apiVersion: "v1",
            kind: "Secret",
            type: "Opaque",
            metadata: {
              name: target,
              namespace,
              labels: { "reconcile.external-secrets.io/managed": "true" },
              ownerReferences: [
                {
                  apiVersion: es.apiVersion,
                  kind: "ExternalSecret",
                  name,
                  uid: es.metadata.uid,
                  controller: true,
                },
              ],
            },
            data: encoded,
          },
          "external-secrets",
        );
      }
      setReady(true, "SecretSynced", "secret synced");
    } catch (error) {
      // ESO keeps the previously synced Secret when a refresh fails.
      setReady(false, "SecretSyncedError", (error as Error).message);
    }
  }
}
