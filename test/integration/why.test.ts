/**
 * `dev-bootstrap why`: one link broken at a time, behind the tool's back as it
 * happens in real life (Vault edited by hand, an ExternalSecret deleted or failing,
 * ESO keeping an old value, the migrations secret deleted or corrupted); each time
 * the first broken link, its fix, and not one write in the stand-ins' request logs.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runInProcess } from "../helpers/cli.js";
import { spawnCli } from "../helpers/spawned.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 20\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
});
afterEach(async () => world.stop());

const cli = (args: string[], extra: Record<string, string> = {}) =>
  runInProcess(args, { cwd: ws.dir, env: cleanEnv({ ...world.env, ...extra }) });
const vaultPassword = (path = "platform/db") =>
  String(world.vault.read("secret", path)?.DB_PASSWORD);

interface Report {
  ok: boolean;
  firstBroken: string | null;
  links: Array<{
    id: string;
    status: string;
    summary: string;
    evidence: string[];
    fix: string | null;
  }>;
}

/** Runs `why --json` and returns the report, after checking nothing was written. */
async function why(
  args: string[] = [],
  extra: Record<string, string> = {},
): Promise<Report & { code: number; out: string }> {
  const vaultFrom = world.vault.requests.length;
  const kubeFrom = world.kube.requests.length;
  const r = await cli(["why", "--json", ...args], extra);
  const vaultWrites = world.vault.requests
    .slice(vaultFrom)
    .filter((q) => ["POST", "PUT", "PATCH", "DELETE"].includes(q.method));
  const kubeWrites = world.kube.requests
    .slice(kubeFrom)
    .filter((q) => !["get", "list", "watch", "discovery"].includes(q.verb.toLowerCase()));
  expect(vaultWrites, "why wrote to Vault").toEqual([]);
  expect(kubeWrites, "why wrote to Kubernetes").toEqual([]);
  return { ...(JSON.parse(r.stdout) as Report), code: r.code, out: r.stdout + r.stderr };
}

async function ready(): Promise<void> {
  expect((await cli(["ensure-local-secrets"])).code).toBe(0);
  expect((await cli(["bootstrap-db-migrations-secret"])).code).toBe(0);
}

