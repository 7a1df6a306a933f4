/**
 * Wiring ESO in-process against the in-process stand-ins, by the ways a cluster and
 * a config can differ: which ESO API the cluster serves (FAULTS 16), how ESO's store
 * reaches Vault (eso.auth token, kubernetes, existing), where Vault's address points,
 * and whether the installed ESO keeps spec.refreshPolicy. What the user relies on:
 * the step lines and their hints, and what is (and is not) written to the cluster.
 *
 * References: ESO's API reference (external-secrets.io/latest/api/clustersecretstore,
 * …/externalsecret: refreshPolicy since v0.10, the Ready condition and its reasons
 * SecretSynced / SecretSyncedError), Kubernetes API discovery (/apis lists each
 * group's versions and its preferredVersion).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { putPlatformStore, readyStatus, wireOnce } from "../helpers/eso-wire.js";

let world: World;

beforeEach(async () => {
  world = await startWorld();
  world.vault.writeDirect("secret", "platform/db", { DATABASE_URL: "postgresql://p:pw@db:5432/p" });
  world.vault.writeDirect("secret", "agents/db", { DATABASE_URL: "postgresql://a:pw@db:5432/a" });
});
afterEach(async () => world.stop());

const FAST = "eso:\n  readyTimeoutSeconds: 20\n";

describe("which ESO the cluster serves (FAULTS 16)", () => {
  it("ESO not installed: the detect step fails with how to install it, and nothing is applied", async () => {
    world.kube.esoVersion = "none";
    const run = await wireOnce(world);
    expect(run.error).toBeDefined();
    expect(run.log.checkpoint("eso:detect", "start")?.message).toBe(
      `looking for External Secrets Operator on ${world.kube.url}`,
    );
    const fail = run.log.checkpoint("eso:detect", "fail");
    expect(fail?.message).toBe(
      "External Secrets Operator is not installed: the cluster serves no external-secrets.io API",
    );
    expect(fail?.hint).toBe(
      "install ESO (helm install external-secrets external-secrets/external-secrets -n external-secrets --create-namespace), or rerun with --skip-eso",
    );
    expect(run.log.checkpoint("eso:apply", "start")).toBeUndefined();
    expect(world.kube.list("Secret")).toEqual([]);
    expect(world.kube.list("ClusterSecretStore")).toEqual([]);
  });

  it("an older ESO serving only v1beta1: a warning with the upgrade hint, and every object in v1beta1", async () => {
    world.kube.esoVersion = "v1beta1";
    const run = await wireOnce(world, {}, { config: FAST });
    expect(run.error).toBeUndefined();
    const warn = run.log.checkpoint("eso:detect", "warn");
    expect(warn?.message).toBe(
      "using external-secrets.io/v1beta1: this ESO is older: it serves external-secrets.io/v1beta1, not v1",
    );
    expect(warn?.hint).toBe("upgrade ESO to a release serving v1");
    expect(run.log.checkpoint("eso:detect", "ok")).toBeUndefined();
    expect(run.result?.apiVersion).toBe("v1beta1");
    expect(world.kube.get("ClusterSecretStore", undefined, "ameide-vault")?.apiVersion).toBe(
      "external-secrets.io/v1beta1",
    );
    expect(world.kube.get("ExternalSecret", "ameide", "platform-db-credentials")?.apiVersion).toBe(
      "external-secrets.io/v1beta1",
    );
    expect(run.result?.statuses.every((s) => s.ready)).toBe(true);
  });

  it("eso.apiVersion the cluster does not serve: fails naming both, before anything is applied", async () => {
    const run = await wireOnce(world, {}, { config: "eso:\n  apiVersion: v1beta1\n" });
    const fail = run.log.checkpoint("eso:detect", "fail");
    expect(fail?.message).toBe(
      "ESO serves external-secrets.io/v1, but config asks for external-secrets.io/v1beta1",
    );
    expect(fail?.hint).toBe("set eso.apiVersion to v1 or auto, or upgrade ESO");
    expect(world.kube.list("ClusterSecretStore")).toEqual([]);
  });

  it("eso.apiVersion the cluster serves: used as asked, without a warning", async () => {
    world.kube.esoVersion = "v1beta1";
    const run = await wireOnce(world, {}, { config: `${FAST}  apiVersion: v1beta1\n` });
    expect(run.error).toBeUndefined();
    expect(run.log.checkpoint("eso:detect", "ok")?.message).toBe(
      "ESO serves external-secrets.io/v1beta1",
    );
    expect(run.log.checkpoint("eso:detect", "warn")).toBeUndefined();
    expect(run.result?.apiVersion).toBe("v1beta1");
  });
});

describe("eso.auth token (the default)", () => {
  it("applies the token Secret and the store first, then the ExternalSecrets; the token is in no line", async () => {
    const run = await wireOnce(world, {}, { config: FAST });
    expect(run.error).toBeUndefined();
    expect(run.log.checkpoint("eso:apply", "start")?.message).toBe(
      "applying ClusterSecretStore ameide-vault and 2 ExternalSecret(s)",
    );
    const ok = run.log.checkpoint("eso:apply", "ok");
    expect(ok?.message).toBe("applied 4, unchanged 0");
    expect(ok?.details).toEqual({
      applied: [
        "Secret/external-secrets/vault-token",
        "ClusterSecretStore/ameide-vault",
        "ExternalSecret/ameide/platform-db-credentials",
        "ExternalSecret/ameide/agents-db-credentials",
      ],
      unchanged: [],
    });
    // The namespaces were made for the token Secret and the ExternalSecrets.
    expect(world.kube.get("Namespace", undefined, "external-secrets")).toBeDefined();
    expect(world.kube.get("Namespace", undefined, "ameide")).toBeDefined();
    expect(world.kube.secretData("external-secrets", "vault-token")).toEqual({
      token: world.vault.rootToken,
    });
    expect(run.log.text()).not.toContain(world.vault.rootToken);
    expect(run.log.checkpoint("eso:sync", "start")?.message).toBe(
      "waiting up to 20 s for ExternalSecrets to be Ready",
    );
    expect(run.log.checkpoint("eso:sync", "ok")?.message).toBe("2 ExternalSecret(s) Ready");
    expect(run.result?.statuses).toEqual([
      {
        name: "platform-db-credentials",
        namespace: "ameide",
        ready: true,
        reason: "SecretSynced",
        message: expect.any(String),
      },
      {
        name: "agents-db-credentials",
        namespace: "ameide",
        ready: true,
        reason: "SecretSynced",
        message: expect.any(String),
      },
    ]);
  });

  it("ExternalSecrets in their own namespaces: each namespace is made, each named in the labels", async () => {
    const run = await wireOnce(
      world,
      {},
      {
        config: `${FAST}  externalSecrets:\n    - name: one\n      vaultPath: platform/db\n      namespace: team-a\n    - name: two\n      vaultPath: agents/db\n`,
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.result?.applied).toEqual([
      "Secret/external-secrets/vault-token",
      "ClusterSecretStore/ameide-vault",
      "ExternalSecret/team-a/one",
      "ExternalSecret/ameide/two",
    ]);
    expect(run.result?.statuses.map((s) => `${s.namespace}/${s.name}:${s.ready}`)).toEqual([
      "team-a/one:true",
      "ameide/two:true",
    ]);
    expect(world.kube.secretData("team-a", "one")?.DATABASE_URL).toBe(
      "postgresql://p:pw@db:5432/p",
    );
  });

  it("a missing namespace with kube.namespaceMissing fail: the apply step fails with the command to run", async () => {
    const run = await wireOnce(world, {}, { config: `${FAST}kube:\n  namespaceMissing: fail\n` });
    const fail = run.log.checkpoint("eso:apply", "fail");
    expect(fail?.message).toMatch(/^namespace (external-secrets|ameide) does not exist$/);
    expect(fail?.hint).toMatch(/^create it: kubectl create namespace (external-secrets|ameide)/);
    expect(world.kube.list("ExternalSecret")).toEqual([]);
  });

  it("RBAC forbids applying the store: the step says which verb on which resource (FAULTS 19)", async () => {
    world.kube.deny.push({ verb: "patch", resource: "clustersecretstores" });
    const run = await wireOnce(world, {}, { config: FAST });
    const fail = run.log.checkpoint("eso:apply", "fail");
    expect(fail?.message).toBe("forbidden: cannot apply clustersecretstores (RBAC)");
    expect(fail?.hint).toBe(
      "grant 'patch' on clustersecretstores; check with: kubectl auth can-i patch clustersecretstores",
    );
    // The store comes before the ExternalSecrets that name it: none was applied.
    expect(world.kube.list("ExternalSecret")).toEqual([]);
    expect(run.log.checkpoint("eso:sync", "start")).toBeUndefined();
  });

  it("RBAC forbids reading an ExternalSecret while waiting: the wait fails saying so", async () => {
    const run = await wireOnce(
      world,
      {},
      {
        config: FAST,
        host: (h) => ({
          kube: async () => {
            const kube = await h.kube();
            let reads = 0;
            return {
              ...kube,
              read: ((...args: Parameters<typeof kube.read>) => {
                // The apply step's reads pass; the wait's first read is refused.
                if (args[1] === "ExternalSecret" && ++reads > 2)
                  world.kube.deny.push({ verb: "get", resource: "externalsecrets" });
                return kube.read(...args);
              }) as typeof kube.read,
            };
          },
        }),
      },
    );
    expect(run.error).toBeDefined();
    expect(run.log.checkpoint("eso:apply", "ok")).toBeDefined();
    expect(run.error).toMatchObject({
      message: "forbidden: cannot get externalsecrets in namespace ameide (RBAC)",
      hint: "grant 'get' on externalsecrets in ameide; check with: kubectl auth can-i get externalsecrets -n ameide",
    });
  });

  it("outside the sandbox, a loopback Vault address is warned about with the setting to change", async () => {
    const run = await wireOnce(
      world,
      {},
      { config: FAST, env: { DEV_BOOTSTRAP_SANDBOX: undefined } },
    );
    const warn = run.log.checkpoint("eso:address", "warn");
    expect(warn?.message).toBe(
      `ESO's pods get the loopback Vault address ${world.vaultAddr}, which they cannot reach`,
    );
    expect(warn?.hint).toBe(
      "set vault.clusterAddress (or DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR) to Vault's in-cluster service, e.g. http://vault.vault.svc.cluster.local:8200",
    );
    // The stand-in's API server is on loopback: a cluster on this machine.
    expect(run.log.checkpoint("eso:auth", "warn")).toBeUndefined();
  });

  it("outside the sandbox, an in-cluster Vault address is not warned about", async () => {
    world.eso.stop();
    const { virtualClock } = await import("../helpers/clock.js");
    const run = await wireOnce(
      world,
      {},
      {
        config: "eso:\n  readyTimeoutSeconds: 1\n",
        env: {
          DEV_BOOTSTRAP_SANDBOX: undefined,
          DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR: "http://vault.vault.svc.cluster.local:8200",
        },
        clock: virtualClock(),
      },
    );
    expect(run.log.checkpoint("eso:address", "warn")).toBeUndefined();
    expect(world.kube.get("ClusterSecretStore", undefined, "ameide-vault")?.spec).toMatchObject({
      provider: { vault: { server: "http://vault.vault.svc.cluster.local:8200" } },
    });
  });
});

describe("eso.auth token on a cluster that is not on this machine", () => {
  /** The stand-in's API server, as a kubeconfig naming `server` (context `context`) shows it. */
  const asCluster =
    (server: string, context: string) => (h: import("../../src/flows/host.js").Host) => ({
      kube: async () => ({ ...(await h.kube()), server, context }),
    });
  const outside = { DEV_BOOTSTRAP_SANDBOX: undefined };

  it("warns that the token Secret lets whoever reads it use the token, with the ways out", async () => {
    const run = await wireOnce(
      world,
      {},
      {
        config: FAST,
        env: outside,
        host: asCluster("https://api.shared.example.com:6443", "shared-dev"),
      },
    );
    const warn = run.log.checkpoint("eso:auth", "warn");
    expect(warn?.message).toBe(
      "ESO's store reads Vault with your own Vault token, kept in Secret external-secrets/vault-token on https://api.shared.example.com:6443 (context shared-dev), which does not look like a cluster on this machine: whoever can read that Secret can use your token",
    );
    expect(warn?.hint).toBe(
      "set eso.auth to kubernetes (Vault's Kubernetes auth: no token in the cluster) or to existing (a store your platform provides); set it to token to keep the token Secret and silence this warning",
    );
    expect(run.log.text()).not.toContain(world.vault.rootToken);
  });

  it("a kubeconfig without a context is named as such", async () => {
    const run = await wireOnce(
      world,
      {},
      { config: FAST, env: outside, host: asCluster("https://10.20.0.5:6443", "") },
    );
    expect(run.log.checkpoint("eso:auth", "warn")?.message).toContain(
      "on https://10.20.0.5:6443 (context (none)), which does not look like",
    );
  });

  it("token auth chosen explicitly, or a sandbox run, is not warned about", async () => {
    const remote = asCluster("https://api.shared.example.com:6443", "shared-dev");
    const chosen = await wireOnce(
      world,
      {},
      { config: `${FAST}  auth: token\n`, env: outside, host: remote },
    );
    expect(chosen.log.checkpoint("eso:auth", "warn")).toBeUndefined();
    const sandbox = await wireOnce(world, {}, { config: FAST, host: remote });
    expect(sandbox.log.checkpoint("eso:auth", "warn")).toBeUndefined();
  });
});

