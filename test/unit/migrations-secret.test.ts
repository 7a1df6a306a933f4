/**
 * The migrations secret, built in-process: a Kubernetes of Secrets in memory
 * (resourceVersions, 409 on a stale replace or a create of an existing name, 422
 * on changing an immutable Secret), an in-memory Vault and a virtual clock. What
 * a user relies on: the secret is written only when it differs (its managed-by
 * label included), keys someone added stay, conflicts are retried a bounded
 * number of times, verify never writes, and unverified values never overwrite.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Kube, SecretRead } from "../../src/adapters/kube.js";
import { KubeApiError } from "../../src/adapters/kube-api-error.js";
import type { KvRead, Vault } from "../../src/adapters/vault.js";
import { VaultNetworkError } from "../../src/adapters/vault-errors.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { FindingsError, StepError } from "../../src/core/errors.js";
import type { Host } from "../../src/flows/host.js";
import { bootstrapMigrationsSecret } from "../../src/flows/migrations-secret.js";
import { type VirtualClock, virtualClock } from "../helpers/clock.js";
import { type CapturedLog, captureLog, partialHost } from "../helpers/flow-run.js";
import { makeWorkspace } from "../helpers/workspace.js";

const NS = "ameide";
const NAME = "db-migrations-local";
const MANAGED = { "app.kubernetes.io/managed-by": "dev-bootstrap" };

interface Stored {
  rv: number;
  immutable: boolean;
  labels: Record<string, string>;
  data: Record<string, string>;
  binaryKeys: string[];
}

const apiError = (status: number, reason: string, verb: string, target: string) =>
  new KubeApiError(status, reason, verb, "secrets", target, `${reason} for ${target}`, []);

/** Namespaces and Secrets in memory, with the API's conflict rules. */
function memoryKube() {
  const secrets = new Map<string, Stored>();
  const namespaces = new Set<string>([NS]);
  let rv = 100;
  const state = {
    secrets,
    namespaces,
    /** Thrown by the next writes (create/replace), one each. */
    faults: [] as unknown[],
    verbs: [] as string[],
    createdNamespaces: [] as string[],
    /** Thrown by reads of these Secrets (by name) or of the namespace ("Namespace"). */
    readFaults: new Map<string, unknown>(),
    /** The objects sent to create and replace, as sent. */
    sent: [] as Array<Record<string, unknown>>,
  };
  /** The API refuses what it does not serve, as a real API server does (404). */
  const served = (apiVersion: unknown, kind: unknown) => {
    if (apiVersion !== "v1" || (kind !== "Secret" && kind !== "Namespace"))
      throw apiError(404, "NotFound", "write", `${String(apiVersion)}/${String(kind)}`);
  };
  const key = (ns: string | undefined, name: string) => `${ns}/${name}`;
  const put = (ns: string, name: string, s: Omit<Stored, "rv">) =>
    secrets.set(key(ns, name), { ...s, rv: ++rv });
  const api = {
    read: async (v: string, kind: string, _ns: string | undefined, name: string) => {
      if (state.readFaults.has(kind)) throw state.readFaults.get(kind);
      return v === "v1" && kind === "Namespace" && namespaces.has(name)
        ? { metadata: { name } }
        : undefined;
    },
    readSecret: async (ns: string, name: string): Promise<SecretRead | undefined> => {
      if (state.readFaults.has(name)) throw state.readFaults.get(name);
      const s = secrets.get(key(ns, name));
      if (!s) return undefined;
      const encoded = Object.fromEntries(
        Object.entries(s.data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
      );
      return {
        name,
        namespace: ns,
        resourceVersion: String(s.rv),
        immutable: s.immutable,
        labels: { ...s.labels },
        annotations: {},
        data: { ...s.data },
        binaryKeys: [...s.binaryKeys],
        raw: {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name, namespace: ns, labels: { ...s.labels }, resourceVersion: String(s.rv) },
          data: encoded,
          ...(s.immutable ? { immutable: true } : {}),
        },
      };
    },
    create: async (object: {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace?: string; labels?: Record<string, string> };
      data?: Record<string, string>;
    }) => {
      state.verbs.push(`create ${object.kind}`);
      state.sent.push(object);
      const fault = state.faults.shift();
      if (fault) throw fault;
      served(object.apiVersion, object.kind);
      if (object.kind === "Namespace") {
        namespaces.add(object.metadata.name);
        state.createdNamespaces.push(object.metadata.name);
        return object;
      }
      const k = key(object.metadata.namespace, object.metadata.name);
      if (secrets.has(k)) throw apiError(409, "AlreadyExists", "create", k);
      put(object.metadata.namespace!, object.metadata.name, {
        immutable: false,
        labels: { ...object.metadata.labels },
        data: decode(object.data ?? {}),
        binaryKeys: [],
      });
      return object;
    },
    replace: async (object: {
      apiVersion: string;
      kind: string;
      metadata: {
        name: string;
        namespace: string;
        resourceVersion: string;
        labels?: Record<string, string>;
      };
      data?: Record<string, string>;
    }) => {
      state.verbs.push("replace Secret");
      state.sent.push(object);
      const fault = state.faults.shift();
      if (fault) throw fault;
      served(object.apiVersion, object.kind);
      const k = key(object.metadata.namespace, object.metadata.name);
      const s = secrets.get(k)!;
      if (String(s.rv) !== object.metadata.resourceVersion)
        throw apiError(409, "Conflict", "replace", k);
      const data = decode(object.data ?? {});
      if (s.immutable && JSON.stringify(data) !== JSON.stringify(s.data))
        throw apiError(422, "Invalid", "replace", k);
      put(object.metadata.namespace, object.metadata.name, {
        immutable: s.immutable,
        labels: { ...object.metadata.labels },
        data,
        binaryKeys: [],
      });
      return object;
    },
    delete: async (v: string, kind: string, ns: string, name: string) => {
      served(v, kind);
      state.verbs.push("delete Secret");
      secrets.delete(key(ns, name));
    },
  };
  return { state, api: api as unknown as Kube, put };
}

