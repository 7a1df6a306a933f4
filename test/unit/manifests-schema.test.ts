import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import {
  changedFields,
  clusterSecretStoreManifest,
  externalSecretManifest,
} from "../../src/core/manifests.js";
import { servedCrdSchema } from "../helpers/reference.js";

// The upstream CRDs, vendored unmodified under test/reference/eso (see its README).
const servedSchema = (file: string, version: string) => servedCrdSchema(`eso/${file}`, version);

// Kubernetes structural schemas carry x-kubernetes-* keywords and formats ajv does not know.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

describe("rendered ESO manifests validate against the real CRD schemas (served v1)", () => {
  const { config } = resolveConfig({
    cwd: "/",
    env: { VAULT_ADDR: "http://vault.vault.svc:8200" },
  });

  it("ClusterSecretStore", () => {
    const validate = ajv.compile(
      servedSchema("external-secrets.io_clustersecretstores.yaml", "v1"),
    );
    const manifest = clusterSecretStoreManifest(config, "v1");
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    // the schema is strict enough to catch a mistake
    const broken = structuredClone(manifest) as unknown as {
      spec: { provider: { vault: { version: string } } };
    };
    broken.spec.provider.vault.version = "v3";
    expect(validate(broken)).toBe(false);
  });

  it("ExternalSecret, with and without the force-sync annotation", () => {
    const validate = ajv.compile(servedSchema("external-secrets.io_externalsecrets.yaml", "v1"));
    for (const es of config.eso.externalSecrets) {
      for (const force of [undefined, "1764000000"]) {
        const manifest = externalSecretManifest(config, es, "v1", force);
        expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
      }
    }
    const broken = structuredClone(
      externalSecretManifest(config, config.eso.externalSecrets[0]!, "v1", undefined),
    ) as unknown as { spec: { target: { creationPolicy: string } } };
    broken.spec.target.creationPolicy = "Sometimes";
    expect(validate(broken)).toBe(false);
  });

  it("ClusterSecretStore with Vault's Kubernetes auth (eso.auth kubernetes)", () => {
    const validate = ajv.compile(
      servedSchema("external-secrets.io_clustersecretstores.yaml", "v1"),
    );
    const { config: k8s } = resolveConfig({
      cwd: "/",
      env: {},
      flags: { "eso.auth": "kubernetes" },
    });
    const manifest = clusterSecretStoreManifest(k8s, "v1");
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    const auth = (manifest.spec as { provider: { vault: { auth: Record<string, unknown> } } })
      .provider.vault.auth;
    expect(Object.keys(auth)).toEqual(["kubernetes"]);
    const broken = structuredClone(manifest) as unknown as {
      spec: { provider: { vault: { auth: { kubernetes: { role?: string } } } } };
    };
    delete broken.spec.provider.vault.auth.kubernetes.role;
    expect(validate(broken)).toBe(false);
  });

  it("ExternalSecret with each refreshPolicy, and for an existing SecretStore", () => {
    const validate = ajv.compile(servedSchema("external-secrets.io_externalsecrets.yaml", "v1"));
    for (const refreshPolicy of ["Periodic", "OnChange", "CreatedOnce"] as const) {
      const manifest = externalSecretManifest(
        { ...config, eso: { ...config.eso, refreshPolicy, storeKind: "SecretStore" } },
        config.eso.externalSecrets[0]!,
        "v1",
        undefined,
      );
      expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
      expect(manifest.spec).toMatchObject({
        refreshPolicy,
        secretStoreRef: { kind: "SecretStore" },
      });
    }
    const broken = structuredClone(
      externalSecretManifest(config, config.eso.externalSecrets[0]!, "v1", undefined),
    ) as unknown as { spec: { refreshPolicy: string } };
    broken.spec.refreshPolicy = "Sometimes";
    expect(validate(broken)).toBe(false);
  });

  it("changedFields finds only real differences", () => {
    const m = clusterSecretStoreManifest(config, "v1");
    const live: Record<string, unknown> = {
      ...structuredClone(m),
      status: { conditions: [] },
      metadata: { ...m.metadata, resourceVersion: "7", uid: "x" },
    };
    expect(changedFields(m, live)).toEqual([]);
    (live.spec as { provider: { vault: { server: string } } }).provider.vault.server =
      "http://other";
    expect(changedFields(m, live)).toEqual(["spec.provider.vault.server"]);
  });
});
