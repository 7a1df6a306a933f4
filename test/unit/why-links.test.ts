/**
 * `why`'s walk, link by link, driven in-process against the in-process stand-ins
 * (Vault, the Kubernetes API and its ESO reconciler) through the real adapters. What a
 * user relies on: each link's summary, the evidence it shows (versions, times, keys,
 * never a value) and the one command that fixes it; an interruption or bad usage is
 * no broken link; the walk writes nothing; a failing command's summary line.
 *
 * Vault's answers follow the KV v2 API (developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2:
 * a soft-deleted latest version keeps `deletion_time`, a destroyed one `destroyed: true`)
 * and its policy paths (a KV v2 read needs "read" on `<mount>/data/<path>`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Vault } from "../../src/adapters/vault.js";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { ChainReport, Link } from "../../src/core/chain.js";
import { UsageError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Host } from "../../src/flows/host.js";
import { explainFailure, walkChain } from "../../src/flows/why.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, setUpWith } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

const CONFIG = "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 20\n";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({ "dev-bootstrap.yaml": CONFIG, "vault/fixtures/db.yaml": DB_URL_FIXTURES });
});
afterEach(async () => world.stop());

const env = (extra: Record<string, string> = {}) => cleanEnv({ ...world.env, ...extra });

/** The chain as ensure-local-secrets and the bootstrap leave it. */
async function ready(): Promise<void> {
  await setUpWith(["ensure-local-secrets"], { cwd: ws.dir, env: env() });
  await setUpWith(["bootstrap-db-migrations-secret"], { cwd: ws.dir, env: env() });
}

interface Walk {
  host: Host;
  masker: SecretMasker;
  resolved: ReturnType<typeof resolveConfig>;
}

function walker(
  options: {
    env?: Record<string, string>;
    signal?: AbortSignal;
    vault?: (vault: Vault) => Vault;
  } = {},
): Walk {
  const e = env(options.env);
  const resolved = resolveConfig({ cwd: ws.dir, env: e });
  const masker = new SecretMasker();
  const base = createHost({
    resolved,
    masker,
    env: e,
    clock: virtualClock(),
    signal: options.signal,
  });
  const host: Host = options.vault
    ? { ...base, vault: async () => options.vault!(await base.vault()) }
    : base;
  return { host, masker, resolved };
}

/** One walk; checks it wrote nothing to Vault or Kubernetes. */
async function walk(
  options: { connect?: boolean; database?: string; env?: Record<string, string> } = {},
  w: Walk = walker({ ...(options.env ? { env: options.env } : {}) }),
): Promise<ChainReport & { link(id: string): Link; text: string }> {
  const vaultFrom = world.vault.requests.length;
  const kubeFrom = world.kube.requests.length;
  const report = await walkChain(w.host, w.resolved, {
    connect: options.connect ?? false,
    database: options.database,
    allowPending: true,
  });
  expect(
    world.vault.requests.slice(vaultFrom).filter((q) => q.method !== "GET"),
    "why wrote to Vault",
  ).toEqual([]);
  expect(
    world.kube.requests
      .slice(kubeFrom)
      .filter((q) => !["get", "list", "watch", "discovery"].includes(q.verb.toLowerCase())),
    "why wrote to Kubernetes",
  ).toEqual([]);
  return {
    ...report,
    link: (id) => report.links.find((l) => l.id === id)!,
    text: w.masker.mask(JSON.stringify(report)),
  };
}

const statuses = (r: ChainReport) => r.links.map((l) => `${l.id}:${l.status}`);
const password = (path: string) => String(world.vault.read("secret", path)?.DB_PASSWORD);
const created = (path: string, version = 1) =>
  world.vault.mounts.get("secret")!.kv.get(path)!.versions.get(version)!.created_time;
const b64 = (v: string | Buffer) => Buffer.from(v).toString("base64");