describe("dev-bootstrap why", () => {
  it("a healthy chain: every link up to the migrations secret ok, the database links unchecked, exit 0", async () => {
    await ready();
    const r = await why();
    expect(r.code, r.out).toBe(0);
    expect(r.ok).toBe(true);
    expect(r.firstBroken).toBeNull();
    expect(r.links.map((l) => [l.id, l.status])).toEqual([
      ["fixtures", "ok"],
      ["vault", "ok"],
      ["vault-data", "ok"],
      ["eso", "ok"],
      ["external-secrets", "ok"],
      ["source-secrets", "ok"],
      ["migrations-secret", "ok"],
      ["database-login", "unchecked"],
      ["flyway", "unchecked"],
    ]);
  });

  it("fixtures that do not parse: the first link, with the file's position", async () => {
    await ready();
    ws.write("vault/fixtures/broken.yaml", "paths:\n  other/db:\n    KEY: [unclosed\n");
    const r = await why();
    expect(r.code, r.out).toBe(1);
    expect(r.firstBroken).toBe("fixtures");
    const link = r.links[0]!;
    expect(link.summary).toMatch(/broken\.yaml:\d+:\d+/);
    expect(link.fix).toMatch(/dev-bootstrap ensure-local-secrets$/);
    expect(r.links.slice(1).every((l) => l.status === "skipped")).toBe(true);
  });

  it("a sealed Vault: the vault link, with the unseal command", async () => {
    await ready();
    world.vault.faults.sealed = true;
    const r = await why();
    expect(r.code, r.out).toBe(1);
    expect(r.firstBroken).toBe("vault");
    const link = r.links.find((l) => l.id === "vault")!;
    expect(link.summary).toMatch(/^Vault sealed at http:\/\/127\.0\.0\.1:\d+$/);
    expect(link.fix).toMatch(/vault operator unseal/);
  });

  it("Vault edited by hand: vault-data names the path and key, compares by fingerprint, never shows a value", async () => {
    await ready();
    const before = world.vault.read("secret", "platform/db")!;
    world.vault.writeDirect("secret", "platform/db", {
      ...before,
      DB_PASSWORD: "typed-by-hand-1234",
    });
    const r = await why();
    expect(r.code, r.out).toBe(1);
    expect(r.firstBroken).toBe("vault-data");
    const link = r.links.find((l) => l.id === "vault-data")!;
    expect(link.summary).toMatch(
      /^secret\/platform\/db \(version 2\) does not hold what .*db\.yaml derives: DB_PASSWORD differs/,
    );
    expect(link.fix).toMatch(/^dev-bootstrap ensure-local-secrets/);
    expect(link.evidence.join("\n")).toMatch(
      /secret\/platform\/db DB_PASSWORD: Vault hmac:[0-9a-f]{12}, fixtures hmac:[0-9a-f]{12}/,
    );
    expect(r.out).not.toContain("typed-by-hand-1234");
    expect(r.out).not.toContain(String(before.DB_PASSWORD));
    // The fix fixes it.
    expect((await cli(link.fix!.split("   ")[0]!.split(" ").slice(1))).code).toBe(0);
    expect((await why()).firstBroken).toBe(null);
  });

  it("the store's token Secret deleted: eso, the store not Ready, with ESO's condition", async () => {
    await ready();
    world.kube.remove("Secret", "external-secrets", "vault-token");
    await world.eso.validateStore("ameide-vault");
    const r = await why();
    expect(r.code, r.out).toBe(1);
    expect(r.firstBroken).toBe("eso");
    const link = r.links.find((l) => l.id === "eso")!;
    expect(link.summary).toMatch(
      /^ClusterSecretStore ameide-vault is not Ready: InvalidProviderConfig: /,
    );
    expect(link.fix).toMatch(/^dev-bootstrap ensure-local-secrets/);
  });

  it("an ExternalSecret deleted: external-secrets, fixed by ensure-local-secrets", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("ExternalSecret", "ameide", "agents-db-credentials");
    const r = await why();
    expect(r.firstBroken).toBe("external-secrets");
    expect(r.links.find((l) => l.id === "external-secrets")).toMatchObject({
      summary: "ExternalSecret ameide/agents-db-credentials does not exist",
      fix: "dev-bootstrap ensure-local-secrets",
    });
  });

  it("Vault rotated while ESO cannot sync: external-secrets, not Ready with ESO's message", async () => {
    await ready();
    world.eso.failWith = "cannot read secret data from Vault: Code: 403. Errors: permission denied";
    expect((await cli(["ensure-local-secrets"], { DEV_BOOTSTRAP_SEED: "rotated" })).code).toBe(0);
    const r = await why([], { DEV_BOOTSTRAP_SEED: "rotated" });
    expect(r.code, r.out).toBe(1);
    expect(r.firstBroken).toBe("external-secrets");
    const link = r.links.find((l) => l.id === "external-secrets")!;
    expect(link.summary).toMatch(
      /^ExternalSecret ameide\/platform-db-credentials is not Ready: SecretSyncedError: cannot read secret data from Vault: Code: 403/,
    );
    expect(link.fix).toMatch(/^dev-bootstrap ensure-local-secrets --refresh/);
  });

  it("ESO kept an old value while saying Ready: synced before Vault's last write", async () => {
    await ready();
    world.eso.stop();
    expect(
      (await cli(["ensure-local-secrets", "--skip-eso"], { DEV_BOOTSTRAP_SEED: "rotated" })).code,
    ).toBe(0);
    // Its last refresh an hour ago (refreshInterval: 1h), as ESO reports it.
    const es = world.kube.get("ExternalSecret", "ameide", "platform-db-credentials")!;
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");
    world.kube.setStatus("ExternalSecret", "ameide", "platform-db-credentials", {
      ...(es.status as object),
      refreshTime: hourAgo,
    });
    const r = await why([], { DEV_BOOTSTRAP_SEED: "rotated" });
    expect(r.firstBroken).toBe("external-secrets");
    const link = r.links.find((l) => l.id === "external-secrets")!;
    const written = world.vault.mounts.get("secret")!.kv.get("platform/db")!.versions.get(2)!;
    expect(link.summary).toBe(
      `ExternalSecret ameide/platform-db-credentials last synced at ${hourAgo}, before Vault's write of secret/platform/db (version 2 at ${written.created_time})`,
    );
    expect(link.fix).toBe("dev-bootstrap ensure-local-secrets --refresh");
  });

  it("a source Secret that differs from Vault while its ExternalSecret says Ready: source-secrets, by fingerprint", async () => {
    await ready();
    // ESO would rewrite it at its next refresh; until then the edit stands.
    world.eso.stop();
    const s = world.kube.get("Secret", "ameide", "platform-db-credentials")!;
    world.kube.put(
      {
        ...s,
        data: {
          ...(s.data as object),
          DB_PASSWORD: Buffer.from("edited-in-k9s").toString("base64"),
        },
      },
      "kubectl-edit",
    );
    const r = await why();
    expect(r.firstBroken).toBe("source-secrets");
    const link = r.links.find((l) => l.id === "source-secrets")!;
    expect(link.summary).toBe(
      "secret ameide/platform-db-credentials does not hold Vault's values at secret/platform/db: DB_PASSWORD differs",
    );
    expect(link.fix).toMatch(/^dev-bootstrap ensure-local-secrets --refresh/);
    expect(link.evidence.join("\n")).toMatch(/DB_PASSWORD: secret hmac:\w{12}, Vault hmac:\w{12}/);
    expect(r.out).not.toContain("edited-in-k9s");
  });

  it("the migrations secret deleted: migrations-secret, 'FLYWAY_URL not set', fixed by the bootstrap", async () => {
    await ready();
    world.kube.remove("Secret", "ameide", "db-migrations-local");
    const r = await why();
    expect(r.firstBroken).toBe("migrations-secret");
    expect(r.links.find((l) => l.id === "migrations-secret")).toMatchObject({
      summary:
        "secret ameide/db-migrations-local does not exist — Flyway would fail with 'FLYWAY_URL not set'",
      fix: "dev-bootstrap bootstrap-db-migrations-secret",
    });
  });

  it("the migrations secret corrupted: a URL holding credentials, then a password that is not the sources'", async () => {
    await ready();
    const s = world.kube.get("Secret", "ameide", "db-migrations-local")!;
    const b64 = (v: string) => Buffer.from(v).toString("base64");
    world.kube.put(
      {
        ...s,
        data: { ...(s.data as object), FLYWAY_URL: b64("jdbc:postgresql://u:p@db:5432/platform") },
      },
      "kubectl-edit",
    );
    let r = await why();
    expect(r.firstBroken).toBe("migrations-secret");
    expect(r.links.find((l) => l.id === "migrations-secret")!.summary).toMatch(
      /^secret ameide\/db-migrations-local: platform: FLYWAY_URL /,
    );
    world.kube.put(
      { ...s, data: { ...(s.data as object), AGENTS_FLYWAY_PASSWORD: b64("not-the-password") } },
      "kubectl-edit",
    );
    r = await why();
    const link = r.links.find((l) => l.id === "migrations-secret")!;
    expect(link.summary).toBe(
      "secret ameide/db-migrations-local does not match its sources: AGENTS_FLYWAY_PASSWORD differs",
    );
    expect(link.fix).toBe("dev-bootstrap bootstrap-db-migrations-secret");
    expect(r.out).not.toContain("not-the-password");
    expect(r.out).not.toContain(vaultPassword("agents/db"));
  });

  it("the human report: a line per link, the evidence and the fix; --database picks one", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("Secret", "ameide", "agents-db-credentials");
    const r = await cli(["why"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fixtures {11}ok {7}1 path|^fixtures\s+ok\s+/m);
    expect(r.stdout).toMatch(
      /^source-secrets\s+BROKEN\s+secret ameide\/agents-db-credentials does not exist/m,
    );
    expect(r.stdout).toMatch(
      /^migrations-secret\s+skipped\s+not checked: source-secrets is broken$/m,
    );
    expect(r.stdout).toMatch(/^database-login\s+skipped/m);
    expect(r.stdout).toMatch(/^ {2}fix: {2}dev-bootstrap ensure-local-secrets --refresh/m);
    const platform = await why(["--database", "platform"]);
    expect(platform.code, platform.out).toBe(0);
    const unknown = await cli(["why", "--database", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no database 'nope' in migrations\.databases/);
  });
});