const decode = (data: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
  );

/** Vault's KV v2 in memory; `down` makes every read fail as an unreachable Vault does. */
function memoryVault() {
  const store = new Map<string, Record<string, string>>();
  const state = { store, down: false, reads: [] as string[] };
  const api = {
    kvRead: async (_mount: string, path: string): Promise<KvRead> => {
      state.reads.push(path);
      if (state.down)
        throw new VaultNetworkError(
          "GET /v1/secret/data/x: connect ECONNREFUSED 127.0.0.1:8200",
          "ECONNREFUSED",
          "GET",
          path,
          false,
        );
      const data = store.get(path);
      if (!data) return { kind: "missing" };
      return {
        kind: "present",
        version: 1,
        data: { ...data },
        raw: new Map(Object.entries(data).map(([k, v]) => [k, JSON.stringify(v)])),
      };
    },
  } as Partial<Vault> as Vault;
  return { state, api };
}

const url = (db: string, password: string) =>
  `postgresql://${db}_user:${password}@db.test:5432/${db}`;
const creds = (db: string, password: string) => ({ DATABASE_URL: url(db, password) });

let kube: ReturnType<typeof memoryKube>;
let vault: ReturnType<typeof memoryVault>;
let clock: VirtualClock;
let host: Host;
let run: CapturedLog;
const newLog = () =>
  captureLog({ command: "bootstrap-db-migrations-secret", clock, masker: host.masker });

beforeEach(() => {
  kube = memoryKube();
  vault = memoryVault();
  clock = virtualClock();
  host = partialHost({ clock, kube: async () => kube.api, vault: async () => vault.api });
  run = newLog();
});

const resolved = (extra = "") =>
  resolveConfig({
    cwd: makeWorkspace(extra ? { "dev-bootstrap.yaml": extra } : {}).dir,
    env: {},
  });
const bootstrap = (
  options: Parameters<typeof bootstrapMigrationsSecret>[3] = {},
  config = resolved(),
) => bootstrapMigrationsSecret(host, config, run.log, options);

/** Both databases' ESO Secrets, in line with Vault. */
function synced(platform = "p1", agents = "a1") {
  const plain = { immutable: false, labels: {}, binaryKeys: [] };
  kube.put(NS, "platform-db-credentials", { ...plain, data: creds("platform", platform) });
  kube.put(NS, "agents-db-credentials", { ...plain, data: creds("agents", agents) });
  vault.state.store.set("platform/db", creds("platform", platform));
  vault.state.store.set("agents/db", creds("agents", agents));
}
const secret = () => kube.state.secrets.get(`${NS}/${NAME}`);
/** The run's checkpoints and notes, one record a line (the journal's shape). */
const records = () => run.records();
const checkpoint = (status: string) => run.checkpoint("db-migrations-secret", status);
const KEYS = [
  "AGENTS_FLYWAY_PASSWORD",
  "AGENTS_FLYWAY_URL",
  "AGENTS_FLYWAY_USER",
  "FLYWAY_PASSWORD",
  "FLYWAY_URL",
  "FLYWAY_USER",
];