describe("a healthy chain", () => {
  it("every link says what it checked, with evidence that names versions, times and keys but no value", async () => {
    await ready();
    world.eso.stop(); // ESO's own reads of Vault are not the walk's
    const from = world.vault.requests.length;
    const r = await walk();
    expect(r.ok).toBe(true);
    // Each path read once per walk, for all the links that compare with it: one
    // version of it in the whole report.
    for (const path of ["platform/db", "agents/db"])
      expect(
        world.vault.requests.slice(from).filter((q) => q.path === `/v1/secret/data/${path}`),
      ).toHaveLength(1);
    expect(statuses(r)).toEqual([
      "fixtures:ok",
      "vault:ok",
      "vault-data:ok",
      "eso:ok",
      "external-secrets:ok",
      "source-secrets:ok",
      "migrations-secret:ok",
      "database-login:unchecked",
      "flyway:unchecked",
    ]);
    expect(r.link("fixtures")).toMatchObject({
      summary: "2 path(s) in vault/fixtures parse and resolve",
      evidence: [
        expect.stringMatching(/^platform\/db \(.*vault\/fixtures\/db\.yaml\)$/),
        expect.stringMatching(/^agents\/db \(.*vault\/fixtures\/db\.yaml\)$/),
      ],
      fix: null,
    });
    expect(r.link("vault").summary).toBe(
      `Vault at ${world.vaultAddr} answers, the token is valid, secret/ is KV v2`,
    );
    expect(r.link("vault-data")).toMatchObject({
      summary: "2 path(s) in Vault hold what the fixtures derive",
      evidence: [
        `secret/platform/db: version 1 written ${created("platform/db")}, keys DB_USERNAME, DB_PASSWORD, DATABASE_URL`,
        `secret/agents/db: version 1 written ${created("agents/db")}, keys DB_USERNAME, DB_PASSWORD, DATABASE_URL`,
      ],
    });
    expect(r.link("eso").summary).toBe(
      "ESO serves external-secrets.io/v1; ClusterSecretStore ameide-vault is Ready",
    );
    const es = r.link("external-secrets");
    expect(es.summary).toBe("2 ExternalSecret(s) Ready and synced after Vault's last write");
    expect(es.evidence).toHaveLength(2);
    expect(es.evidence[0]).toMatch(
      /^ExternalSecret ameide\/platform-db-credentials: Ready True \(\w+: .*\), last synced \d{4}-\d\d-\d\dT[\d:.]+Z$/,
    );
    expect(es.evidence[1]).toMatch(/^ExternalSecret ameide\/agents-db-credentials: Ready True /);
    expect(r.link("source-secrets")).toMatchObject({
      summary: "2 source Secret(s) hold Vault's values",
      evidence: [
        "secret ameide/platform-db-credentials: keys DB_USERNAME, DB_PASSWORD, DATABASE_URL, as in Vault",
        "secret ameide/agents-db-credentials: keys DB_USERNAME, DB_PASSWORD, DATABASE_URL, as in Vault",
      ],
    });
    expect(r.link("migrations-secret")).toMatchObject({
      summary:
        "secret ameide/db-migrations-local is valid and matches the sources for platform, agents",
      evidence: [
        "platform: jdbc:postgresql://db:5432/platform as platform",
        "agents: jdbc:postgresql://db:5432/agents as agents",
      ],
    });
    expect(r.link("database-login").summary).toBe("not checked (needs --connect)");
    expect(r.text).not.toContain(password("platform/db"));
    expect(r.text).not.toContain(password("agents/db"));
  });

  it("--database looks at that database's source Secret and credentials only; an unknown one is bad usage", async () => {
    await ready();
    const r = await walk({ database: "agents" });
    expect(r.ok).toBe(true);
    expect(r.link("source-secrets")).toMatchObject({
      summary: "1 source Secret(s) hold Vault's values",
      evidence: [
        "secret ameide/agents-db-credentials: keys DB_USERNAME, DB_PASSWORD, DATABASE_URL, as in Vault",
      ],
    });
    expect(r.link("migrations-secret").summary).toBe(
      "secret ameide/db-migrations-local is valid and matches the sources for agents",
    );
    const unknown = walk({ database: "nope" });
    await expect(unknown).rejects.toThrow(UsageError);
    await expect(unknown).rejects.toThrow(
      "no database 'nope' in migrations.databases (have: platform, agents)",
    );
    await expect(unknown).rejects.toMatchObject({
      hint: "pick one of those, or add it to dev-bootstrap.yaml",
    });
  });
});