describe("eso.auth kubernetes", () => {
  const KUBERNETES = `${FAST}  auth: kubernetes\n`;

  it("configures Vault's Kubernetes auth, applies a service account instead of a token, and removes our old token Secret", async () => {
    // An earlier run with token auth left its token Secret behind.
    await wireOnce(world, {}, { config: FAST });
    expect(world.kube.secretData("external-secrets", "vault-token")).toBeDefined();

    const run = await wireOnce(world, {}, { config: KUBERNETES });
    expect(run.error).toBeUndefined();
    expect(run.log.checkpoint("eso:vault-auth", "start")?.message).toBe(
      "configuring Vault's Kubernetes auth (kubernetes/) for service account external-secrets/ameide-vault",
    );
    expect(run.log.checkpoint("eso:vault-auth", "ok")?.message).toBe(
      "role ameide-vault (policy ameide-vault, read on 2 path(s)) for external-secrets/ameide-vault; enabled the kubernetes auth method at kubernetes/",
    );
    expect(run.result?.applied).toEqual([
      "ServiceAccount/external-secrets/ameide-vault",
      "ClusterSecretStore/ameide-vault",
      "deleted Secret/external-secrets/vault-token (the Vault token of token auth)",
    ]);
    expect(run.result?.unchanged).toEqual([
      "ExternalSecret/ameide/platform-db-credentials",
      "ExternalSecret/ameide/agents-db-credentials",
    ]);
    expect(world.kube.get("Secret", "external-secrets", "vault-token")).toBeUndefined();
    expect(run.log.checkpoint("eso:sync", "ok")?.message).toBe("2 ExternalSecret(s) Ready");

    // A rerun: the method is there already, nothing to delete, nothing to apply.
    const again = await wireOnce(world, {}, { config: KUBERNETES });
    expect(again.log.checkpoint("eso:vault-auth", "ok")?.message).toBe(
      "role ameide-vault (policy ameide-vault, read on 2 path(s)) for external-secrets/ameide-vault",
    );
    expect(again.result?.applied).toEqual([]);
    expect(again.log.checkpoint("eso:apply", "ok")?.message).toBe("applied 0, unchanged 4");
  });

  it("a Secret of that name that dev-bootstrap did not make is left alone", async () => {
    world.kube.createNamespace("external-secrets");
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "vault-token", namespace: "external-secrets", labels: { team: "infra" } },
        stringData: { token: "theirs" },
      },
      "kubectl",
    );
    const run = await wireOnce(world, {}, { config: KUBERNETES });
    expect(run.error).toBeUndefined();
    expect(world.kube.secretData("external-secrets", "vault-token")).toEqual({ token: "theirs" });
    expect(run.result?.applied.some((a) => a.startsWith("deleted"))).toBe(false);
  });

  it("counts the paths the role reads once each", async () => {
    const run = await wireOnce(
      world,
      {},
      {
        config: `${KUBERNETES}  externalSecrets:\n    - name: one\n      vaultPath: platform/db\n    - name: two\n      vaultPath: platform/db\n`,
      },
    );
    expect(run.log.checkpoint("eso:vault-auth", "ok")?.message).toMatch(
      /^role ameide-vault \(policy ameide-vault, read on 1 path\(s\)\) for external-secrets\/ameide-vault/,
    );
  });

  it("a Vault token that may not configure auth methods fails the step, and nothing is applied", async () => {
    const limited = world.vault.addToken({ deny: ["sys/auth", "sys/policies"] });
    const run = await wireOnce(world, {}, { config: KUBERNETES, env: { VAULT_TOKEN: limited } });
    expect(run.error).toBeDefined();
    const fail = run.log.checkpoint("eso:vault-auth", "fail");
    expect(fail?.message).toMatch(/^Vault refused to list auth methods \(sys\/auth\)/);
    expect(fail?.hint).toMatch(/set eso\.auth to existing/);
    expect(run.log.checkpoint("eso:apply", "start")).toBeUndefined();
    expect(world.kube.list("ClusterSecretStore")).toEqual([]);
    expect(run.log.text()).not.toContain(limited);
  });
});

