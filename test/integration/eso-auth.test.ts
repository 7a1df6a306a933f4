/**
 * How ESO's store reaches Vault (eso.auth): the developer's token in a Secret (token),
 * Vault's Kubernetes auth with a service account (kubernetes), or a store someone else
 * made (existing); and ESO's refreshPolicy. Each runs the built CLI against the
 * sandbox's Vault, Kubernetes API and ESO stand-ins.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/adapters/clock.js";
import { createKube } from "../../src/adapters/kube.js";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Host } from "../../src/flows/host.js";
import { wireEso } from "../../src/flows/wire-eso.js";
import { CheckpointLogger } from "../../src/log/logger.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { putPlatformStore } from "../helpers/eso-wire.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const workspace = (eso: string) =>
  makeWorkspace({
    "dev-bootstrap.yaml": `vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 5\n${eso}`,
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
const run = () => runCli(["ensure-local-secrets"], { cwd: ws.dir, env: cleanEnv(world.env) });

/** Every Secret in the cluster whose data holds the developer's Vault token. */
const secretsHoldingToken = () =>
  world.kube
    .list("Secret")
    .filter((s) =>
      Object.values((s.data as Record<string, string>) ?? {}).some((v) =>
        Buffer.from(v, "base64").toString("utf8").includes(world.vault.rootToken),
      ),
    )
    .map((s) => `${s.metadata.namespace}/${s.metadata.name}`);

const storeAuth = (name = "ameide-vault") =>
  (
    world.kube.get("ClusterSecretStore", undefined, name)?.spec as
      | { provider: { vault: { auth: Record<string, unknown> } } }
      | undefined
  )?.provider.vault.auth;

const synced = (name: string) =>
  world.kube.secretData("ameide", name)?.DATABASE_URL ?? "(no Secret)";

describe("eso.auth kubernetes", () => {
  it("no Vault token reaches the cluster: ESO logs in with a service account bound to a role reading only the configured paths", async () => {
    // An earlier run with token auth left the token Secret behind.
    ws = workspace("");
    expect((await run()).code).toBe(0);
    expect(secretsHoldingToken()).toEqual(["external-secrets/vault-token"]);

    ws.write(
      "dev-bootstrap.yaml",
      "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 5\n  auth: kubernetes\n",
    );
    const r = await run();
    expect(r.stderr).toBe("");
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:vault-auth\] ✔ role ameide-vault \(policy ameide-vault, read on 2 path\(s\)\) for external-secrets\/ameide-vault; enabled the kubernetes auth method at kubernetes\//,
    );
    expect(r.stdout).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);
    // The token Secret is gone, and no other Secret holds the token.
    expect(secretsHoldingToken()).toEqual([]);
    expect(world.kube.get("Secret", "external-secrets", "vault-token")).toBeUndefined();
    expect(storeAuth()).toEqual({
      kubernetes: {
        mountPath: "kubernetes",
        role: "ameide-vault",
        serviceAccountRef: {
          name: "ameide-vault",
          namespace: "external-secrets",
          audiences: ["vault"],
        },
      },
    });
    expect(world.kube.get("ServiceAccount", "external-secrets", "ameide-vault")).toBeDefined();
    // ESO synced through its own login: the values are Vault's.
    const platform = world.vault.read("secret", "platform/db") as Record<string, string>;
    expect(synced("platform-db-credentials")).toBe(platform.DATABASE_URL);

    // Vault's side, as `vault read auth/kubernetes/role/ameide-vault` shows it.
    const mount = world.vault.authMounts.get("kubernetes");
    expect(mount?.type).toBe("kubernetes");
    expect(mount?.config.kubernetes_host).toBe("https://kubernetes.default.svc");
    expect(mount?.roles.get("ameide-vault")).toMatchObject({
      bound_service_account_names: ["ameide-vault"],
      bound_service_account_namespaces: ["external-secrets"],
      audience: "vault",
      token_policies: ["ameide-vault"],
    });
    expect(world.vault.policies.get("ameide-vault")).toBe(
      'path "secret/data/agents/db" {\n  capabilities = ["read"]\n}\npath "secret/data/platform/db" {\n  capabilities = ["read"]\n}\n',
    );

    // A second run changes nothing in Vault's auth mount and leaves the config alone.
    world.vault.authMounts.get("kubernetes")!.config.kubernetes_host = "https://api.platform:6443";
    const again = await run();
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toMatch(/enabled the kubernetes auth method/);
    expect(world.vault.authMounts.get("kubernetes")?.config.kubernetes_host).toBe(
      "https://api.platform:6443",
    );
  });

  it("the role's token reads the configured paths and nothing else", async () => {
    ws = workspace("  auth: kubernetes\n");
    expect((await run()).code).toBe(0);
    world.vault.writeDirect("secret", "other/team", { PASSWORD: "not-for-this-store" });
    const jwt = world.kube.requestServiceAccountToken("external-secrets", "ameide-vault", [
      "vault",
    ]);
    const login = await fetch(`${world.vaultAddr}/v1/auth/kubernetes/login`, {
      method: "POST",
      body: JSON.stringify({ role: "ameide-vault", jwt }),
    });
    expect(login.status).toBe(200);
    const token = ((await login.json()) as { auth: { client_token: string } }).auth.client_token;
    const read = (path: string) =>
      fetch(`${world.vaultAddr}/v1/secret/data/${path}`, { headers: { "X-Vault-Token": token } });
    expect((await read("platform/db")).status).toBe(200);
    expect((await read("other/team")).status).toBe(403);
    // A token made for another audience is refused.
    const other = world.kube.requestServiceAccountToken("external-secrets", "ameide-vault", [
      "https://kubernetes.default.svc",
    ]);
    const refused = await fetch(`${world.vaultAddr}/v1/auth/kubernetes/login`, {
      method: "POST",
      body: JSON.stringify({ role: "ameide-vault", jwt: other }),
    });
    expect(refused.status).toBe(403);
  });

  it("a token that may not configure auth methods fails the step with what to do instead", async () => {
    ws = workspace("  auth: kubernetes\n");
    const limited = world.vault.addToken({ deny: ["sys/auth", "sys/policies"] });
    const r = await runCli(["ensure-local-secrets"], {
      cwd: ws.dir,
      env: cleanEnv({ ...world.env, VAULT_TOKEN: limited }),
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:vault-auth\] ✖ Vault refused to list auth methods \(sys\/auth\).*hint: .*set eso\.auth to existing/s,
    );
    expect(r.stdout + r.stderr).not.toContain(limited);
    expect(world.kube.get("ClusterSecretStore", undefined, "ameide-vault")).toBeUndefined();
  });

  it("an auth path that holds another method is refused, not overwritten", async () => {
    ws = workspace("  auth: kubernetes\n  kubernetes:\n    mountPath: userpass\n");
    await fetch(`${world.vaultAddr}/v1/sys/auth/userpass`, {
      method: "POST",
      headers: { "X-Vault-Token": world.vault.rootToken },
      body: JSON.stringify({ type: "userpass" }),
    });
    const r = await run();
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:vault-auth\] ✖ Vault's auth method at userpass\/ is userpass, not kubernetes/,
    );
  });
});