describe("the migrations secret, ensure mode", () => {
  it("creates it from ESO's Secrets with the managed-by label, then a rerun writes nothing", async () => {
    synced();
    const first = await bootstrap();
    expect(first.written).toBe(true);
    expect(first.sources).toEqual(["platform-db-credentials (ESO)", "agents-db-credentials (ESO)"]);
    const created = secret()!;
    expect(created.labels).toEqual(MANAGED);
    expect(Object.keys(created.data).sort()).toEqual([...first.keys].sort());
    expect(Object.values(created.data)).toContain("p1");
    expect(Object.values(created.data)).toContain("a1");
    expect(run.text()).toContain(
      "db-migrations Flyway secret ensured (written; from platform-db-credentials (ESO), agents-db-credentials (ESO))",
    );
    expect(run.text()).toContain(`building ${NS}/${NAME} for platform → agents (ensure mode)`);
    expect(run.text()).not.toContain("p1");

    run = newLog();
    const rv = created.rv;
    const second = await bootstrap();
    expect(second.written).toBe(false);
    expect(secret()!.rv).toBe(rv);
    expect(run.text()).toContain("db-migrations Flyway secret ensured (unchanged;");
  });

  it("rewrites a secret whose managed-by label drifted, keeping keys someone added", async () => {
    synced();
    await bootstrap();
    const s = secret()!;
    kube.put(NS, NAME, { ...s, labels: { "app.kubernetes.io/managed-by": "someone" } });
    kube.put(NS, NAME, { ...secret()!, data: { ...s.data, EXTRA: "mine" } });
    const result = await bootstrap();
    expect(result.written).toBe(true);
    expect(secret()!.labels).toEqual(MANAGED);
    expect(secret()!.data.EXTRA).toBe("mine");
  });

  it("updates changed values with the resourceVersion it read", async () => {
    synced();
    await bootstrap();
    synced("p2", "a1");
    const result = await bootstrap();
    expect(result.written).toBe(true);
    expect(Object.values(secret()!.data)).toContain("p2");
    expect(Object.values(secret()!.data)).not.toContain("p1");
  });

  it("re-reads after a conflict, backing off, and gives up after four", async () => {
    synced();
    await bootstrap();
    synced("p2", "a1");
    kube.state.faults.push(apiError(409, "Conflict", "replace", `${NS}/${NAME}`));
    await bootstrap();
    expect(Object.values(secret()!.data)).toContain("p2");
    expect(run.text()).toContain(`secret ${NS}/${NAME}: Conflict; re-reading (attempt 1 of 4)`);
    expect(clock.sleeps).toHaveLength(1);

    synced("p3", "a1");
    const conflict = () => apiError(409, "", "replace", `${NS}/${NAME}`);
    kube.state.faults.push(conflict(), conflict(), conflict(), conflict(), conflict());
    const error = await bootstrap().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect(error).toMatchObject({
      message: `secret ${NS}/${NAME} kept changing while we wrote it (4 conflicts); nothing was lost`,
      hint: "another process is writing it; rerun when it is done",
    });
    expect(run.text()).toContain("conflict; re-reading (attempt 4 of 4)");
    expect(kube.state.faults).toHaveLength(1);
    expect(clock.sleeps).toHaveLength(5);
    expect(clock.sleeps[4]!).toBeGreaterThan(clock.sleeps[1]!);
  });

  it("a secret created meanwhile (AlreadyExists) is re-read and updated", async () => {
    synced();
    kube.state.faults.push(apiError(409, "AlreadyExists", "create", `${NS}/${NAME}`));
    const result = await bootstrap();
    expect(result.written).toBe(true);
    expect(run.text()).toContain("AlreadyExists; re-reading (attempt 1 of 4)");
  });

  it("an immutable secret that must change: 422 names --recreate; with it, deleted and recreated", async () => {
    synced();
    await bootstrap();
    kube.put(NS, NAME, { ...secret()!, immutable: true });
    synced("p2", "a1");
    const error = await bootstrap().catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: `secret ${NS}/${NAME} is immutable and its data would change (HTTP 422 Invalid)`,
      hint: `rerun with --recreate to delete and recreate it, or: kubectl -n ${NS} delete secret ${NAME}`,
    });
    expect(Object.values(secret()!.data)).toContain("p1");

    const result = await bootstrap({ recreate: true });
    expect(result.written).toBe(true);
    expect(secret()!.immutable).toBe(false);
    expect(Object.values(secret()!.data)).toContain("p2");
    expect(run.text()).toContain(
      `deleted immutable secret ${NS}/${NAME} to recreate it (--recreate)`,
    );
  });

  it("any other 422 says what the API rejected", async () => {
    synced();
    await bootstrap();
    synced("p2", "a1");
    kube.state.faults.push(
      new KubeApiError(422, "Invalid", "replace", "secrets", NAME, "data: too long: x", []),
    );
    await expect(bootstrap()).rejects.toMatchObject({
      message: `the API rejected secret ${NS}/${NAME} (HTTP 422 Invalid: data)`,
      hint: "check the key names and size",
    });
  });

  it("refuses to rewrite a secret holding non-UTF-8 data", async () => {
    synced();
    await bootstrap();
    kube.put(NS, NAME, { ...secret()!, binaryKeys: ["BLOB"] });
    synced("p2", "a1");
    await expect(bootstrap()).rejects.toMatchObject({
      message: `secret ${NS}/${NAME} holds non-UTF-8 data under BLOB`,
      hint: `inspect it: kubectl -n ${NS} get secret ${NAME} -o yaml`,
    });
    expect(kube.state.verbs).not.toContain("replace Secret");
  });

  it("creates a missing namespace, or fails naming it when configured to", async () => {
    kube.state.namespaces.clear();
    synced();
    await bootstrap();
    expect(kube.state.createdNamespaces).toEqual([NS]);
    expect(run.text()).toContain(`created namespace ${NS}`);

    kube.state.namespaces.clear();
    await expect(
      bootstrap({}, resolved("kube:\n  namespaceMissing: fail\n")),
    ).rejects.toMatchObject({
      message: `namespace ${NS} does not exist`,
    });
  });

  it("falls back to the Vault defaults when ESO has not synced, and says so", async () => {
    vault.state.store.set("platform/db", creds("platform", "vp"));
    vault.state.store.set("agents/db", creds("agents", "va"));
    const result = await bootstrap();
    expect(result.sources).toEqual([
      "Vault secret/platform/db (fallback)",
      "Vault secret/agents/db (fallback)",
    ]);
    expect(Object.values(secret()!.data)).toContain("vp");
    expect(run.text()).toContain(
      `secret ${NS}/platform-db-credentials does not exist (ESO has not synced it); using the Vault defaults at secret/platform/db`,
    );
  });

  it("no ESO Secret and no usable Vault defaults: fails, writing nothing", async () => {
    vault.state.store.set("platform/db", { DB_USERNAME: "u" });
    await expect(bootstrap()).rejects.toMatchObject({
      message: `secret ${NS}/platform-db-credentials does not exist (ESO has not synced it), and Vault has no usable defaults at secret/platform/db`,
    });
    expect(secret()).toBeUndefined();
  });

  it("no ESO Secret and Vault down: fails naming both", async () => {
    vault.state.down = true;
    await expect(bootstrap()).rejects.toMatchObject({
      message: `secret ${NS}/platform-db-credentials does not exist (ESO has not synced it), and the Vault fallback secret/platform/db failed: GET /v1/secret/data/x: connect ECONNREFUSED 127.0.0.1:8200`,
      hint: "run 'dev-bootstrap ensure-local-secrets' first (it seeds Vault and wires ESO)",
    });
  });

  it("an ESO Secret lacking keys is named, and the Vault defaults used", async () => {
    synced();
    kube.put(NS, "platform-db-credentials", {
      immutable: false,
      labels: {},
      binaryKeys: [],
      data: { DB_USERNAME: "u" },
    });
    await bootstrap();
    expect(run.text()).toContain(
      `secret ${NS}/platform-db-credentials lacks DATABASE_URL (or DB_PASSWORD, DB_HOST, DB_NAME); using the Vault defaults`,
    );
  });

  it("a stale ESO Secret: Vault's current values are used, never the old ones", async () => {
    synced();
    vault.state.store.set("platform/db", creds("platform", "rotated"));
    const result = await bootstrap();
    expect(result.sources[0]).toBe("Vault secret/platform/db (ESO secret stale)");
    expect(Object.values(secret()!.data)).toContain("rotated");
    expect(Object.values(secret()!.data)).not.toContain("p1");
    expect(run.text()).toContain(
      `secret ${NS}/platform-db-credentials differs from Vault secret/platform/db (ESO has not synced Vault's current values); using Vault's values, which ESO will converge to`,
    );
  });

  it("a stale ESO Secret whose Vault values are unusable fails", async () => {
    synced();
    vault.state.store.set("platform/db", { DB_USERNAME: "x" });
    await expect(bootstrap()).rejects.toMatchObject({
      message: expect.stringContaining(
        "and Vault's values there are not usable credentials (DATABASE_URL (or DB_PASSWORD, DB_HOST, DB_NAME) missing)",
      ),
      hint: "fix the fixtures for platform/db and run 'dev-bootstrap ensure-local-secrets --refresh'",
    });
    expect(secret()).toBeUndefined();
  });

  it("Vault down: creates the secret from ESO's values, but never overwrites one with them", async () => {
    synced();
    vault.state.down = true;
    const created = await bootstrap();
    expect(created.written).toBe(true);
    expect(run.text()).toContain(
      "db-migrations Flyway secret not verified (written from ESO's values): could not compare ameide/platform-db-credentials, ameide/agents-db-credentials with Vault (GET /v1/secret/data/x: connect ECONNREFUSED 127.0.0.1:8200)",
    );
    expect(run.text()).toContain(
      `could not compare ${NS}/platform-db-credentials with Vault secret/platform/db (GET /v1/secret/data/x: connect ECONNREFUSED 127.0.0.1:8200); using it as ESO delivered it, unverified`,
    );

    run = newLog();
    const same = await bootstrap();
    expect(same.written).toBe(false);
    expect(run.text()).toContain("db-migrations Flyway secret not verified (unchanged)");

    run = newLog();
    kube.put(NS, "platform-db-credentials", {
      immutable: false,
      labels: {},
      binaryKeys: [],
      data: creds("platform", "old"),
    });
    const kept = await bootstrap();
    expect(kept.written).toBe(false);
    expect(Object.values(secret()!.data)).toContain("p1");
    expect(run.text()).toContain(
      "db-migrations Flyway secret not verified (kept as it was, not overwritten with unverified values)",
    );
  });

  it("uses what this run's seed already read instead of reading Vault again", async () => {
    synced();
    const held = new Map([
      ["platform/db", creds("platform", "p1")],
      ["agents/db", creds("agents", "a1")],
    ]);
    await bootstrap({ handoff: { vaultHeld: held } });
    expect(vault.state.reads).toEqual([]);
    expect(secret()).toBeDefined();
  });
});