describe("fixtures", () => {
  it("several problems: the first in the summary with a count, each in the evidence, the fix names the file's hint", async () => {
    ws.write("vault/fixtures/a.yaml", "paths:\n  a/db:\n    KEY: [unclosed\n");
    ws.write("vault/fixtures/b.yaml", "paths:\n  b/db:\n    KEY: [unclosed\n");
    const r = await walk();
    const link = r.link("fixtures");
    expect(r.firstBroken).toBe("fixtures");
    expect(link.status).toBe("broken");
    expect(link.evidence).toHaveLength(2);
    expect(link.evidence[0]).toMatch(/a\.yaml:\d+:\d+/);
    expect(link.evidence[1]).toMatch(/b\.yaml:\d+:\d+/);
    expect(link.summary).toBe(`${link.evidence[0]} (and 1 more)`);
    expect(link.fix).toMatch(
      /^fix the fixture at that position \(.+\), then: dev-bootstrap ensure-local-secrets$/,
    );
    // Nothing after it was asked: no Vault request at all.
    expect(world.vault.requests).toEqual([]);
  });

  it("one problem: the summary is that problem alone", async () => {
    ws.write("vault/fixtures/a.yaml", "paths:\n  a/db:\n    KEY: [unclosed\n");
    const link = (await walk()).link("fixtures");
    expect(link.evidence).toHaveLength(1);
    expect(link.summary).toBe(link.evidence[0]);
  });
});

describe("vault", () => {
  it("sealed: the unseal command, without a 'waited 0 s' that says nothing", async () => {
    world.vault.faults.sealed = true;
    const link = (await walk()).link("vault");
    expect(link).toMatchObject({
      status: "broken",
      summary: `Vault sealed at ${world.vaultAddr}`,
      fix: "unseal it ('vault operator unseal') or restart the dev server; nothing was written",
      evidence: [],
    });
  });

  it("not initialised: the init command, the wait dropped from the end of the hint", async () => {
    world.vault.faults.initialized = false;
    expect((await walk()).link("vault")).toMatchObject({
      summary: `Vault not initialised at ${world.vaultAddr}`,
      fix: "initialise it ('vault operator init') or use a dev server",
    });
  });

  it("the token refused: the mount check's own message and hint", async () => {
    const r = await walk({ env: { VAULT_TOKEN: "hvs.not-a-token" } });
    const link = r.link("vault");
    expect(link).toMatchObject({
      status: "broken",
      summary: "Vault rejected the token (permission denied on auth/token/lookup-self)",
      fix: "set VAULT_TOKEN, VAULT_TOKEN_FILE or ~/.vault-token to a valid token",
      evidence: [],
    });
    expect(r.text).not.toContain("hvs.not-a-token");
    expect(r.link("vault-data").status).toBe("skipped");
  });

  it("the mount missing: reported, never enabled, fixed by ensure-local-secrets", async () => {
    world.vault.mounts.delete("secret");
    const r = await walk();
    expect(r.link("vault")).toMatchObject({
      status: "broken",
      summary: `the secret/ mount does not exist in Vault at ${world.vaultAddr}`,
      fix: "dev-bootstrap ensure-local-secrets",
    });
    expect(world.vault.mounts.has("secret")).toBe(false);
  });
});

