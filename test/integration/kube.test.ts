import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/flows/host.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli, runInProcess, setUpWith } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const FIXTURES = `paths:
  platform/db:
    DB_USERNAME: platform
    DB_PASSWORD: { derive: { length: 24, alphabet: strong } }
    DB_HOST: "127.0.0.1"
    DB_PORT: "5432"
    DB_NAME: platform
    DATABASE_URL: { template: "postgresql://\${DB_USERNAME}:\${DB_PASSWORD | urlencode}@\${DB_HOST}:\${DB_PORT}/\${DB_NAME}" }
  agents/db:
    DB_USERNAME: agents
    DB_PASSWORD: { derive: { length: 24 } }
    DB_HOST: "::1"
    DB_PORT: "5432"
    DB_NAME: agents
`;
// The ESO deadline bounds a failure; every test waits for ESO's status, never for the deadline.
const CONFIG = "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 30\n";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({ "dev-bootstrap.yaml": CONFIG, "vault/fixtures/db.yaml": FIXTURES });
});
afterEach(async () => world.stop());

// The flows run in-process against the in-process stand-ins (the same command code
// as the built entrypoint); the race between two runs uses real processes. A test
// whose run waits out backoffs or a deadline (nothing it waits for happens in real
// time) passes a virtualClock, which records those waits instead of spending them.
const cli = (args: string[], extra: Record<string, string> = {}, clock?: Clock) =>
  runInProcess(args, {
    cwd: ws.dir,
    env: cleanEnv({ ...world.env, ...extra }),
    ...(clock ? { clock } : {}),
  });
const spawned = (args: string[]) => runCli(args, { cwd: ws.dir, env: cleanEnv({ ...world.env }) });
/** A set-up step (its output is not under test), run in-process. */
const setUp = (args: string[]) => setUpWith(args, { cwd: ws.dir, env: cleanEnv({ ...world.env }) });
const writes = () =>
  world.kube.requests.filter((r) =>
    ["POST", "PUT", "PATCH", "DELETE", "create", "update", "patch", "delete"].includes(r.verb),
  );
const secretWrites = () => writes().filter((r) => r.path.includes("/secrets"));
const allSecretValues = () => {
  const out: string[] = [];
  for (const p of ["platform/db", "agents/db"]) {
    const d = world.vault.read("secret", p);
    if (d) out.push(String(d.DB_PASSWORD), String(d.DATABASE_URL ?? ""));
  }
  return out.filter((v) => v.length > 3);
};
const expectNoSecrets = (...texts: string[]) => {
  for (const t of texts)
    for (const s of [...allSecretValues(), world.vault.rootToken, world.kube.token])
      expect(t).not.toContain(s);
};

