/**
 * Vault's side of eso.auth kubernetes, driven in-process: against the Vault
 * stand-in through the real Vault client (what ends up configured in Vault), and
 * over a scripted client for the answers the stand-in does not give. What a user
 * relies on: the kubernetes auth method is enabled and pointed at the API server
 * only when it is not there (someone's existing method keeps its config), the
 * policy reads exactly the ExternalSecrets' paths, the role binds the store's
 * service account for the audience the store asks for, and a refusal names the
 * request and what the token needs.
 *
 * References: developer.hashicorp.com/vault/api-docs/system/auth (list: the
 * methods by `<path>/`, also under `data`; enable: type, description),
 * …/api-docs/system/policies, …/api-docs/auth/kubernetes (config:
 * kubernetes_host; role: bound_service_account_names,
 * bound_service_account_namespaces, audience, token_policies, token_ttl).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VaultHttpError, VaultNetworkError } from "../../src/adapters/vault-errors.js";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { configureKubernetesAuth } from "../../src/flows/eso-vault-auth.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { virtualClock } from "../helpers/clock.js";
import { scriptedVault } from "../helpers/scripted-vault.js";
import { makeWorkspace } from "../helpers/workspace.js";

const config = (yaml = "") =>
  resolveConfig({ cwd: makeWorkspace({ "dev-bootstrap.yaml": yaml }).dir, env: {} }).config;

const POLICY =
  'path "secret/data/agents/db" {\n  capabilities = ["read"]\n}\npath "secret/data/platform/db" {\n  capabilities = ["read"]\n}\n';

describe("configuring Vault's Kubernetes auth, against the Vault stand-in", () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => world.stop());

  /** The run's real Vault client, as wire-eso gets it; `token` replaces the root token. */
  const vaultClient = async (yaml = "", token?: string) => {
    const env: NodeJS.ProcessEnv = {
      ...world.env,
      ...(token ? { VAULT_TOKEN: token } : {}),
      HOME: makeWorkspace().dir,
    };
    const resolved = resolveConfig({ cwd: makeWorkspace({ "dev-bootstrap.yaml": yaml }).dir, env });
    const host = createHost({ resolved, masker: new SecretMasker(), env, clock: virtualClock() });
    return { vault: await host.vault(), config: resolved.config };
  };
  const method = (path = "kubernetes") => world.vault.authMounts.get(path);

  it("enables the method, points it at the API server, and writes the policy and the role", async () => {
    const { vault, config } = await vaultClient();
    const result = await configureKubernetesAuth(vault, config);
    expect(result).toEqual({
      enabled: true,
      configured: true,
      role: "ameide-vault",
      policy: "ameide-vault",
    });
    expect(method()).toMatchObject({
      type: "kubernetes",
      description: "ESO's stores (dev-bootstrap)",
      config: { kubernetes_host: "https://kubernetes.default.svc" },
    });
    expect(world.vault.policies.get("ameide-vault")).toBe(POLICY);
    expect(method()!.roles.get("ameide-vault")).toEqual({
      bound_service_account_names: ["ameide-vault"],
      bound_service_account_namespaces: ["external-secrets"],
      audience: "vault",
      token_policies: ["ameide-vault"],
      token_ttl: 600,
    });
  });

  it("a rerun leaves the method's config as it is, and writes the policy and the role again", async () => {
    const { vault, config } = await vaultClient();
    await configureKubernetesAuth(vault, config);
    // Someone tuned the method meanwhile, and changed the policy by hand.
    method()!.config = { kubernetes_host: "https://10.0.0.1:6443", disable_iss_validation: true };
    world.vault.policies.set("ameide-vault", 'path "secret/*" { capabilities = ["read"] }');
    const result = await configureKubernetesAuth(vault, config);
    expect(result).toMatchObject({ enabled: false, configured: false });
    expect(method()!.config).toEqual({
      kubernetes_host: "https://10.0.0.1:6443",
      disable_iss_validation: true,
    });
    expect(world.vault.policies.get("ameide-vault")).toBe(POLICY);
  });

  it("a method left without a config (a run stopped after enabling it) is configured by the rerun", async () => {
    const { vault, config } = await vaultClient();
    // What `vault auth enable kubernetes` alone leaves: the method, no config.
    await vault.write("/sys/auth/kubernetes", { type: "kubernetes" });
    expect(await vault.read("/auth/kubernetes/config")).toBeUndefined();
    const result = await configureKubernetesAuth(vault, config);
    expect(result).toMatchObject({ enabled: false, configured: true });
    expect(method()!.config).toEqual({ kubernetes_host: "https://kubernetes.default.svc" });
    expect(method()!.roles.get("ameide-vault")).toMatchObject({ token_policies: ["ameide-vault"] });
  });

  it("names from the config: the mount path, the API server address, role, policy and account", async () => {
    const { vault, config } = await vaultClient(
      [
        "eso:",
        "  store: team-vault",
        "  kubernetes:",
        "    mountPath: k8s/dev",
        "    kubernetesHost: https://api.dev.example:6443",
        "    role: eso-reader",
        "    policy: eso-read",
        "    serviceAccount: eso-sa",
        "    serviceAccountNamespace: eso",
        "",
      ].join("\n"),
    );
    const result = await configureKubernetesAuth(vault, config);
    expect(result).toEqual({
      enabled: true,
      configured: true,
      role: "eso-reader",
      policy: "eso-read",
    });
    expect(method("k8s/dev")!.config).toEqual({ kubernetes_host: "https://api.dev.example:6443" });
    expect(method("kubernetes")).toBeUndefined();
    expect(world.vault.policies.get("eso-read")).toBe(POLICY);
    expect(method("k8s/dev")!.roles.get("eso-reader")).toMatchObject({
      bound_service_account_names: ["eso-sa"],
      bound_service_account_namespaces: ["eso"],
      token_policies: ["eso-read"],
    });
  });

  it("another auth method at the mount path: refused with the setting to change, nothing written", async () => {
    const { vault, config } = await vaultClient();
    world.vault.authMounts.set("kubernetes", {
      type: "approle",
      description: "",
      accessor: "auth_approle_1",
      config: {},
      roles: new Map(),
    });
    const error = await configureKubernetesAuth(vault, config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect(error).toMatchObject({
      message: "Vault's auth method at kubernetes/ is approle, not kubernetes",
      hint: "set eso.kubernetes.mountPath to the path of a kubernetes auth method ('vault auth list')",
    });
    expect(world.vault.policies.size).toBe(0);
  });

  it("a token that may not list or enable auth methods: names the request and the token's lack", async () => {
    const hint =
      "use a token with sudo on sys/auth, write on sys/policies/acl and read and write on auth/*, or have the platform team create the store and set eso.auth to existing";
    const listing = await vaultClient("", world.vault.addToken({ deny: ["sys/auth"] }));
    await expect(configureKubernetesAuth(listing.vault, listing.config)).rejects.toMatchObject({
      message:
        "Vault refused to list auth methods (sys/auth): the token may not configure Kubernetes auth",
      hint,
    });
    const policies = await vaultClient("", world.vault.addToken({ deny: ["sys/policies"] }));
    await expect(configureKubernetesAuth(policies.vault, policies.config)).rejects.toMatchObject({
      message:
        "Vault refused to write the policy (sys/policies/acl/ameide-vault): the token may not configure Kubernetes auth",
      hint,
    });
    // The method was enabled and configured before the refusal; no role without its policy.
    expect(method()!.roles.size).toBe(0);
  });
});