describe("vault-data", () => {
  it("nothing seeded: every path named, the first in the summary with a count", async () => {
    const link = (await walk()).link("vault-data");
    expect(link).toMatchObject({
      status: "broken",
      summary: "secret/platform/db does not exist in Vault (and 1 more)",
      fix: "dev-bootstrap ensure-local-secrets",
      evidence: [
        "secret/agents/db does not exist in Vault",
        "secret/platform/db: no such secret",
        "secret/agents/db: no such secret",
        "note: edited by hand, or the fixture watcher is not running: it rewrites the fixtures' keys",
      ],
    });
  });

  it("a soft-deleted and a destroyed latest version are told apart from a missing path", async () => {
    await ready();
    world.vault.softDelete("secret", "platform/db");
    const deletedAt = world.vault.mounts
      .get("secret")!
      .kv.get("platform/db")!
      .versions.get(1)!.deletion_time;
    world.vault.mounts.get("secret")!.kv.get("agents/db")!.versions.get(1)!.destroyed = true;
    const link = (await walk()).link("vault-data");
    expect(link.summary).toBe("secret/platform/db's latest version 1 is deleted (and 1 more)");
    expect(link.evidence).toEqual([
      "secret/agents/db's latest version 1 is destroyed",
      `secret/platform/db: version 1 deleted at ${deletedAt}`,
      "secret/agents/db: version 1 destroyed",
      "note: edited by hand, or the fixture watcher is not running: it rewrites the fixtures' keys",
    ]);
  });

  it("a key removed by hand: missing, next to the keys that differ; values only as fingerprints", async () => {
    await ready();
    const before = world.vault.read("secret", "agents/db")!;
    const { DB_USERNAME: _gone, ...rest } = before;
    world.vault.writeDirect("secret", "agents/db", { ...rest, DB_PASSWORD: "typed-by-hand-99" });
    const r = await walk();
    const link = r.link("vault-data");
    expect(link.summary).toMatch(
      /^secret\/agents\/db \(version 2\) does not hold what .*db\.yaml derives: DB_PASSWORD differs, DB_USERNAME missing$/,
    );
    expect(link.evidence).toContain(
      `secret/agents/db: version 2 written ${created("agents/db", 2)}, keys DB_PASSWORD, DATABASE_URL`,
    );
    expect(link.evidence.find((e) => e.startsWith("secret/agents/db DB_PASSWORD:"))).toMatch(
      /^secret\/agents\/db DB_PASSWORD: Vault hmac:[0-9a-f]{12}, fixtures hmac:[0-9a-f]{12}$/,
    );
    expect(link.evidence.some((e) => e.includes("DB_USERNAME:"))).toBe(false);
    expect(r.text).not.toContain("typed-by-hand-99");
    expect(r.text).not.toContain(String(before.DB_PASSWORD));
  });

  it("a token that may not read a path: the capability and policy path that grant it", async () => {
    await ready();
    const token = world.vault.addToken({ deny: ["secret/data/agents/"] });
    const r = await walk({ env: { VAULT_TOKEN: token } });
    expect(r.firstBroken).toBe("vault-data");
    expect(r.link("vault-data")).toMatchObject({
      summary: "the Vault token may not read secret/agents/db (HTTP 403)",
      fix: 'grant a policy with capabilities ["read"] on path "secret/data/agents/db", or use another token',
      evidence: [],
    });
    expect(r.text).not.toContain(token);
  });

  it("a read that fails otherwise: the path and Vault's first line, with the command to check Vault", async () => {
    await ready();
    const w = walker({
      vault: (vault) => ({
        ...vault,
        kvRead: async (mount, path) => {
          if (path === "agents/db") throw new Error("socket closed by peer\nat somewhere");
          return vault.kvRead(mount, path);
        },
      }),
    });
    expect((await walk({}, w)).link("vault-data")).toMatchObject({
      status: "broken",
      summary: "reading secret/agents/db from Vault failed: socket closed by peer",
      fix: "check Vault ('vault status'), then rerun 'dev-bootstrap why'",
      evidence: [],
    });
  });
});

