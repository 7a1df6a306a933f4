import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import { esoVaultPolicy, isLocalCluster, kubernetesAuthNames } from "../../src/core/manifests.js";

describe("isLocalCluster: where the token Secret of eso.auth token is nobody else's to read", () => {
  // Context names and addresses as the local distributions write them into ~/.kube/config.
  it.each([
    ["https://127.0.0.1:41234", "kind-kind"],
    ["https://0.0.0.0:6550", "k3d-dev"],
    ["https://192.168.49.2:8443", "minikube"],
    ["https://kubernetes.docker.internal:6443", "docker-desktop"],
    ["https://127.0.0.1:6443", "rancher-desktop"],
    ["https://127.0.0.1:26443", "orbstack"],
    ["https://127.0.0.1:6443", "colima"],
    ["https://127.0.0.1:16443", "microk8s"],
    ["https://127.0.0.1:6443", "default"],
    ["https://[::1]:6443", "dev"],
    ["https://[::ffff:127.0.0.1]:6443", "dev"],
    ["https://host.docker.internal:6443", "kind-kind-devcontainer"],
    ["https://api.localhost:6443", "dev"],
  ])("%s (context %s) is local", (server, context) => {
    expect(isLocalCluster(server, context)).toBe(true);
  });

  it.each([
    ["https://api.shared.example.com:6443", "shared-dev"],
    ["https://10.20.0.5:6443", "team-a"],
    ["https://ABC123.gr7.eu-west-1.eks.amazonaws.com", "arn:aws:eks:eu-west-1:1:cluster/dev"],
    ["https://k8s.corp.example:443", "kind"],
    ["not a url", undefined],
  ])("%s (context %s) is not", (server, context) => {
    expect(isLocalCluster(server, context)).toBe(false);
  });
});

describe("Vault's side of eso.auth kubernetes", () => {
  it("the policy reads exactly the ExternalSecrets' KV v2 paths, each once", () => {
    const { config } = resolveConfig({
      cwd: "/",
      env: {},
      flags: {
        "vault.mount": "kv",
        "eso.externalSecrets": [
          { name: "a", vaultPath: "team/b" },
          { name: "b", vaultPath: "team/a" },
          { name: "c", namespace: "other", vaultPath: "team/a" },
        ],
      },
    });
    expect(esoVaultPolicy(config)).toBe(
      'path "kv/data/team/a" {\n  capabilities = ["read"]\n}\npath "kv/data/team/b" {\n  capabilities = ["read"]\n}\n',
    );
  });

  it("role, policy and service account are named after the store unless set", () => {
    const named = (flags: Record<string, unknown>) =>
      kubernetesAuthNames(resolveConfig({ cwd: "/", env: {}, flags }).config);
    expect(named({ "eso.store": "team-vault" })).toEqual({
      mountPath: "kubernetes",
      role: "team-vault",
      policy: "team-vault",
      serviceAccount: "team-vault",
      namespace: "external-secrets",
    });
    expect(
      named({ "eso.kubernetes.role": "eso", "eso.kubernetes.mountPath": "k8s/dev" }),
    ).toMatchObject({ role: "eso", mountPath: "k8s/dev", policy: "ameide-vault" });
  });
});