describe("eso.auth existing", () => {
  function theirStore(
    kind: "ClusterSecretStore" | "SecretStore",
    namespace?: string,
    status?: unknown,
  ) {
    if (namespace) world.kube.createNamespace(namespace);
    // The token the platform's store reads Vault with, in its own Secret.
    putPlatformStore(world, kind, world.vault.rootToken, namespace);
    if (status) world.kube.setStatus(kind, namespace, "platform-vault", status);
  }
  const EXISTING = `${FAST}  auth: existing\n  store: platform-vault\n`;

  it("applies only the ExternalSecrets, naming the store in the start line", async () => {
    world.kube.createNamespace("external-secrets");
    theirStore("ClusterSecretStore");
    const run = await wireOnce(world, {}, { config: EXISTING });
    expect(run.log.checkpoint("eso:apply", "start")?.message).toBe(
      "applying 2 ExternalSecret(s) for the existing ClusterSecretStore platform-vault",
    );
    expect(run.result?.applied).toEqual([
      "ExternalSecret/ameide/platform-db-credentials",
      "ExternalSecret/ameide/agents-db-credentials",
    ]);
    expect(world.kube.get("Secret", "external-secrets", "vault-token")).toBeUndefined();
    expect(run.log.checkpoint("eso:store", "warn")).toBeUndefined();
    expect(run.log.checkpoint("eso:sync", "ok")?.message).toBe("2 ExternalSecret(s) Ready");
  });

  it("a store ESO reports not Ready is warned about, with the command to inspect it", async () => {
    world.kube.createNamespace("external-secrets");
    world.eso.stop();
    theirStore(
      "ClusterSecretStore",
      undefined,
      readyStatus(false, "InvalidProviderConfig", "cannot get Vault token"),
    );
    const { virtualClock } = await import("../helpers/clock.js");
    const run = await wireOnce(
      world,
      {},
      {
        config: "eso:\n  readyTimeoutSeconds: 1\n  auth: existing\n  store: platform-vault\n",
        clock: virtualClock(),
      },
    );
    const warn = run.log.checkpoint("eso:store", "warn");
    expect(warn?.message).toBe(
      "ClusterSecretStore platform-vault is not Ready (InvalidProviderConfig: cannot get Vault token): ExternalSecrets using it do not sync",
    );
    expect(warn?.hint).toBe(
      "ask its owner, or inspect it: kubectl describe clustersecretstore platform-vault",
    );
    // A warning, not a failure: the ExternalSecrets are applied all the same.
    expect(world.kube.list("ExternalSecret")).toHaveLength(2);
  });

  it("a store ESO has not validated yet (no status) is not warned about", async () => {
    world.kube.createNamespace("external-secrets");
    world.eso.stop();
    theirStore("ClusterSecretStore");
    const { virtualClock } = await import("../helpers/clock.js");
    const run = await wireOnce(
      world,
      {},
      {
        config: "eso:\n  readyTimeoutSeconds: 1\n  auth: existing\n  store: platform-vault\n",
        clock: virtualClock(),
      },
    );
    expect(run.log.checkpoint("eso:store", "warn")).toBeUndefined();
    expect(run.log.checkpoint("eso:apply", "ok")).toBeDefined();
  });

  it("a Ready SecretStore in the ExternalSecrets' namespace is used without a warning", async () => {
    theirStore("SecretStore", "ameide", readyStatus(true, "Valid", "store validated"));
    const run = await wireOnce(world, {}, { config: `${EXISTING}  storeKind: SecretStore\n` });
    expect(run.log.checkpoint("eso:apply", "start")?.message).toBe(
      "applying 2 ExternalSecret(s) for the existing SecretStore platform-vault",
    );
    expect(run.log.checkpoint("eso:store", "warn")).toBeUndefined();
    expect(run.log.checkpoint("eso:apply", "ok")).toBeDefined();
  });

  it("a SecretStore missing from one ExternalSecret's namespace fails naming that namespace", async () => {
    theirStore("SecretStore", "ameide");
    const run = await wireOnce(
      world,
      {},
      {
        config: `${EXISTING}  storeKind: SecretStore\n  externalSecrets:\n    - name: one\n      vaultPath: platform/db\n    - name: two\n      vaultPath: agents/db\n      namespace: team-b\n`,
      },
    );
    const fail = run.log.checkpoint("eso:apply", "fail");
    expect(fail?.message).toBe(
      "SecretStore team-b/platform-vault not found: eso.auth existing uses a store someone else made, and creates none",
    );
    expect(fail?.hint).toBe(
      "a SecretStore serves its own namespace only: create platform-vault in team-b, or name a ClusterSecretStore (kubectl get clustersecretstores)",
    );
    expect(world.kube.list("ExternalSecret")).toEqual([]);
  });

  it("a missing ClusterSecretStore fails with how to name the platform's store", async () => {
    const run = await wireOnce(world, {}, { config: EXISTING });
    const fail = run.log.checkpoint("eso:apply", "fail");
    expect(fail?.message).toBe(
      "ClusterSecretStore platform-vault not found: eso.auth existing uses a store someone else made, and creates none",
    );
    expect(fail?.hint).toBe(
      "set eso.store to your platform's store (kubectl get clustersecretstores), or set eso.auth to token or kubernetes to have one made",
    );
  });
});