describe("eso", () => {
  it("ESO not installed: its message and install command", async () => {
    await ready();
    world.kube.esoVersion = "none";
    const link = (await walk()).link("eso");
    expect(link).toMatchObject({
      status: "broken",
      summary:
        "External Secrets Operator is not installed: the cluster serves no external-secrets.io API",
    });
    expect(link.fix).toMatch(/^install ESO \(helm install external-secrets /);
  });

  it("the store missing: the API server named, fixed by ensure-local-secrets", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("ClusterSecretStore", undefined, "ameide-vault");
    const link = (await walk()).link("eso");
    expect(link.summary).toMatch(
      /^ClusterSecretStore ameide-vault does not exist on https?:\/\/127\.0\.0\.1:\d+$/,
    );
    expect(link.fix).toBe("dev-bootstrap ensure-local-secrets");
  });

  it("a store no controller has looked at: restart ESO, and how to see whether it runs", async () => {
    await ready();
    world.eso.stop();
    world.kube.setStatus("ClusterSecretStore", undefined, "ameide-vault", {});
    expect((await walk()).link("eso")).toMatchObject({
      summary: "ClusterSecretStore ameide-vault has no Ready condition: ESO has not reconciled it",
      fix: "kubectl -n external-secrets rollout restart deployment external-secrets",
      evidence: ["note: is ESO's controller running? kubectl -n external-secrets get pods"],
    });
  });

  it("a store not Ready: ESO's condition as evidence, and where to look next", async () => {
    await ready();
    world.eso.stop();
    world.kube.setStatus("ClusterSecretStore", undefined, "ameide-vault", {
      conditions: [
        { type: "Ready", status: "False", reason: "InvalidProviderConfig", message: "no token" },
      ],
    });
    expect((await walk()).link("eso")).toMatchObject({
      summary: "ClusterSecretStore ameide-vault is not Ready: InvalidProviderConfig: no token",
      fix: "dev-bootstrap ensure-local-secrets",
      evidence: [
        "condition Ready: InvalidProviderConfig: no token",
        "note: it re-applies the store and its token Secret; then see: kubectl describe clustersecretstore ameide-vault",
      ],
    });
  });

  it("RBAC forbids reading the store: the verb and resource, and the can-i command", async () => {
    await ready();
    world.kube.deny.push({ verb: "get", resource: "clustersecretstores" });
    expect((await walk()).link("eso")).toMatchObject({
      status: "broken",
      summary: "forbidden: cannot get clustersecretstores (RBAC)",
      fix: "grant 'get' on clustersecretstores; check with: kubectl auth can-i get clustersecretstores",
    });
  });
});