describe("the migrations secret, verify mode", () => {
  it("passes an up-to-date secret without writing", async () => {
    synced();
    await bootstrap();
    const verbs = kube.state.verbs.length;
    run = newLog();
    const result = await bootstrap({ mode: "verify" });
    expect(result.written).toBe(false);
    expect(kube.state.verbs).toHaveLength(verbs);
    expect(run.text()).toContain("db-migrations Flyway secret ensured (verified, unchanged;");
  });

  it("a missing secret is a finding naming what ensure would write", async () => {
    synced();
    const error = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(error).toBeInstanceOf(FindingsError);
    expect(error.problems[0]).toMatch(
      new RegExp(`^secret ${NS}/${NAME} does not exist \\(ensure would create it with \\w+`),
    );
    expect(error.hint).toBe(
      "write it with 'dev-bootstrap bootstrap-db-migrations-secret --mode ensure', or fix what changed it by hand",
    );
    expect(kube.state.verbs).toEqual([]);
  });

  it("names updated, added and relabelled keys, writing nothing", async () => {
    synced();
    await bootstrap();
    const s = secret()!;
    const [first, second] = Object.keys(s.data);
    const data = { ...s.data, [first!]: "changed" };
    delete data[second!];
    kube.put(NS, NAME, { ...s, data, labels: {} });
    const verbs = kube.state.verbs.length;
    const error = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(error.problems).toEqual([
      `secret ${NS}/${NAME} differs from what ensure would write: ${first} would be updated; ${second} would be added; its managed-by label would be set`,
    ]);
    expect(kube.state.verbs).toHaveLength(verbs);
  });

  it("only a drifted label is a finding too", async () => {
    synced();
    await bootstrap();
    kube.put(NS, NAME, { ...secret()!, labels: { "app.kubernetes.io/managed-by": "x" } });
    const error = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(error.problems).toEqual([
      `secret ${NS}/${NAME} differs from what ensure would write: its managed-by label would be set`,
    ]);
  });

  it("a missing namespace is a finding, with the sources' findings, and nothing is created", async () => {
    kube.state.namespaces.clear();
    const error = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(error.problems[0]).toBe(
      `namespace ${NS} does not exist (ensure would create it; verify mode creates nothing)`,
    );
    expect(error.problems[1]).toContain(
      `secret ${NS}/platform-db-credentials does not exist (ESO has not synced it) — fix: dev-bootstrap ensure-local-secrets, then kubectl -n ${NS} describe externalsecret platform-db-credentials`,
    );
    expect(error.problems).toHaveLength(3);
    expect(error.hint).toBe(
      `create it (kubectl create namespace ${NS}) and let ESO deliver the credentials, or run with --mode ensure`,
    );
    expect(kube.state.verbs).toEqual([]);
  });

  it("never falls back: stale, unreachable or missing sources are findings", async () => {
    synced();
    vault.state.store.set("platform/db", creds("platform", "rotated"));
    vault.state.down = false;
    kube.state.secrets.delete(`${NS}/agents-db-credentials`);
    const error = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(error.problems).toEqual([
      `secret ${NS}/platform-db-credentials differs from Vault secret/platform/db (ESO has not synced Vault's current values) — fix: dev-bootstrap ensure-local-secrets --refresh, then kubectl -n ${NS} describe externalsecret platform-db-credentials to see why ESO cannot reach Vault`,
      `secret ${NS}/agents-db-credentials does not exist (ESO has not synced it) — fix: dev-bootstrap ensure-local-secrets, then kubectl -n ${NS} describe externalsecret agents-db-credentials`,
    ]);
    expect(error.hint).toBe(
      "verify mode never fabricates credentials: make ESO deliver these secrets, then rerun",
    );

    synced();
    vault.state.down = true;
    const down = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(down.problems[0]).toBe(
      `could not compare ${NS}/platform-db-credentials with Vault secret/platform/db (GET /v1/secret/data/x: connect ECONNREFUSED 127.0.0.1:8200) — fix: make Vault answer ('vault status'), then rerun the check`,
    );
    expect(kube.state.verbs).toEqual([]);
  });
});