describe("dev-bootstrap wait (the built CLI, as Tilt runs it)", () => {
  it("waits with a line naming the broken link, and returns as soon as the chain heals", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("Secret", "ameide", "db-migrations-local");
    const kubeFrom = world.kube.requests.length;
    const vaultFrom = world.vault.requests.length;
    const run = spawnCli(["wait", "--timeout", "120"], { cwd: ws.dir, env: cleanEnv(world.env) });
    await run.waitFor(
      /waiting for migrations-secret — .*FLYWAY_URL not set.*fix: dev-bootstrap bootstrap-db-migrations-secret/,
    );
    // While it waits, it only reads.
    expect(
      world.kube.requests
        .slice(kubeFrom)
        .filter((q) => !["get", "list", "watch", "discovery"].includes(q.verb.toLowerCase())),
    ).toEqual([]);
    expect(world.vault.requests.slice(vaultFrom).filter((q) => q.method !== "GET")).toEqual([]);
    expect((await cli(["bootstrap-db-migrations-secret"])).code).toBe(0);
    const healed = Date.now();
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    // The next poll is at most 2 s away; a busy machine gets as much again.
    expect(Date.now() - healed).toBeLessThan(6000);
    expect(run.output()).toMatch(/\[wait\] .*no broken link after \d+ s/);
  });

  it("gives up at its timeout with exit 1, the first broken link and its fix", async () => {
    world.vault.faults.sealed = true;
    const run = spawnCli(["wait", "--timeout", "1"], { cwd: ws.dir, env: cleanEnv(world.env) });
    expect(await run.exited, run.output()).toBe(1);
    expect(run.output()).toMatch(/still broken after 1 s: vault — Vault sealed at/);
    expect(run.output()).toMatch(/fix: unseal it \('vault operator unseal'\)/);
    expect(world.vault.requests.filter((q) => q.method !== "GET")).toEqual([]);
  });
});