describe("external-secrets", () => {
  it("RBAC forbids reading them: the namespace named", async () => {
    await ready();
    world.kube.deny.push({ verb: "get", resource: "externalsecrets", namespace: "ameide" });
    expect((await walk()).link("external-secrets")).toMatchObject({
      summary: "forbidden: cannot get externalsecrets in namespace ameide (RBAC)",
      fix: "grant 'get' on externalsecrets in ameide; check with: kubectl auth can-i get externalsecrets -n ameide",
    });
  });

  it("not Ready: ESO's reason and message, what was seen, and the ExternalSecret to describe", async () => {
    await ready();
    world.eso.stop();
    world.kube.setStatus("ExternalSecret", "ameide", "agents-db-credentials", {
      conditions: [
        { type: "Ready", status: "False", reason: "SecretSyncedError", message: "denied" },
      ],
    });
    expect((await walk()).link("external-secrets")).toMatchObject({
      summary:
        "ExternalSecret ameide/agents-db-credentials is not Ready: SecretSyncedError: denied",
      fix: "dev-bootstrap ensure-local-secrets --refresh",
      evidence: [
        "ExternalSecret ameide/agents-db-credentials: Ready False (SecretSyncedError: denied)",
        "note: after fixing what the message names; details: kubectl -n ameide describe externalsecret agents-db-credentials",
      ],
    });
  });

  it("synced in the same second as Vault's write: ok (ESO writes refreshTime to the second)", async () => {
    await ready();
    world.eso.stop();
    const es = world.kube.get("ExternalSecret", "ameide", "platform-db-credentials")!;
    const write = created("platform/db");
    // The refresh truncated to its second; the write later in that same second.
    const sameSecond = write.replace(/\.\d+Z$/, "Z");
    world.kube.setStatus("ExternalSecret", "ameide", "platform-db-credentials", {
      ...(es.status as object),
      refreshTime: sameSecond,
    });
    const r = await walk();
    expect(r.link("external-secrets").status, JSON.stringify(r.link("external-secrets"))).toBe(
      "ok",
    );
    expect(r.link("external-secrets").evidence[0]).toMatch(
      new RegExp(`, last synced ${sameSecond.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
    );
  });

  it("synced one second before Vault's write: broken, with both times", async () => {
    await ready();
    world.eso.stop();
    const es = world.kube.get("ExternalSecret", "ameide", "agents-db-credentials")!;
    const write = created("agents/db");
    const before = new Date(Math.floor(Date.parse(write) / 1000) * 1000 - 1000)
      .toISOString()
      .replace(/\.\d+Z$/, "Z");
    world.kube.setStatus("ExternalSecret", "ameide", "agents-db-credentials", {
      ...(es.status as object),
      refreshTime: before,
    });
    const link = (await walk()).link("external-secrets");
    expect(link.summary).toBe(
      `ExternalSecret ameide/agents-db-credentials last synced at ${before}, before Vault's write of secret/agents/db (version 1 at ${write})`,
    );
    expect(link.evidence).toEqual([
      expect.stringMatching(
        /^ExternalSecret ameide\/agents-db-credentials: Ready True \(.*\), last synced /,
      ),
      `secret/agents/db: version 1 written ${write}, keys DB_USERNAME, DB_PASSWORD, DATABASE_URL`,
    ]);
  });

  it("an ExternalSecret without a refresh time is not judged by it", async () => {
    await ready();
    world.eso.stop();
    const es = world.kube.get("ExternalSecret", "ameide", "agents-db-credentials")!;
    const { refreshTime: _t, ...status } = es.status as Record<string, unknown>;
    world.kube.setStatus("ExternalSecret", "ameide", "agents-db-credentials", status);
    const link = (await walk()).link("external-secrets");
    expect(link.status).toBe("ok");
    expect(link.evidence[1]).toMatch(
      /^ExternalSecret ameide\/agents-db-credentials: Ready True \([^)]*\)$/,
    );
  });
});

