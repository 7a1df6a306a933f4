/**
 * The Kubernetes objects wire-eso applies, as ESO and the API server read them:
 * the token Secret, the ServiceAccount, the store and each ExternalSecret, and
 * which fields differ from what the cluster holds (applied only when one does).
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import {
  changedFields,
  clusterSecretStoreManifest,
  esoVaultAddress,
  externalSecretManifest,
  isLoopbackUrl,
  serviceAccountManifest,
  tokenSecretManifest,
} from "../../src/core/manifests.js";

const configWith = (flags: Record<string, unknown> = {}) =>
  resolveConfig({ cwd: "/", env: {}, flags }).config;
const LABELS = { "app.kubernetes.io/managed-by": "dev-bootstrap" };

describe("the token Secret and the ServiceAccount", () => {
  it("the token Secret holds the token base64-encoded under the configured name, namespace and key", () => {
    const config = configWith({
      "eso.tokenSecret": { name: "vault-root", namespace: "eso", key: "vault-token" },
    });
    expect(tokenSecretManifest(config, "hvs.é-token")).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "vault-root", namespace: "eso", labels: LABELS },
      type: "Opaque",
      data: { "vault-token": Buffer.from("hvs.é-token", "utf8").toString("base64") },
    });
    expect(tokenSecretManifest(configWith(), "t").metadata).toEqual({
      name: "vault-token",
      namespace: "external-secrets",
      labels: LABELS,
    });
  });

  it("the ServiceAccount is the one Vault's Kubernetes role names", () => {
    expect(serviceAccountManifest(configWith({ "eso.store": "team-vault" }))).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "team-vault", namespace: "external-secrets", labels: LABELS },
    });
  });
});

describe("the ClusterSecretStore", () => {
  it("with token auth: Vault's KV v2 mount at the cluster address, and the token Secret by namespace", () => {
    const config = configWith({ "vault.mount": "kv", "eso.store": "dev-vault" });
    expect(clusterSecretStoreManifest(config, "v1")).toEqual({
      apiVersion: "external-secrets.io/v1",
      kind: "ClusterSecretStore",
      metadata: { name: "dev-vault", labels: LABELS },
      spec: {
        provider: {
          vault: {
            server: config.vault.clusterAddress,
            path: "kv",
            version: "v2",
            auth: {
              tokenSecretRef: { name: "vault-token", key: "token", namespace: "external-secrets" },
            },
          },
        },
      },
    });
  });

  it("with Kubernetes auth: the role and a token of the ServiceAccount for audience vault", () => {
    const config = configWith({ "eso.auth": "kubernetes", "eso.kubernetes.role": "eso" });
    expect(clusterSecretStoreManifest(config, "v1beta1").spec).toMatchObject({
      provider: {
        vault: {
          auth: {
            kubernetes: {
              mountPath: "kubernetes",
              role: "eso",
              serviceAccountRef: {
                name: "ameide-vault",
                namespace: "external-secrets",
                audiences: ["vault"],
              },
            },
          },
        },
      },
    });
    expect(clusterSecretStoreManifest(config, "v1beta1").apiVersion).toBe(
      "external-secrets.io/v1beta1",
    );
  });

  it("eso.vaultServer overrides the cluster address", () => {
    expect(esoVaultAddress(configWith({ "eso.vaultServer": "http://vault.vault:8200" }))).toBe(
      "http://vault.vault:8200",
    );
    const plain = configWith();
    expect(esoVaultAddress(plain)).toBe(plain.vault.clusterAddress);
  });
});

describe("an ExternalSecret", () => {
  const es = { name: "platform-db-credentials", vaultPath: "platform/db" };

  it("extracts its Vault path into a Secret of its name, owned by it, in the config's namespace", () => {
    const config = configWith({ namespace: "shop" });
    expect(externalSecretManifest(config, es as never, "v1", undefined)).toEqual({
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "platform-db-credentials", namespace: "shop", labels: LABELS },
      spec: {
        refreshInterval: config.eso.refreshInterval,
        secretStoreRef: { name: "ameide-vault", kind: "ClusterSecretStore" },
        target: { name: "platform-db-credentials", creationPolicy: "Owner" },
        dataFrom: [{ extract: { key: "platform/db" } }],
      },
    });
  });

  it("its own namespace and target name when given; the force-sync annotation when asked", () => {
    const m = externalSecretManifest(
      configWith(),
      { ...es, namespace: "db", target: "creds" } as never,
      "v1",
      "2026-12-07T04:00:00Z",
    );
    expect(m.metadata).toEqual({
      name: "platform-db-credentials",
      namespace: "db",
      labels: LABELS,
      annotations: { "force-sync": "2026-12-07T04:00:00Z" },
    });
    expect((m.spec as { target: unknown }).target).toEqual({
      name: "creds",
      creationPolicy: "Owner",
    });
  });

  it("carries eso.refreshPolicy only when set", () => {
    const config = configWith({ "eso.refreshPolicy": "OnChange" });
    expect(
      (externalSecretManifest(config, es as never, "v1", undefined).spec as Record<string, unknown>)
        .refreshPolicy,
    ).toBe("OnChange");
    expect(
      externalSecretManifest(configWith(), es as never, "v1", undefined).spec,
    ).not.toHaveProperty("refreshPolicy");
  });
});

describe("changedFields: apply only when a field we set differs", () => {
  it("names the dotted paths of leaves that differ; fields only the cluster has do not count", () => {
    const desired = { metadata: { labels: { a: "1", b: "2" } }, spec: { list: [1, 2], n: 1 } };
    expect(changedFields(desired, desired)).toEqual([]);
    expect(
      changedFields(desired, {
        metadata: { labels: { a: "1", b: "3", extra: "x" }, uid: "u" },
        spec: { list: [1, 2], n: 1 },
      }),
    ).toEqual(["metadata.labels.b"]);
    expect(changedFields(desired, { spec: { list: [2, 1], n: "1" } })).toEqual([
      "metadata.labels.a",
      "metadata.labels.b",
      "spec.list",
      "spec.n",
    ]);
    expect(changedFields(desired, undefined)).toHaveLength(4);
    expect(changedFields({ a: { b: 1 } }, { a: "text" })).toEqual(["a.b"]);
  });
});

describe("isLoopbackUrl: an address a pod would resolve to itself", () => {
  it.each([
    "http://127.0.0.1:8200",
    "http://127.9.9.9",
    "http://localhost:8200",
    "http://LOCALHOST",
    "http://[::1]:8200",
    "http://[::ffff:127.0.0.1]:8200",
    "http://[::ffff:127.0.1.1]",
  ])("%s is", (url) => {
    expect(isLoopbackUrl(url)).toBe(true);
  });

  it.each([
    "http://vault.vault.svc:8200",
    "http://128.0.0.1",
    "http://10.127.0.1",
    "http://[::2]",
    "http://[::ffff:10.0.0.1]",
    "http://[1::ffff:7f00:1]",
    "http://[::ffff:7f00:1:2]",
    "http://localhost.example.com",
    "not a url",
  ])("%s is not", (url) => {
    expect(isLoopbackUrl(url)).toBe(false);
  });
});