describe("the migrations secret: what it is built from, and what it reports", () => {
  it("creates a v1 Opaque Secret with the primary database's keys unprefixed", async () => {
    synced("platform-pass-1", "agents-pass-1");
    const result = await bootstrap();
    expect([...result.keys].sort()).toEqual(KEYS);
    expect(Object.keys(secret()!.data).sort()).toEqual(KEYS);
    expect(kube.state.sent.at(-1)).toMatchObject({
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
    });
    expect(secret()!.data.FLYWAY_PASSWORD).toBe("platform-pass-1");
    expect(checkpoint("ok")).toMatchObject({
      details: { written: true, keys: result.keys, sources: result.sources },
    });
    // ESO's values are registered for masking where they enter the run.
    expect(host.masker.mask("x agents-pass-1 y")).not.toContain("agents-pass-1");
  });

  it("keeps the labels someone else set when it rewrites", async () => {
    synced();
    await bootstrap();
    kube.put(NS, NAME, { ...secret()!, labels: { team: "data", ...MANAGED } });
    synced("p2", "a1");
    await bootstrap();
    expect(secret()!.labels).toEqual({ team: "data", ...MANAGED });
    expect(kube.state.sent.at(-1)).toMatchObject({ apiVersion: "v1", kind: "Secret" });
  });

  it("names every key that would change, and every non-UTF-8 key", async () => {
    synced();
    await bootstrap();
    const data: Record<string, string> = { ...secret()!.data, FLYWAY_URL: "x", FLYWAY_USER: "y" };
    delete data.AGENTS_FLYWAY_URL;
    delete data.AGENTS_FLYWAY_USER;
    kube.put(NS, NAME, { ...secret()!, data });
    const error = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(error.problems).toEqual([
      `secret ${NS}/${NAME} differs from what ensure would write: FLYWAY_URL, FLYWAY_USER would be updated; AGENTS_FLYWAY_URL, AGENTS_FLYWAY_USER would be added`,
    ]);
    kube.put(NS, NAME, { ...secret()!, binaryKeys: ["A", "B"] });
    await expect(bootstrap()).rejects.toThrow(`holds non-UTF-8 data under A, B`);
  });

  it("a missing secret in verify mode lists every key ensure would write", async () => {
    synced();
    const error = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(error.problems).toEqual([
      `secret ${NS}/${NAME} does not exist (ensure would create it with FLYWAY_URL, FLYWAY_USER, FLYWAY_PASSWORD, AGENTS_FLYWAY_URL, AGENTS_FLYWAY_USER, AGENTS_FLYWAY_PASSWORD)`,
    ]);
    expect(checkpoint("fail")).toMatchObject({
      message: expect.stringContaining("does not exist"),
    });
  });

  it("a 422 on create, or a refusal that is no 422, says what the API said", async () => {
    synced();
    kube.state.faults.push(
      new KubeApiError(
        422,
        "Invalid",
        "create",
        "secrets",
        `${NS}/${NAME}`,
        "metadata.name: bad",
        [],
      ),
    );
    await expect(bootstrap()).rejects.toMatchObject({
      message: `the API rejected secret ${NS}/${NAME} (HTTP 422 Invalid: metadata.name)`,
    });
    kube.state.faults.push(apiError(403, "Forbidden", "create", `${NS}/${NAME}`));
    await expect(bootstrap()).rejects.toMatchObject({
      message: `forbidden: cannot create secrets in namespace ${NS} (RBAC)`,
    });
    expect(checkpoint("fail")).toBeDefined();
  });

  it("a refused read of the secret or of a source is explained, and reported by this step", async () => {
    synced();
    kube.state.readFaults.set(NAME, apiError(403, "Forbidden", "get", `${NS}/${NAME}`));
    await expect(bootstrap()).rejects.toMatchObject({
      message: `forbidden: cannot get secrets in namespace ${NS} (RBAC)`,
    });
    kube.state.readFaults.clear();
    kube.state.readFaults.set(
      "platform-db-credentials",
      apiError(403, "Forbidden", "get", `${NS}/platform-db-credentials`),
    );
    await expect(bootstrap()).rejects.toMatchObject({
      message: `forbidden: cannot get secrets in namespace ${NS} (RBAC)`,
    });
  });

  it("verify with no namespace and unreadable sources still reports the namespace", async () => {
    kube.state.namespaces.clear();
    kube.state.readFaults.set(
      "platform-db-credentials",
      apiError(403, "Forbidden", "get", `${NS}/platform-db-credentials`),
    );
    const error = (await bootstrap({ mode: "verify" }).catch((e: unknown) => e)) as FindingsError;
    expect(error).toBeInstanceOf(FindingsError);
    expect(error.problems).toEqual([
      `namespace ${NS} does not exist (ensure would create it; verify mode creates nothing)`,
    ]);
  });

  it("a refused namespace read in verify mode is explained", async () => {
    kube.state.readFaults.set("Namespace", apiError(403, "Forbidden", "get", NS));
    await expect(bootstrap({ mode: "verify" })).rejects.toMatchObject({
      message: "forbidden: cannot get secrets (RBAC)",
    });
  });

  it("sources that do not make a connection, or a secret past the size limit, are findings", async () => {
    synced();
    kube.put(NS, "platform-db-credentials", {
      immutable: false,
      labels: {},
      binaryKeys: [],
      data: { DATABASE_URL: "not a url" },
    });
    vault.state.store.set("platform/db", { DATABASE_URL: "not a url" });
    const bad = (await bootstrap().catch((e: unknown) => e)) as FindingsError;
    expect(bad).toBeInstanceOf(FindingsError);
    expect(bad.hint).toBe(
      "fix the source credentials (the fixtures, or what ESO delivers) and rerun",
    );
    expect(bad.problems[0]).toMatch(/^platform-db-credentials \(ESO\): /);

    synced("x".repeat(1_100_000));
    const big = (await bootstrap().catch((e: unknown) => e)) as FindingsError;
    expect(big.hint).toBe("rename the database in config, or shorten the values");
    expect(big.problems[0]).toMatch(new RegExp(`^secret ${NS}/${NAME}: `));
    expect(secret()).toBeUndefined();
  });

  it("an ESO Secret Vault has nothing for is used as ESO delivered it", async () => {
    synced();
    vault.state.store.clear();
    const result = await bootstrap();
    expect(result.sources).toEqual([
      "platform-db-credentials (ESO)",
      "agents-db-credentials (ESO)",
    ]);
    expect(result.written).toBe(true);
  });

  it("an ESO Secret with non-UTF-8 or missing keys is named, both at once", async () => {
    synced();
    kube.put(NS, "platform-db-credentials", {
      immutable: false,
      labels: {},
      binaryKeys: ["DB_PASSWORD"],
      data: { DB_USERNAME: "u" },
    });
    await bootstrap();
    expect(run.text()).toContain(
      `secret ${NS}/platform-db-credentials lacks DATABASE_URL (or DB_PASSWORD, DB_HOST, DB_NAME), DB_PASSWORD (not UTF-8); using the Vault defaults`,
    );
  });

  it("no usable Vault defaults: the hint names the keys to add", async () => {
    await expect(bootstrap()).rejects.toMatchObject({
      hint: "add DATABASE_URL (or DB_USERNAME, DB_PASSWORD, DB_HOST, DB_NAME) for it to the fixtures and run 'dev-bootstrap ensure-local-secrets'",
    });
  });

  it("checks an ESO Secret against the Vault path its ExternalSecret reads, and names that ExternalSecret", async () => {
    const config = resolved(
      "eso:\n  externalSecrets:\n    - name: platform-es\n      target: platform-db-credentials\n      vaultPath: platform/eso\n    - name: other-ns\n      namespace: elsewhere\n      target: agents-db-credentials\n      vaultPath: agents/elsewhere\n",
    );
    synced();
    vault.state.store.set("platform/eso", creds("platform", "rotated"));
    vault.state.store.set("agents/elsewhere", creds("agents", "never-read"));
    const error = (await bootstrap({ mode: "verify" }, config).catch(
      (e: unknown) => e,
    )) as FindingsError;
    expect(error.problems).toEqual([
      `secret ${NS}/platform-db-credentials differs from Vault secret/platform/eso (ESO has not synced Vault's current values) — fix: dev-bootstrap ensure-local-secrets --refresh, then kubectl -n ${NS} describe externalsecret platform-es to see why ESO cannot reach Vault`,
    ]);
    expect(vault.state.reads).not.toContain("agents/elsewhere");
    expect(vault.state.reads).toContain("agents/db");
  });

  it("a handoff's Vault values are used as held, a handoff without them reads Vault", async () => {
    synced();
    const held = new Map([
      ["platform/db", creds("platform", "held-rotated")],
      ["agents/db", creds("agents", "a1")],
    ]);
    await bootstrap({ handoff: { vaultHeld: held } });
    expect(secret()!.data.FLYWAY_PASSWORD).toBe("held-rotated");
    expect(vault.state.reads).toEqual([]);

    await bootstrap({ handoff: { credentials: new Map() } });
    expect(vault.state.reads).toEqual(["platform/db", "agents/db"]);
  });

  it("an interrupted run stops, writes nothing and leaves the report to the CLI", async () => {
    synced();
    const controller = new AbortController();
    controller.abort(new Error("interrupted (SIGINT)"));
    vault.state.down = true;
    host = { ...host, signal: controller.signal };
    await expect(bootstrap()).rejects.toThrow("interrupted (SIGINT)");
    expect(secret()).toBeUndefined();
    expect(checkpoint("fail")).toBeUndefined();
  });

  it("Vault down: the warning carries its hint and says nothing was verified", async () => {
    synced();
    vault.state.down = true;
    await bootstrap();
    expect(records().find((r) => r.status === "warn")).toMatchObject({
      step: "db-migrations-secret",
      hint: "when Vault answers ('vault status'), rerun 'dev-bootstrap bootstrap-db-migrations-secret'",
      details: { written: true, verified: false, keys: KEYS.length ? expect.any(Array) : [] },
    });
    run = newLog();
    await bootstrap();
    expect(records().find((r) => r.status === "warn")).toMatchObject({
      details: { written: false, verified: false },
    });
  });
});