describe("source-secrets", () => {
  it("a Secret ESO has not created: the ExternalSecret to describe", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("Secret", "ameide", "agents-db-credentials");
    expect((await walk()).link("source-secrets")).toMatchObject({
      summary: "secret ameide/agents-db-credentials does not exist (ESO has not created it)",
      fix: "dev-bootstrap ensure-local-secrets --refresh",
      evidence: ["note: details: kubectl -n ameide describe externalsecret agents-db-credentials"],
    });
  });

  it("a Secret lacking the connection keys, or holding bytes that are not UTF-8", async () => {
    await ready();
    world.eso.stop();
    const s = world.kube.get("Secret", "ameide", "agents-db-credentials")!;
    world.kube.put(
      { ...s, data: { DB_PASSWORD: b64(Buffer.from([0xff, 0xfe, 0x00])) } },
      "kubectl-edit",
    );
    const link = (await walk()).link("source-secrets");
    expect(link).toMatchObject({
      summary:
        "secret ameide/agents-db-credentials lacks DATABASE_URL (or DB_USERNAME, DB_PASSWORD, DB_HOST, DB_NAME), DB_PASSWORD (not UTF-8)",
      fix: "add them to the fixtures for secret/agents/db, then: dev-bootstrap ensure-local-secrets --refresh",
      evidence: ["secret ameide/agents-db-credentials: keys none"],
    });
  });

  it("a Secret missing a key Vault holds: missing, with its resourceVersion and Vault's version", async () => {
    await ready();
    world.eso.stop();
    const s = world.kube.get("Secret", "ameide", "platform-db-credentials")!;
    const { DB_USERNAME: _u, ...data } = s.data as Record<string, string>;
    const put = world.kube.put({ ...s, data }, "kubectl-edit");
    const link = (await walk()).link("source-secrets");
    expect(link.summary).toBe(
      "secret ameide/platform-db-credentials does not hold Vault's values at secret/platform/db: DB_USERNAME missing",
    );
    expect(link.evidence).toEqual([
      `secret ameide/platform-db-credentials: resourceVersion ${put.metadata.resourceVersion}`,
      `secret/platform/db: version 1 written ${created("platform/db")}, keys DB_USERNAME, DB_PASSWORD, DATABASE_URL`,
      "note: ESO has not synced Vault's current values; details: kubectl -n ameide describe externalsecret platform-db-credentials",
    ]);
  });

  it("credentials that cannot make a connection: the problem, fixed in the fixtures", async () => {
    ws.write(
      "vault/fixtures/db.yaml",
      DB_URL_FIXTURES.replace(
        '"postgresql://${DB_USERNAME}:${DB_PASSWORD | urlencode}@db:5432/agents"',
        '"mysql://db/agents"',
      ),
    );
    await setUpWith(["ensure-local-secrets"], { cwd: ws.dir, env: env() });
    const r = await walk();
    expect(r.firstBroken).toBe("source-secrets");
    const link = r.link("source-secrets");
    expect(link.evidence).toEqual([
      "agents-db-credentials (ESO): AGENTS_DATABASE_URL: expected a URL starting with postgresql://, postgres:// or jdbc:postgresql://",
    ]);
    expect(link.fix).toBe(
      "fix the fixtures for those databases, then: dev-bootstrap ensure-local-secrets --refresh",
    );
    expect(link.summary).toBe(`the source credentials are not usable: ${link.evidence[0]}`);
  });
});

describe("migrations-secret", () => {
  it("several problems: the first with a count, each as evidence, fixed by the bootstrap", async () => {
    await ready();
    const s = world.kube.get("Secret", "ameide", "db-migrations-local")!;
    const data = { ...(s.data as Record<string, string>) };
    for (const k of Object.keys(data)) if (/URL$/.test(k)) delete data[k];
    world.kube.put({ ...s, data }, "kubectl-edit");
    const link = (await walk()).link("migrations-secret");
    expect(link.status).toBe("broken");
    expect(link.evidence.length).toBeGreaterThan(1);
    expect(link.evidence[0]).toMatch(/^platform: /);
    expect(link.evidence.some((e) => e.startsWith("agents: "))).toBe(true);
    expect(link.summary).toBe(
      `secret ameide/db-migrations-local: ${link.evidence[0]} (and ${link.evidence.length - 1} more)`,
    );
    expect(link.fix).toBe("dev-bootstrap bootstrap-db-migrations-secret");
  });

  it("a value that is not the sources': its key, the resourceVersion and both fingerprints", async () => {
    await ready();
    const s = world.kube.get("Secret", "ameide", "db-migrations-local")!;
    const put = world.kube.put(
      { ...s, data: { ...(s.data as object), FLYWAY_PASSWORD: b64("not-the-password") } },
      "kubectl-edit",
    );
    const r = await walk();
    const link = r.link("migrations-secret");
    expect(link.summary).toBe(
      "secret ameide/db-migrations-local does not match its sources: FLYWAY_PASSWORD differs",
    );
    expect(link.evidence).toEqual([
      `secret ameide/db-migrations-local: resourceVersion ${put.metadata.resourceVersion}`,
      expect.stringMatching(
        /^FLYWAY_PASSWORD: secret hmac:[0-9a-f]{12}, sources hmac:[0-9a-f]{12}$/,
      ),
    ]);
    expect(r.text).not.toContain("not-the-password");
  });
});