describe("failing commands end with the first broken link and its fix", () => {
  it("post-start: after its summary table", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("ClusterSecretStore", undefined, "ameide-vault");
    // ESO's controller is down: ensure-local-secrets re-applies the store, nobody
    // validates it, the ExternalSecrets never turn Ready, the bootstrap (verify) fails.
    ws.write(
      "dev-bootstrap.yaml",
      "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 1\nmigrations:\n  mode: verify\n",
    );
    world.kube.remove("Secret", "ameide", "platform-db-credentials");
    const r = await cli(["post-start", "--no-tilt"]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const tail = r.stdout.slice(r.stdout.lastIndexOf("why: "));
    expect(r.stdout.lastIndexOf("why: ")).toBeGreaterThan(r.stdout.indexOf("db-migrations-secret"));
    expect(tail).toMatch(
      /^why: first broken link: eso — ClusterSecretStore ameide-vault has no Ready condition: ESO has not reconciled it/,
    );
    expect(tail).toMatch(
      /\n {2}fix: kubectl -n external-secrets rollout restart deployment external-secrets\n/,
    );
  });

  it("run-flyway-cli: 'FLYWAY_URL not set', then the link that broke and its fix", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("Secret", "ameide", "db-migrations-local");
    const r = await cli(["run-flyway-cli", "info"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/does not exist \(Flyway would fail with 'FLYWAY_URL not set'\)/);
    expect(r.stdout).toMatch(
      /why: first broken link: migrations-secret — secret ameide\/db-migrations-local does not exist.*\n {2}fix: dev-bootstrap bootstrap-db-migrations-secret\n/,
    );
  });
});