describe("eso.auth existing", () => {
  /** A store the platform made: token auth from its own Secret, as a platform team writes it. */
  const platformStore = (kind: "ClusterSecretStore" | "SecretStore", namespace?: string) =>
    putPlatformStore(world, kind, world.vault.addToken({}), namespace);

  it("uses the named ClusterSecretStore as it is: no store, no token Secret made", async () => {
    world.kube.createNamespace("external-secrets");
    platformStore("ClusterSecretStore");
    // What we could have changed: the spec, labels and the field managers (ESO's own
    // status updates, as its controller validates the store, are not ours).
    const ours = () => {
      const store = world.kube.get("ClusterSecretStore", undefined, "platform-vault") as {
        spec?: unknown;
        metadata: { labels?: unknown; annotations?: unknown; managedFields?: unknown };
      };
      const { spec, metadata } = store;
      return JSON.stringify([spec, metadata.labels, metadata.annotations, metadata.managedFields]);
    };
    const before = ours();
    ws = workspace("  auth: existing\n  store: platform-vault\n");
    const r = await run();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:apply\] ▶ applying 2 ExternalSecret\(s\) for the existing ClusterSecretStore platform-vault/,
    );
    expect(r.stdout).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);
    expect(ours()).toBe(before);
    expect(world.kube.list("ClusterSecretStore").map((s) => s.metadata.name)).toEqual([
      "platform-vault",
    ]);
    expect(secretsHoldingToken()).toEqual([]);
    expect(
      world.kube.get("ExternalSecret", "ameide", "platform-db-credentials")?.spec,
    ).toMatchObject({
      secretStoreRef: { name: "platform-vault", kind: "ClusterSecretStore" },
    });
  });

  it("uses a SecretStore in the ExternalSecrets' namespace", async () => {
    world.kube.createNamespace("ameide");
    platformStore("SecretStore", "ameide");
    ws = workspace("  auth: existing\n  store: platform-vault\n  storeKind: SecretStore\n");
    const r = await run();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);
    expect(synced("agents-db-credentials")).toMatch(/^postgresql:\/\/agents:/);
  });

  it("a store that is not there fails before anything is applied, naming it", async () => {
    ws = workspace("  auth: existing\n  store: platform-vault\n");
    const r = await run();
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:apply\] ✖ ClusterSecretStore platform-vault not found: eso\.auth existing uses a store someone else made, and creates none.*hint: set eso\.store to your platform's store \(kubectl get clustersecretstores\)/s,
    );
    expect(world.kube.list("ExternalSecret")).toEqual([]);
    expect(world.kube.list("ClusterSecretStore")).toEqual([]);
  });

  it("a SecretStore is refused unless it is an existing one", async () => {
    ws = workspace("  storeKind: SecretStore\n");
    const r = await run();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/eso\.storeKind.*a SecretStore is used only as an existing store/);
  });
});