describe("database-login (--connect)", () => {
  it("no database listening: the login's error, the URL and user it tried, the hint", async () => {
    // A port nothing listens on: the database is down, one attempt, no wait.
    const port = 1;
    ws.write(
      "vault/fixtures/db.yaml",
      DB_URL_FIXTURES.replaceAll("@db:5432/", `@127.0.0.1:${port}/`),
    );
    await ready();
    const r = await walk({ connect: true });
    expect(r.firstBroken).toBe("database-login");
    const link = r.link("database-login");
    expect(link.summary).toBe(
      `database platform: PostgreSQL unreachable at 127.0.0.1:${port} (ECONNREFUSED) after retries`,
    );
    // Not a password problem: the login's own hint, not the \\password command.
    expect(link.fix).toBe("start PostgreSQL (or its port-forward) and check host and port");
    expect(link.evidence).toEqual([
      `platform: jdbc:postgresql://127.0.0.1:${port}/platform as platform at 127.0.0.1:${port}`,
    ]);
    expect(r.link("flyway").status).toBe("skipped");
    expect(r.text).not.toContain(password("platform/db"));
  });
});

describe("interruptions and failing commands", () => {
  it("an interrupted walk is no broken link: the interruption passes through", async () => {
    await ready();
    const controller = new AbortController();
    const reason = new Error("interrupted by SIGINT");
    const w = walker({
      signal: controller.signal,
      vault: (vault) => ({
        ...vault,
        kvRead: async () => {
          controller.abort(reason);
          throw new Error("aborted");
        },
      }),
    });
    await expect(walk({}, w)).rejects.toBe(reason);
    // Interrupted before the walk, or during it: a failing command adds nothing.
    expect(await explainFailure(w.host, w.resolved, { connect: false })).toBe("");
    const during = new AbortController();
    const w2 = walker({
      signal: during.signal,
      vault: (vault) => ({
        ...vault,
        kvRead: async () => {
          during.abort(reason);
          throw new Error("aborted");
        },
      }),
    });
    expect(await explainFailure(w2.host, w2.resolved, { connect: false })).toBe("");
  });

  it("explainFailure: the first broken link and its fix, as the failing command's last lines", async () => {
    await ready();
    world.eso.stop();
    world.kube.remove("Secret", "ameide", "db-migrations-local");
    const w = walker();
    expect(await explainFailure(w.host, w.resolved, { connect: false })).toBe(
      [
        "why: first broken link: migrations-secret — secret ameide/db-migrations-local does not exist — Flyway would fail with 'FLYWAY_URL not set'",
        "  fix: dev-bootstrap bootstrap-db-migrations-secret",
        "  (details: dev-bootstrap why)",
        "",
      ].join("\n"),
    );
  });

  it("explainFailure with a healthy chain: the failure is in the step above", async () => {
    await ready();
    const w = walker();
    expect(await explainFailure(w.host, w.resolved, { connect: false })).toBe(
      "why: no broken link (fixtures … migrations-secret ok); the failure is in the step above\n",
    );
  });

  it("no kubeconfig where KUBECONFIG points: the eso link, with the setting to fix", async () => {
    await setUpWith(["ensure-local-secrets", "--skip-eso"], { cwd: ws.dir, env: env() });
    const missing = `${ws.dir}/no-such-kubeconfig`;
    const r = await walk({}, walker({ env: { KUBECONFIG: missing } }));
    expect(r.firstBroken).toBe("eso");
    expect(r.link("eso")).toMatchObject({
      summary: `no kubeconfig: none of the files listed exists (${missing})`,
      fix: "point KUBECONFIG at your cluster's kubeconfig (or kube.kubeconfig); ensure-local-secrets --skip-eso seeds Vault only",
      evidence: [],
    });
  });

  it("explainFailure when the walk cannot finish: one line, and the command to try", async () => {
    const bug = new Error("cannot load the Vault client\n    at load (vault.js:1:1)");
    const w = walker({
      vault: () => {
        throw bug;
      },
    });
    // Not ours to explain as a broken link: the walk ends with it.
    await expect(walk({}, w)).rejects.toBe(bug);
    expect(await explainFailure(w.host, w.resolved, { connect: false })).toBe(
      "why: could not walk the chain: cannot load the Vault client (try: dev-bootstrap why)\n",
    );
  });
});