describe("configuring Vault's Kubernetes auth, over scripted answers", () => {
  it("an auth list without `data` (Vault before 0.9 answered the methods only at the top)", async () => {
    const vault = scriptedVault();
    vault.script(
      "read",
      { "kubernetes/": { type: "kubernetes" }, "token/": { type: "token" } },
      { kubernetes_host: "https://10.0.0.1:6443" },
    );
    const result = await configureKubernetesAuth(vault, config());
    expect(result).toMatchObject({ enabled: false, configured: false });
    expect(vault.callsOf("read")).toEqual([["/sys/auth"], ["/auth/kubernetes/config"]]);
    expect(vault.callsOf("write").map(([path]) => path)).toEqual([
      "/sys/policies/acl/ameide-vault",
      "/auth/kubernetes/role/ameide-vault",
    ]);
  });

  it("no answer to the list (404): nothing is mounted, so the method is enabled and configured", async () => {
    const vault = scriptedVault();
    vault.script("read", undefined);
    const result = await configureKubernetesAuth(vault, config());
    expect(result.enabled).toBe(true);
    expect(vault.callsOf("read")).toEqual([["/sys/auth"]]);
    expect(vault.callsOf("write").slice(0, 2)).toEqual([
      ["/sys/auth/kubernetes", { type: "kubernetes", description: "ESO's stores (dev-bootstrap)" }],
      ["/auth/kubernetes/config", { kubernetes_host: "https://kubernetes.default.svc" }],
    ]);
  });

  it("a method at the path whose type the list does not give: of an unknown type", async () => {
    const vault = scriptedVault();
    vault.script("read", { data: { "kubernetes/": {} } });
    await expect(configureKubernetesAuth(vault, config())).rejects.toThrow(
      "Vault's auth method at kubernetes/ is of an unknown type, not kubernetes",
    );
    expect(vault.callsOf("write")).toEqual([]);
  });

  it("any other refusal names the request, the status and Vault's errors", async () => {
    const vault = scriptedVault();
    vault.script("read", { data: {} });
    vault.script(
      "write",
      new VaultHttpError(
        500,
        ["internal error", "try again"],
        "POST",
        "/v1/sys/auth/kubernetes",
        {},
      ),
    );
    await expect(configureKubernetesAuth(vault, config())).rejects.toMatchObject({
      message:
        "Vault could not enable the kubernetes auth method (sys/auth/kubernetes): HTTP 500: internal error; try again",
      hint: "check the auth mount (eso.kubernetes.mountPath) with 'vault auth list'",
    });

    vault.script("write", undefined, new VaultHttpError(400, [], "POST", "", {}));
    await expect(configureKubernetesAuth(vault, config())).rejects.toMatchObject({
      message:
        "Vault could not configure the kubernetes auth method (auth/kubernetes/config): HTTP 400",
    });

    vault.script("read", { data: { "kubernetes/": { type: "kubernetes" } } });
    vault.script("write", undefined, new VaultHttpError(400, ["bad ttl"], "POST", "", {}));
    await expect(configureKubernetesAuth(vault, config())).rejects.toMatchObject({
      message:
        "Vault could not write the role (auth/kubernetes/role/ameide-vault): HTTP 400: bad ttl",
    });
  });

  it("an error that is none of Vault's answers passes through as it is", async () => {
    const vault = scriptedVault();
    const lost = new VaultNetworkError(
      "connection failed",
      "ECONNRESET",
      "GET",
      "/v1/sys/auth",
      true,
    );
    vault.script("read", lost);
    await expect(configureKubernetesAuth(vault, config())).rejects.toBe(lost);
  });
});