describe("connections to the Kubernetes API", () => {
  it("are reused across requests, over TLS: one handshake serves many requests", async () => {
    const tlsWorld = await startWorld({ tls: true });
    try {
      const r = await runCli(["ensure-local-secrets"], {
        cwd: ws.dir,
        env: cleanEnv(tlsWorld.env),
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const requests = tlsWorld.kube.requests.length;
      expect(requests).toBeGreaterThanOrEqual(10);
      // At most one connection per request running at the same time, not one per request.
      expect(tlsWorld.kube.connections).toBeLessThanOrEqual(8);
    } finally {
      await tlsWorld.stop();
    }
  });
});

describe("ensure-local-secrets: ESO wiring", () => {
  it("applies the store and its token before any ExternalSecret that names the store", async () => {
    const r = await cli(["ensure-local-secrets"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const applies = world.kube.requests.filter((q) => q.verb === "patch");
    const last = (re: RegExp) => applies.map((q) => re.test(q.path)).lastIndexOf(true);
    const first = (re: RegExp) => applies.findIndex((q) => re.test(q.path));
    expect(first(/\/externalsecrets\//)).toBeGreaterThan(last(/\/clustersecretstores\//));
    expect(first(/\/externalsecrets\//)).toBeGreaterThan(last(/\/secrets\//));
    expect(applies.filter((q) => /\/externalsecrets\//.test(q.path))).toHaveLength(2);
  });

  it("applies the store and ExternalSecrets, waits for Ready, and a rerun writes nothing", async () => {
    const r = await cli(["ensure-local-secrets"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[eso:detect\] ✔ ESO serves external-secrets\.io\/v1/);
    expect(r.stdout).toMatch(/\[eso:apply\] ✔ applied 4, unchanged 0; refresh requested/);
    expect(r.stdout).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);
    expect(world.kube.get("ClusterSecretStore", undefined, "ameide-vault")?.spec).toMatchObject({
      provider: {
        vault: {
          server: world.vaultAddr,
          path: "secret",
          version: "v2",
          auth: {
            tokenSecretRef: { name: "vault-token", namespace: "external-secrets", key: "token" },
          },
        },
      },
    });
    expect(world.kube.secretData("ameide", "platform-db-credentials")?.DB_USERNAME).toBe(
      "platform",
    );
    expect(
      world.kube.requests
        .filter((q) => q.verb === "patch")
        .every((q) => q.fieldManager === "dev-bootstrap"),
    ).toBe(true);
    expectNoSecrets(r.stdout, r.stderr, ws.journal());

    const before = writes().length;
    const versions = world.vault.totalVersions();
    const again = await cli(["ensure-local-secrets"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/applied 0, unchanged 4\b/);
    expect(writes().length).toBe(before);
    expect(world.vault.totalVersions()).toBe(versions);
  });

  it("requests a refresh with the force-sync annotation when Vault changed", async () => {
    await setUp(["ensure-local-secrets"]);
    const forceSync = (name: string) =>
      world.kube.get("ExternalSecret", "ameide", name)?.metadata.annotations?.["force-sync"];
    const first = forceSync("platform-db-credentials");
    expect(first).toMatch(/^\d+$/);
    const agents = forceSync("agents-db-credentials");
    ws.write("vault/fixtures/db.yaml", FIXTURES.replace("DB_NAME: platform", "DB_NAME: platform2"));
    const r = await cli(["ensure-local-secrets"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("refresh requested");
    // Only the ExternalSecret reading the written path is asked to refresh: agents/db
    // did not change, so its ExternalSecret is left alone (no write, no resync).
    expect(forceSync("agents-db-credentials")).toBe(agents);
    expect(
      world.kube.get("ExternalSecret", "ameide", "platform-db-credentials")?.metadata.annotations?.[
        "force-sync"
      ],
    ).not.toBe(first);
    expect(world.kube.secretData("ameide", "platform-db-credentials")?.DB_NAME).toBe("platform2");
  });

  it("says when ESO is not installed, without crashing on discovery (FAULTS 16)", async () => {
    world.kube.esoVersion = "none";
    const r = await cli(["ensure-local-secrets"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /External Secrets Operator is not installed: the cluster serves no external-secrets\.io API .*— hint: install ESO/,
    );
    expect(world.vault.totalVersions()).toBeGreaterThan(0);
  });

  it("detects an older ESO serving v1beta1 and says so (FAULTS 16)", async () => {
    world.kube.esoVersion = "v1beta1";
    const r = await cli(["ensure-local-secrets"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:detect\] ⚠ using external-secrets\.io\/v1beta1: this ESO is older/,
    );
    const pinned = await cli(["ensure-local-secrets"], {
      DEV_BOOTSTRAP_CONFIG: ws.write("v1.yaml", `${CONFIG}  apiVersion: v1\n`),
    });
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(
      /ESO serves external-secrets\.io\/v1beta1, but config asks for external-secrets\.io\/v1/,
    );
  });

  it("reports SecretSyncedError as a warning and keeps the old Secret (FAULTS 17)", async () => {
    await setUp(["ensure-local-secrets"]);
    const old = world.kube.secretData("ameide", "platform-db-credentials");
    world.eso.failWith = "cannot read secret data from Vault: Code: 403";
    const r = await cli(["ensure-local-secrets", "--refresh"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\[eso:sync\] ⚠ ExternalSecret ameide\/\S+ not Ready: SecretSyncedError: cannot read secret data from Vault: Code: 403/,
    );
    expect(world.kube.secretData("ameide", "platform-db-credentials")).toEqual(old);
  });

  it("names the failed ExternalSecret, not one still showing its Ready from before the refresh (FAULTS 17)", async () => {
    await setUp(["ensure-local-secrets"]);
    // ESO stops reconciling: platform keeps its old Ready, agents has failed.
    world.eso.stop();
    const agents = world.kube.get("ExternalSecret", "ameide", "agents-db-credentials")!;
    world.kube.setStatus("ExternalSecret", "ameide", "agents-db-credentials", {
      ...(agents.status as object),
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "SecretSyncedError",
          message: "could not get secret data from provider",
        },
      ],
    });
    // Both statuses predate the refresh, so neither ends the wait: with ESO stopped it
    // runs to its deadline (short here), then names the failed one first.
    const short = ws.write(
      "short.yaml",
      CONFIG.replace("readyTimeoutSeconds: 30", "readyTimeoutSeconds: 2"),
    );
    const clock = virtualClock();
    const r = await cli(
      ["ensure-local-secrets", "--refresh"],
      { DEV_BOOTSTRAP_CONFIG: short },
      clock,
    );
    expect(r.code).toBe(0);
    // it polled until the 2 s deadline (Vault's health was answered at once)
    expect(clock.elapsed()).toBe(2000);
    expect(r.stdout).toMatch(
      /\[eso:sync\] ⚠ ExternalSecret ameide\/agents-db-credentials not Ready: SecretSyncedError: could not get secret data from provider \(and 1 more\)/,
    );
  });

  it("fails naming the field and manager on an apply conflict; --force-conflicts takes over (FAULTS 13)", async () => {
    world.kube.put(
      {
        apiVersion: "external-secrets.io/v1",
        kind: "ClusterSecretStore",
        metadata: { name: "ameide-vault" },
        spec: { provider: { vault: { server: "http://elsewhere:8200" } } },
      },
      "helm",
    );
    const r = await cli(["ensure-local-secrets"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ClusterSecretStore ameide-vault: field \.spec\.provider\.vault\.server is owned by another field manager \(conflict with "helm"/,
    );
    expect(r.stdout).toMatch(/hint: rerun with --force-conflicts/);
    const forced = await cli(["ensure-local-secrets", "--force-conflicts"]);
    expect(forced.code).toBe(0);
    expect(
      (
        world.kube.get("ClusterSecretStore", undefined, "ameide-vault")!.spec as {
          provider: { vault: { server: string } };
        }
      ).provider.vault.server,
    ).toBe(world.vaultAddr);
  });

  it("--skip-eso never touches Kubernetes", async () => {
    const r = await cli(["ensure-local-secrets", "--skip-eso"]);
    expect(r.code).toBe(0);
    expect(world.kube.requests).toHaveLength(0);
  });
});

describe("bootstrap-db-migrations-secret", () => {
  it("builds the secret from the ESO-managed credentials; a rerun performs no write", async () => {
    await setUp(["ensure-local-secrets"]);
    const r = await cli(["bootstrap-db-migrations-secret"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\[db-migrations-secret\] ✔ db-migrations Flyway secret ensured \(written; from platform-db-credentials \(ESO\), agents-db-credentials \(ESO\)\)/,
    );
    const s = world.kube.secretData("ameide", "db-migrations-local")!;
    const platformPw = String(world.vault.read("secret", "platform/db")?.DB_PASSWORD);
    expect(s).toEqual({
      FLYWAY_URL: "jdbc:postgresql://127.0.0.1:5432/platform",
      FLYWAY_USER: "platform",
      FLYWAY_PASSWORD: platformPw,
      AGENTS_FLYWAY_URL: "jdbc:postgresql://[::1]:5432/agents",
      AGENTS_FLYWAY_USER: "agents",
      AGENTS_FLYWAY_PASSWORD: String(world.vault.read("secret", "agents/db")?.DB_PASSWORD),
    });
    expect(
      world.kube.get("Secret", "ameide", "db-migrations-local")?.metadata.labels,
    ).toMatchObject({ "app.kubernetes.io/managed-by": "dev-bootstrap" });
    expectNoSecrets(r.stdout, r.stderr, ws.journal());
    const before = secretWrites().length;
    const again = await cli(["bootstrap-db-migrations-secret"]);
    expect(again.stdout).toContain("db-migrations Flyway secret ensured (unchanged;");
    expect(secretWrites().length).toBe(before);
  });

  it("ensure restores a drifted managed-by label, keeping the data and the other labels", async () => {
    await setUp(["ensure-local-secrets"]);
    await setUp(["bootstrap-db-migrations-secret"]);
    const secret = world.kube.get("Secret", "ameide", "db-migrations-local")!;
    const data = world.kube.secretData("ameide", "db-migrations-local");
    // Someone relabelled it by hand (or another tool claimed it); the data is ours.
    world.kube.put(
      {
        ...secret,
        metadata: {
          ...secret.metadata,
          labels: { "app.kubernetes.io/managed-by": "helm", team: "platform" },
        },
      },
      "kubectl-edit",
    );
    const before = secretWrites().length;
    const r = await cli(["bootstrap-db-migrations-secret"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("db-migrations Flyway secret ensured (written;");
    expect(secretWrites().length).toBe(before + 1);
    expect(world.kube.get("Secret", "ameide", "db-migrations-local")?.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "dev-bootstrap",
      team: "platform",
    });
    expect(world.kube.secretData("ameide", "db-migrations-local")).toEqual(data);
    // Once restored, a rerun writes nothing.
    const again = await cli(["bootstrap-db-migrations-secret"]);
    expect(again.stdout).toContain("db-migrations Flyway secret ensured (unchanged;");
    expect(secretWrites().length).toBe(before + 1);
  });

  it("falls back to the Vault defaults when ESO has not synced, and says so", async () => {
    await setUp(["ensure-local-secrets", "--skip-eso"]);
    const r = await cli(["bootstrap-db-migrations-secret"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /secret ameide\/platform-db-credentials does not exist \(ESO has not synced it\); using the Vault defaults at secret\/platform\/db/,
    );
    expect(r.stdout).toMatch(
      /from Vault secret\/platform\/db \(fallback\), Vault secret\/agents\/db \(fallback\)/,
    );
    expect(world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_USER).toBe("platform");
  });

  it("verify mode never fabricates: lists every missing secret with its fix, writes nothing", async () => {
    await setUp(["ensure-local-secrets", "--skip-eso"]);
    const r = await cli(["bootstrap-db-migrations-secret", "--mode", "verify"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /secret ameide\/platform-db-credentials does not exist \(ESO has not synced it\) — fix: dev-bootstrap ensure-local-secrets/,
    );
    expect(r.stderr).toMatch(/secret ameide\/agents-db-credentials does not exist/);
    expect(world.kube.get("Secret", "ameide", "db-migrations-local")).toBeUndefined();
  });

  it("verify mode writes nothing even when ESO sources are complete: it reports the create", async () => {
    await setUp(["ensure-local-secrets"]);
    const r = await cli(["bootstrap-db-migrations-secret", "--mode", "verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "secret ameide/db-migrations-local does not exist (ensure would create it",
    );
    expect(world.kube.get("Secret", "ameide", "db-migrations-local")).toBeUndefined();
  });

  it("re-reads and retries a 409 Conflict on update; fails without losing data when it persists (FAULTS 11)", async () => {
    await setUp(["ensure-local-secrets"]);
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "db-migrations-local", namespace: "ameide" },
        data: { KEEP: Buffer.from("mine").toString("base64") },
      },
      "kubectl-edit",
    );
    world.kube.failures.push({
      verb: "update",
      resource: "secrets",
      code: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on secrets "db-migrations-local": the object has been modified',
      times: 2,
    });
    const clock = virtualClock();
    const r = await cli(["bootstrap-db-migrations-secret"], {}, clock);
    expect(r.code, r.stdout).toBe(0);
    // a backoff after each of the two conflicts, before re-reading
    expect(clock.sleeps).toHaveLength(2);
    expect(r.stdout).toMatch(/Conflict; re-reading \(attempt 1 of 4\)/);
    expect(world.kube.secretData("ameide", "db-migrations-local")).toMatchObject({
      KEEP: "mine",
      FLYWAY_USER: "platform",
    });
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "db-migrations-local", namespace: "ameide" },
        data: { KEEP: Buffer.from("mine").toString("base64") },
      },
      "kubectl-edit",
    );
    world.kube.failures.push({
      verb: "update",
      resource: "secrets",
      code: 409,
      reason: "Conflict",
      message: "modified",
      times: 10,
    });
    const stuckClock = virtualClock();
    const stuck = await cli(["bootstrap-db-migrations-secret"], {}, stuckClock);
    expect(stuck.code).toBe(1);
    expect(stuck.stdout).toMatch(
      /kept changing while we wrote it \(4 conflicts\); nothing was lost/,
    );
    expect(stuckClock.sleeps).toHaveLength(4); // a backoff after each conflict
    expect(world.kube.secretData("ameide", "db-migrations-local")).toEqual({ KEEP: "mine" });
  });

  it("falls through from 409 AlreadyExists on create, and identical data means no write (FAULTS 12)", async () => {
    await setUp(["ensure-local-secrets"]);
    world.kube.failures.push({
      verb: "create",
      resource: "secrets",
      code: 409,
      reason: "AlreadyExists",
      message: 'secrets "db-migrations-local" already exists',
      times: 1,
    });
    const r = await cli(["bootstrap-db-migrations-secret"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/AlreadyExists; re-reading/);
    const before = secretWrites().length;
    expect((await cli(["bootstrap-db-migrations-secret"])).code).toBe(0);
    expect(secretWrites().length).toBe(before);
  });

  it("surfaces the 422 of an immutable secret without values; --recreate replaces it (FAULTS 14)", async () => {
    await setUp(["ensure-local-secrets"]);
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        immutable: true,
        metadata: { name: "db-migrations-local", namespace: "ameide" },
        data: { FLYWAY_USER: Buffer.from("old").toString("base64") },
      },
      "someone",
    );
    const r = await cli(["bootstrap-db-migrations-secret"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /secret ameide\/db-migrations-local is immutable and its data would change \(HTTP 422 Invalid\).*hint: rerun with --recreate/,
    );
    expectNoSecrets(r.stdout, r.stderr, ws.journal());
    const fixed = await cli(["bootstrap-db-migrations-secret", "--recreate"]);
    expect(fixed.code).toBe(0);
    expect(world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_USER).toBe("platform");
  });

  it("rejects oversized or non-UTF-8 data locally before any write (FAULTS 15)", async () => {
    world.kube.createNamespace("ameide");
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "platform-db-credentials", namespace: "ameide" },
        data: {
          DATABASE_URL: Buffer.from(`postgresql://u:${"x".repeat(1_100_000)}@h/platform`).toString(
            "base64",
          ),
        },
      },
      "external-secrets",
    );
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "agents-db-credentials", namespace: "ameide" },
        data: {
          DATABASE_URL: "postgresql://u:p@h/agents".replace(/.*/, (u) =>
            Buffer.from(u).toString("base64"),
          ),
        },
      },
      "external-secrets",
    );
    const r = await cli(["bootstrap-db-migrations-secret", "--mode", "verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /secret ameide\/db-migrations-local: data is \d+ bytes; a Secret holds at most 1048576/,
    );
    expect(secretWrites()).toHaveLength(0);
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "platform-db-credentials", namespace: "ameide" },
        data: { DATABASE_URL: Buffer.from([0xff, 0xfe, 0x00]).toString("base64") },
      },
      "external-secrets",
    );
    const binary = await cli(["bootstrap-db-migrations-secret", "--mode", "verify"]);
    expect(binary.code).toBe(1);
    expect(binary.stdout + binary.stderr).toMatch(
      /platform-db-credentials lacks DATABASE_URL \(or DB_USERNAME, DB_PASSWORD, DB_HOST, DB_NAME\), DATABASE_URL \(not UTF-8\)/,
    );
  });

  it("creates a missing namespace, or fails with the command when configured (FAULTS 18)", async () => {
    await setUp(["ensure-local-secrets", "--skip-eso"]);
    const failCfg = ws.write("fail.yaml", `${CONFIG}kube:\n  namespaceMissing: fail\n`);
    const r = await cli(["bootstrap-db-migrations-secret"], { DEV_BOOTSTRAP_CONFIG: failCfg });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /namespace ameide does not exist .*— hint: create it: kubectl create namespace ameide/,
    );
    const ok = await cli(["bootstrap-db-migrations-secret"]);
    expect(ok.code).toBe(0);
    expect(world.kube.get("Namespace", undefined, "ameide")).toBeDefined();
  });

  it("says which verb on which resource RBAC forbids (FAULTS 19)", async () => {
    await setUp(["ensure-local-secrets"]);
    world.kube.deny.push({ verb: "get", resource: "secrets", namespace: "ameide" });
    const r = await cli(["bootstrap-db-migrations-secret"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /forbidden: cannot get secrets in namespace ameide \(RBAC\).*kubectl auth can-i get secrets -n ameide/,
    );
  });

  it("serialises two runs at once: both succeed, one write (FAULTS 30)", async () => {
    await setUp(["ensure-local-secrets"]);
    const [a, b] = await Promise.all([
      spawned(["bootstrap-db-migrations-secret"]),
      spawned(["bootstrap-db-migrations-secret"]),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const written = [a.stdout, b.stdout].filter((o) => o.includes("ensured (written")).length;
    expect(written).toBe(1);
    expect(
      secretWrites().filter((w) => w.path.includes("db-migrations-local") || w.verb === "create"),
    ).toHaveLength(1);
  });

  it("reports an unreachable API server clearly", async () => {
    await world.kube.close();
    const clock = virtualClock();
    const r = await cli(["bootstrap-db-migrations-secret"], {}, clock);
    expect(r.code).toBe(1);
    // bounded: the default 3 attempts, two backoffs between them
    expect(r.stdout).toMatch(/ECONNREFUSED; 3 attempts/);
    expect(clock.sleeps).toHaveLength(2);
    expect(r.stdout).toMatch(/Kubernetes API unreachable at http:\/\/127\.0\.0\.1:\d+/);
  });
});

describe("check-db-migrations-secret", () => {
  it("exits 3 when the secret is missing, 4 when a URL holds credentials, 0 when valid", async () => {
    const missing = await cli(["check-db-migrations-secret"]);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toMatch(
      /secret ameide\/db-migrations-local does not exist — Flyway would fail with 'FLYWAY_URL not set'/,
    );
    await setUp(["ensure-local-secrets"]);
    await setUp(["bootstrap-db-migrations-secret"]);
    const ok = await cli(["check-db-migrations-secret", "--json"]);
    expect(ok.code).toBe(0);
    const json = JSON.parse(ok.stdout);
    expect(json).toMatchObject({
      result: "ok",
      databases: [
        { database: "platform", status: "ok" },
        { database: "agents", status: "ok" },
      ],
    });
    expectNoSecrets(ok.stdout, ok.stderr);
    const s = world.kube.get("Secret", "ameide", "db-migrations-local")!;
    (s.data as Record<string, string>).AGENTS_FLYWAY_URL = Buffer.from(
      "jdbc:postgresql://h:1/agents?password=oops-leaked",
    ).toString("base64");
    world.kube.put(s, "kubectl-edit");
    const invalid = await cli(["check-db-migrations-secret"]);
    expect(invalid.code).toBe(4);
    expect(invalid.stdout).toMatch(/AGENTS_FLYWAY_URL holds credentials/);
    // Flyway reads the secret as the check does: the same problem, before Flyway starts.
    const flyway = await cli(["run-flyway-cli", "info"]);
    expect(flyway.code).toBe(1);
    expect(flyway.stdout + flyway.stderr).toMatch(
      /no usable Flyway connection for agents: secret ameide\/db-migrations-local: AGENTS_FLYWAY_URL holds credentials/,
    );
    expect(flyway.stdout + flyway.stderr).not.toContain("oops-leaked");
    delete (s.data as Record<string, string>).FLYWAY_USER;
    world.kube.put(s, "kubectl-edit");
    const missingKey = await cli(["check-db-migrations-secret", "--json"]);
    expect(missingKey.code).toBe(3);
    expect(JSON.parse(missingKey.stdout).databases[0].problems).toEqual(["FLYWAY_USER is missing"]);
  });
});