describe("eso.refreshPolicy", () => {
  it("set and served: on the ExternalSecrets, no warning, and a rerun applies nothing", async () => {
    const config = `${FAST}  refreshPolicy: OnChange\n`;
    const first = await wireOnce(world, {}, { config });
    expect(first.log.checkpoint("eso:refresh", "warn")).toBeUndefined();
    expect(
      world.kube.get("ExternalSecret", "ameide", "platform-db-credentials")?.spec,
    ).toMatchObject({ refreshPolicy: "OnChange" });
    const again = await wireOnce(world, {}, { config });
    expect(again.result?.applied).toEqual([]);
    expect(again.log.checkpoint("eso:refresh", "warn")).toBeUndefined();
  });

  it("dropped by an API server whose ESO predates it: warned about, with ESO's interval", async () => {
    world.kube.pruned = { ExternalSecret: ["spec.refreshPolicy"] };
    const run = await wireOnce(
      world,
      {},
      { config: `${FAST}  refreshPolicy: OnChange\n  refreshInterval: 15m\n` },
    );
    const warn = run.log.checkpoint("eso:refresh", "warn");
    expect(warn?.message).toBe(
      "the installed ESO does not serve spec.refreshPolicy (external-secrets.io/v1): the cluster dropped refreshPolicy OnChange, and ESO refreshes every 15m",
    );
    expect(warn?.hint).toBe(
      "upgrade ESO (refreshPolicy needs ESO 0.10 or later), or remove eso.refreshPolicy",
    );
  });

  it("unset: nothing to warn about, whatever the API server keeps", async () => {
    world.kube.pruned = { ExternalSecret: ["spec.refreshPolicy"] };
    const run = await wireOnce(world, {}, { config: FAST });
    expect(run.log.checkpoint("eso:refresh", "warn")).toBeUndefined();
  });

  it("CreatedOnce with a refresh of named ExternalSecrets: warned about, and no stamp is set", async () => {
    const config = `${FAST}  refreshPolicy: CreatedOnce\n`;
    await wireOnce(world, {}, { config });
    const run = await wireOnce(
      world,
      { forceSync: true, refreshOnly: new Set(["agents-db-credentials"]) },
      { config },
    );
    const warn = run.log.checkpoint("eso:refresh", "warn");
    expect(warn?.message).toBe(
      "Vault changed, but the ExternalSecrets use refreshPolicy CreatedOnce: ESO keeps the Secrets it made and does not sync the new values",
    );
    expect(warn?.hint).toBe(
      "delete a target Secret to have ESO make it again, or set eso.refreshPolicy to OnChange",
    );
    expect(run.result?.applied).toEqual([]);
    expect(run.log.checkpoint("eso:sync", "ok")?.message).toBe("2 ExternalSecret(s) Ready");
  });

  it("CreatedOnce without a refresh says nothing", async () => {
    const run = await wireOnce(world, {}, { config: `${FAST}  refreshPolicy: CreatedOnce\n` });
    expect(run.log.checkpoint("eso:refresh", "warn")).toBeUndefined();
  });
});