describe("eso.refreshPolicy", () => {
  it("is set on the ExternalSecrets", async () => {
    ws = workspace("  refreshPolicy: OnChange\n");
    const r = await run();
    expect(r.code, r.stdout).toBe(0);
    const es = world.kube.get("ExternalSecret", "ameide", "platform-db-credentials");
    expect(es?.spec).toMatchObject({ refreshPolicy: "OnChange" });
    expect(r.stdout).not.toMatch(/refreshPolicy/);
  });

  it("an ESO that does not serve it (the API server drops the field) is warned about", async () => {
    world.kube.pruned = { ExternalSecret: ["spec.refreshPolicy"] };
    ws = workspace("  refreshPolicy: OnChange\n");
    const r = await run();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:refresh\] ⚠ the installed ESO does not serve spec\.refreshPolicy \(external-secrets\.io\/v1\): the cluster dropped refreshPolicy OnChange, and ESO refreshes every 1h.*hint: upgrade ESO/s,
    );
  });

  it("CreatedOnce: changed values are not waited for (ESO never syncs them), and the run says so", async () => {
    ws = workspace("  refreshPolicy: CreatedOnce\n");
    expect((await run()).code).toBe(0);
    const first = synced("platform-db-credentials");
    ws.write(
      "vault/fixtures/db.yaml",
      DB_URL_FIXTURES.replace("DB_USERNAME: platform", "DB_USERNAME: renamed"),
    );
    const r = await run();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:refresh\] ⚠ Vault changed, but the ExternalSecrets use refreshPolicy CreatedOnce: ESO keeps the Secrets it made.*hint: delete a target Secret/s,
    );
    // A run waiting for a refresh that never comes would end its 5 s wait "not Ready".
    expect(r.stdout).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);
    expect(synced("platform-db-credentials")).toBe(first);
  });
});

describe("eso.auth token (the default)", () => {
  /**
   * wire-eso against the sandbox's API server, as the kubeconfig of a cluster at `server`
   * (context `context`) shows it: the stand-in answers on loopback, which is local.
   */
  async function wire(server: string, context: string, flags: Record<string, unknown> = {}) {
    const kube = {
      ...(await createKube({ kubeconfig: world.kubeconfig, clock: systemClock })),
      server,
      context,
    };
    const resolved = resolveConfig({
      cwd: "/",
      env: { DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR: world.vaultAddr },
      flags: { "eso.readyTimeoutSeconds": 5, ...flags },
    });
    const masker = new SecretMasker();
    const host: Host = {
      ...createHost({ resolved, masker, env: {}, clock: systemClock }),
      kube: async () => kube,
      vaultToken: () => world.vault.rootToken,
    };
    let out = "";
    const log = new CheckpointLogger({
      now: Date.now,
      runId: "t",
      command: "ensure-local-secrets",
      format: "human",
      colour: false,
      out: { write: (text: string) => (out += text) },
      journal: undefined,
      masker,
    });
    await wireEso(host, resolved, log, { forceSync: false, forceConflicts: false });
    return out;
  }

  it("on a cluster that is not a local one, the token Secret is warned about with the way out", async () => {
    const out = await wire("https://api.shared.example.com:6443", "shared-dev");
    expect(out).toMatch(
      /\[eso:auth\] ⚠ ESO's store reads Vault with your own Vault token, kept in Secret external-secrets\/vault-token on https:\/\/api\.shared\.example\.com:6443 \(context shared-dev\), which does not look like a cluster on this machine: whoever can read that Secret can use your token.*hint: set eso\.auth to kubernetes .* or to existing .*; set it to token to keep the token Secret and silence this warning/s,
    );
    expect(out).not.toContain(world.vault.rootToken);
  });

  it("a local cluster, or token auth chosen explicitly, is not warned about", async () => {
    expect(await wire("https://127.0.0.1:6443", "kind-dev")).not.toMatch(/eso:auth/);
    expect(await wire("https://192.168.49.2:8443", "minikube")).not.toMatch(/eso:auth/);
    expect(
      await wire("https://api.shared.example.com:6443", "shared-dev", { "eso.auth": "token" }),
    ).not.toMatch(/eso:auth/);
  });
});
