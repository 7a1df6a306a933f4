/**
 * Seeding Vault, driven in-process: an in-memory KV v2 mount whose writes the
 * test can make fail the ways a real Vault's do (a check-and-set mismatch, a
 * lost connection, no answer, a 403), and a virtual clock that records every
 * backoff instead of spending it. What a user relies on: only what differs is
 * written, hand-added keys stay, retries are bounded and spaced, and a write
 * whose outcome is unknown is said to be unknown, never blamed on another writer.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Health, KvRead, Vault } from "../../src/adapters/vault.js";
import {
  VaultAnswerError,
  VaultHttpError,
  VaultNetworkError,
} from "../../src/adapters/vault-errors.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { ResolvedPath } from "../../src/core/fixtures.js";
import type { Host } from "../../src/flows/host.js";
import { seedVault } from "../../src/flows/seed-vault.js";
import { type VirtualClock, virtualClock } from "../helpers/clock.js";
import { type CapturedLog, captureLog, partialHost } from "../helpers/flow-run.js";
import { makeWorkspace } from "../helpers/workspace.js";

type Entry = { version: number; data: Record<string, string>; deleted?: boolean };
type WriteFault = (path: string, cas: number) => unknown;

/** A KV v2 mount in memory; `faults` are thrown by the next writes, one each. */
function memoryVault() {
  const store = new Map<string, Entry>();
  const state = {
    store,
    writes: [] as Array<{ path: string; cas: number; data: Record<string, string> }>,
    reads: 0,
    faults: [] as WriteFault[],
    readFaults: [] as Array<(() => unknown) | undefined>,
    /** Applied before a fault is thrown: the write landed, the answer did not. */
    landBeforeFault: false,
  };
  const land = (path: string, data: ReadonlyMap<string, string>) => {
    const version = (store.get(path)?.version ?? 0) + 1;
    const values = Object.fromEntries([...data].map(([k, v]) => [k, JSON.parse(v) as string]));
    store.set(path, { version, data: values });
    return { version, values };
  };
  const api = {
    addr: "http://vault.test:8200",
    health: async (): Promise<Health> => ({ status: 200, state: "active" }),
    lookupSelf: async () => ({ policies: ["root"] }),
    readMount: async () => ({ type: "kv", version: "2" }),
    enableKv2: async () => {},
    kvRead: async (_mount: string, path: string): Promise<KvRead> => {
      state.reads++;
      const fault = state.readFaults.shift();
      if (fault) throw fault();
      const found = store.get(path);
      if (!found) return { kind: "missing" };
      if (found.deleted)
        return {
          kind: "deleted",
          version: found.version,
          deletedAt: "2026-01-01T00:00:00Z",
          destroyed: false,
        };
      const raw = new Map(Object.entries(found.data).map(([k, v]) => [k, JSON.stringify(v)]));
      return { kind: "present", version: found.version, data: { ...found.data }, raw };
    },
    kvWrite: async (_mount: string, path: string, data: ReadonlyMap<string, string>, cas = 0) => {
      const fault = state.faults.shift();
      if (fault) {
        if (state.landBeforeFault) land(path, data);
        throw fault(path, cas);
      }
      const current = store.get(path)?.version ?? 0;
      if (cas !== current)
        throw new VaultHttpError(
          400,
          ["check-and-set parameter did not match the current version"],
          "POST",
          `/v1/secret/data/${path}`,
          {},
        );
      const { version, values } = land(path, data);
      state.writes.push({ path, cas, data: values });
      return version;
    },
    read: async () => undefined,
    write: async () => {},
  } satisfies Vault;
  return { ...state, state, api };
}

const casMismatch: WriteFault = (path) =>
  new VaultHttpError(
    400,
    ["check-and-set parameter did not match the current version"],
    "POST",
    `/v1/secret/data/${path}`,
    {},
  );
const forbidden: WriteFault = (path) =>
  new VaultHttpError(403, ["permission denied"], "POST", `/v1/secret/data/${path}`, {});
const reset: WriteFault = (path) =>
  new VaultNetworkError(
    `POST /v1/secret/data/${path}: socket hang up`,
    "ECONNRESET",
    "POST",
    path,
    true,
  );
const noAnswer: WriteFault = (path) =>
  new VaultNetworkError(
    `POST /v1/secret/data/${path}: no answer within 5000 ms`,
    "ETIMEDOUT",
    "POST",
    path,
    true,
  );
const unusable: WriteFault = (path) =>
  new VaultAnswerError(`POST /v1/secret/data/${path}: answer is not JSON`, "POST", path);

const fixture = (path: string, values: Record<string, string>): [string, ResolvedPath] => [
  path,
  { path, file: "vault/fixtures/app.yaml", values, secretKeys: new Set(Object.keys(values)) },
];

let vault: ReturnType<typeof memoryVault>;
let clock: VirtualClock;
let host: Host;
let run: CapturedLog;
const resolved = () => resolveConfig({ cwd: makeWorkspace({}).dir, env: {} });

beforeEach(() => {
  vault = memoryVault();
  clock = virtualClock();
  host = partialHost({ clock, vault: async () => vault.api });
  run = captureLog({ command: "ensure-local-secrets", clock, masker: host.masker });
});

const notes = () => run.notes();
const checkpoint = (step: string, status: string) => run.checkpoint(step, status);

const seed = (
  fixtures: Array<[string, ResolvedPath]>,
  options: { plan?: boolean; only?: Set<string> } = {},
) =>
  seedVault(host, resolved(), run.log, {
    fixtures: new Map(fixtures),
    plan: options.plan ?? false,
    ...(options.only ? { only: options.only } : {}),
  });

describe("seeding Vault in-process", () => {
  it("writes missing paths with cas 0, then a rerun writes nothing", async () => {
    const first = await seed([fixture("app/db", { USER: "app", PASSWORD: "s3cret" })]);
    expect(vault.state.writes).toEqual([
      { path: "app/db", cas: 0, data: { USER: "app", PASSWORD: "s3cret" } },
    ]);
    expect(first.written).toBe(1);
    expect(first.unchanged).toBe(0);
    expect(first.paths[0]).toMatchObject({ action: "create", found: "missing", written: true });
    expect(first.paths[0]!.keys).toEqual([
      { key: "USER", action: "create" },
      { key: "PASSWORD", action: "create" },
    ]);
    expect(first.held.get("app/db")).toEqual({ USER: "app", PASSWORD: "s3cret" });
    expect(checkpoint("vault:seed", "start")?.message).toBe("seeding 1 path(s) under secret/");
    expect(checkpoint("vault:seed", "ok")).toMatchObject({
      message: "Vault sync success (written 1, unchanged 0, paths 1)",
      details: { written: 1, unchanged: 0, paths: 1 },
    });
    // A missing path is created, not announced as a deleted one.
    expect(run.text()).not.toContain("soft-deleted");
    expect(run.text()).not.toContain("s3cret");

    run = captureLog({ command: "ensure-local-secrets", clock, masker: host.masker });
    const second = await seed([fixture("app/db", { USER: "app", PASSWORD: "s3cret" })]);
    expect(vault.state.writes).toHaveLength(1);
    expect(second).toMatchObject({ written: 0, unchanged: 1 });
    expect(second.paths[0]).toMatchObject({
      action: "unchanged",
      found: "present",
      written: false,
    });
    expect(second.held.get("app/db")).toEqual({ USER: "app", PASSWORD: "s3cret" });
    expect(run.text()).toContain("Vault sync success (written 0, unchanged 1, paths 1)");
  });

  it("updates only what changed, with the version it read, and keeps hand-added keys", async () => {
    vault.store.set("app/db", {
      version: 3,
      data: { USER: "app", PASSWORD: "old", EXTRA: "mine" },
    });
    const result = await seed([fixture("app/db", { USER: "app", PASSWORD: "new" })]);
    expect(vault.state.writes).toEqual([
      { path: "app/db", cas: 3, data: { USER: "app", PASSWORD: "new", EXTRA: "mine" } },
    ]);
    expect(result.paths[0]).toMatchObject({ action: "update", found: "present", written: true });
    expect(result.paths[0]!.keys).toEqual([
      { key: "USER", action: "unchanged" },
      { key: "PASSWORD", action: "update" },
      { key: "EXTRA", action: "kept" },
    ]);
    expect(result.held.get("app/db")).toEqual({ USER: "app", PASSWORD: "new", EXTRA: "mine" });
  });

  it("writes a new version over a soft-deleted one, and says it did not undelete", async () => {
    vault.store.set("app/db", { version: 2, data: {}, deleted: true });
    const result = await seed([fixture("app/db", { PASSWORD: "p" })]);
    expect(vault.state.writes).toEqual([{ path: "app/db", cas: 2, data: { PASSWORD: "p" } }]);
    expect(result.paths[0]).toMatchObject({ action: "create", found: "deleted", written: true });
    expect(notes()).toContainEqual(
      expect.objectContaining({
        step: "vault:seed",
        message:
          "secret/app/db: latest version 2 is soft-deleted; writing a new version on top (undelete not attempted)",
      }),
    );
  });

  it("plans without writing, counting what would change", async () => {
    vault.store.set("app/same", { version: 1, data: { K: "v" } });
    const result = await seed([fixture("app/same", { K: "v" }), fixture("app/new", { K: "v" })], {
      plan: true,
    });
    expect(vault.state.writes).toEqual([]);
    expect(result.written).toBe(0);
    expect(result.paths.map((p) => [p.path, p.action, p.written])).toEqual([
      ["app/same", "unchanged", false],
      ["app/new", "create", false],
    ]);
    expect(run.text()).toContain("planning 2 path(s) under secret/");
    expect(run.text()).toContain("plan: 1 path(s) would change, 1 unchanged");
    expect(run.text()).not.toContain("Vault sync success");
  });

  it("seeds only the selected paths", async () => {
    const result = await seed([fixture("app/a", { K: "a" }), fixture("app/b", { K: "b" })], {
      only: new Set(["app/b"]),
    });
    expect(vault.state.writes.map((w) => w.path)).toEqual(["app/b"]);
    expect(result.paths.map((p) => p.path)).toEqual(["app/b"]);
    expect(run.text()).toContain("seeding 1 path(s)");
  });

  it("re-reads after a check-and-set mismatch and writes over the newer version", async () => {
    vault.faults.push(casMismatch);
    const result = await seed([fixture("app/db", { K: "v" })]);
    expect(vault.state.writes).toEqual([{ path: "app/db", cas: 0, data: { K: "v" } }]);
    expect(result.paths[0]).toMatchObject({ written: true });
    expect(notes()).toContainEqual(
      expect.objectContaining({
        step: "vault:seed",
        message:
          "secret/app/db: changed by another writer (check-and-set 0 did not match); re-reading",
      }),
    );
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThan(0);
  });

  it("gives up after four check-and-set mismatches, backing off between them", async () => {
    vault.faults.push(casMismatch, casMismatch, casMismatch, casMismatch, casMismatch);
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toMatchObject({
      message: "gave up writing secret/app/db after 4 attempts: it keeps changing under us",
      hint: "another process is writing the same path; stop it, or rerun when it is done",
    });
    expect(vault.state.reads).toBe(4);
    expect(vault.faults).toHaveLength(1);
    // Three waits between four attempts, growing, none after the last.
    expect(clock.sleeps).toHaveLength(3);
    expect(clock.sleeps[0]!).toBeGreaterThan(0);
    expect(clock.sleeps[2]!).toBeGreaterThan(clock.sleeps[0]!);
    expect(vault.store.has("app/db")).toBe(false);
  });

  it("a lost connection whose write landed: the re-read shows it, and it counts as written", async () => {
    vault.faults.push(reset);
    vault.state.landBeforeFault = true;
    const result = await seed([fixture("app/db", { K: "v" })]);
    expect(result.paths[0]).toMatchObject({ action: "create", found: "missing", written: true });
    expect(result.written).toBe(1);
    expect(result.held.get("app/db")).toEqual({ K: "v" });
    expect(notes()).toContainEqual(
      expect.objectContaining({
        step: "vault:seed",
        message:
          "secret/app/db: connection lost after the write was sent (ECONNRESET); re-reading to see whether it landed",
      }),
    );
  });

  it("a lost connection whose write did not land: written again, with check-and-set", async () => {
    vault.faults.push(reset);
    const result = await seed([fixture("app/db", { K: "v" })]);
    expect(vault.state.writes).toEqual([{ path: "app/db", cas: 0, data: { K: "v" } }]);
    expect(result.paths[0]).toMatchObject({ written: true });
  });

  it("keeps losing the connection: says the outcome is unknown, not another writer", async () => {
    vault.faults.push(reset, reset, reset, reset);
    const error = await seed([fixture("app/db", { K: "v" })]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      message:
        "the write to secret/app/db may or may not have been applied: the connection was lost after the write was sent (ECONNRESET); re-reading showed our values are not there (yet)",
      hint: "check Vault ('vault kv get secret/app/db'), then rerun: writes use check-and-set, so a rerun never overwrites a newer version",
    });
    expect(clock.sleeps).toHaveLength(3);
  });

  it("a write with no answer in time is not sent again", async () => {
    vault.faults.push(noAnswer);
    const error = await seed([fixture("app/db", { K: "v" })]).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "the write to secret/app/db may or may not have been applied: no answer within 5000 ms; re-reading showed our values are not there (yet)",
    );
    expect(vault.state.writes).toEqual([]);
    expect(vault.state.reads).toBe(2);
    expect(run.text()).toContain(
      "secret/app/db: no answer to the write in time; re-reading to see whether it landed",
    );
  });

  it("an unusable answer to a write: re-read, and not sent again", async () => {
    vault.faults.push(unusable);
    const error = await seed([fixture("app/db", { K: "v" })]).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "the write to secret/app/db may or may not have been applied: POST /v1/secret/data/app/db: answer is not JSON; re-reading showed our values are not there (yet)",
    );
    expect(vault.state.writes).toEqual([]);
    expect(notes()).toContainEqual(
      expect.objectContaining({
        step: "vault:seed",
        message: "secret/app/db: unusable answer to the write; re-reading to see whether it landed",
      }),
    );
  });

  it("an unusable answer whose write landed counts as written", async () => {
    vault.faults.push(unusable);
    vault.state.landBeforeFault = true;
    const result = await seed([fixture("app/db", { K: "v" })]);
    expect(result.paths[0]).toMatchObject({ written: true, action: "create" });
  });

  it("a re-read that fails after a lost write says both", async () => {
    vault.faults.push(reset);
    // The first read finds nothing; the re-read after the lost write fails.
    vault.readFaults.push(
      undefined,
      () =>
        new VaultNetworkError(
          "GET /v1/secret/data/app/db: connect ECONNREFUSED\nmore",
          "ECONNREFUSED",
          "GET",
          "app/db",
          false,
        ),
    );
    const error = await seed([fixture("app/db", { K: "v" })]).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "the write to secret/app/db may or may not have been applied: the connection was lost after the write was sent (ECONNRESET); re-reading it failed too (GET /v1/secret/data/app/db: connect ECONNREFUSED)",
    );
  });

  it("a refused read fails the run as a Vault request failure", async () => {
    vault.readFaults.push(
      () => new VaultHttpError(500, ["internal error"], "GET", "/v1/secret/data/app/db", {}),
    );
    const error = await seed([fixture("app/db", { K: "v" })]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: "Vault request failed: GET /v1/secret/data/app/db: HTTP 500: internal error",
      hint: "check Vault's state and rerun; paths already written stay written",
    });
  });

  it("an unusable read answer names VAULT_ADDR", async () => {
    vault.readFaults.push(
      () => new VaultAnswerError("GET /v1/secret/data/app/db: not JSON", "GET", "app/db"),
    );
    const error = await seed([fixture("app/db", { K: "v" })]).catch((e: unknown) => e);
    expect(error).toMatchObject({
      message: "Vault's answer is unusable: GET /v1/secret/data/app/db: not JSON",
      hint: "is VAULT_ADDR Vault itself (not a proxy or another service)? Nothing was written to that path; paths already written stay written",
    });
  });

  it("a 403 on read or write names the capability the token lacks", async () => {
    vault.readFaults.push(
      () => new VaultHttpError(403, ["permission denied"], "GET", "/v1/secret/data/app/db", {}),
    );
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow(
      "permission denied: the Vault token lacks 'read' on /v1/secret/data/app/db",
    );
    vault.faults.push(forbidden);
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow(
      "permission denied: the Vault token lacks 'create' on /v1/secret/data/app/db",
    );
    vault.store.set("app/db", { version: 1, data: { K: "old" } });
    vault.faults.push(forbidden);
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow(
      "permission denied: the Vault token lacks 'update' on /v1/secret/data/app/db",
    );
    expect(vault.store.get("app/db")!.data).toEqual({ K: "old" });
  });

  it("any other write error is not retried", async () => {
    vault.faults.push(
      (path) => new VaultHttpError(500, ["internal error"], "POST", `/v1/secret/data/${path}`, {}),
    );
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow(
      "Vault request failed: POST /v1/secret/data/app/db: HTTP 500: internal error",
    );
    expect(vault.state.reads).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("a 400 that is no check-and-set mismatch fails at once, and so does a 500 that mentions one", async () => {
    vault.faults.push(
      (path) => new VaultHttpError(400, ["invalid request"], "POST", `/v1/secret/data/${path}`, {}),
    );
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow(
      "Vault request failed: POST /v1/secret/data/app/db: HTTP 400: invalid request",
    );
    vault.faults.push(
      (path) =>
        new VaultHttpError(
          500,
          ["failed to check-and-set: storage unavailable"],
          "POST",
          `/v1/secret/data/${path}`,
          {},
        ),
    );
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow("HTTP 500");
    expect(vault.state.reads).toBe(2);
    expect(clock.sleeps).toEqual([]);
  });

  it("a mismatch among other errors of a 400 is still a mismatch", async () => {
    vault.faults.push(
      (path) =>
        new VaultHttpError(
          400,
          ["1 error occurred", "check-and-set parameter did not match the current version"],
          "POST",
          `/v1/secret/data/${path}`,
          {},
        ),
    );
    const result = await seed([fixture("app/db", { K: "v" })]);
    expect(result.written).toBe(1);
  });

  it("a re-read after a mismatch that fails is a Vault failure, not an unknown write", async () => {
    vault.faults.push(casMismatch);
    vault.readFaults.push(
      undefined,
      () => new VaultHttpError(500, ["internal error"], "GET", "/v1/secret/data/app/db", {}),
    );
    const error = await seed([fixture("app/db", { K: "v" })]).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "Vault request failed: GET /v1/secret/data/app/db: HTTP 500: internal error",
    );
  });

  it("a write refused before it was sent is not re-read as a lost one", async () => {
    vault.faults.push(
      (path) =>
        new VaultNetworkError(
          `POST /v1/secret/data/${path}: connect ECONNREFUSED`,
          "ECONNREFUSED",
          "POST",
          path,
          false,
        ),
    );
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow(
      "Vault request failed: POST /v1/secret/data/app/db: connect ECONNREFUSED",
    );
    expect(vault.state.reads).toBe(1);
  });

  it("a path with no values that Vault lacks is unchanged, not written", async () => {
    const result = await seed([fixture("app/empty", {})]);
    expect(result.paths[0]).toMatchObject({
      action: "unchanged",
      found: "missing",
      written: false,
    });
    expect(result.held.has("app/empty")).toBe(false);
    expect(vault.state.writes).toEqual([]);
  });

  it("an error that is none of Vault's passes through unreported, for the CLI to report once", async () => {
    vault.faults.push(() => new TypeError("boom"));
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow("boom");
    expect(checkpoint("vault:seed", "fail")).toBeUndefined();
    vault.faults.push(forbidden);
    await expect(seed([fixture("app/db", { K: "v" })])).rejects.toThrow("permission denied");
    expect(checkpoint("vault:seed", "fail")).toMatchObject({
      message: expect.stringContaining("permission denied: the Vault token lacks 'create'"),
    });
  });

  it("waits for a sealed Vault within vault.readyTimeoutSeconds", async () => {
    let sealed = 2;
    vault.api.health = async () =>
      sealed-- > 0
        ? { status: 503, state: "sealed" as const }
        : { status: 200, state: "active" as const };
    const result = await seed([fixture("app/db", { K: "v" })]);
    expect(result.written).toBe(1);
    expect(clock.sleeps.length).toBeGreaterThanOrEqual(2);

    sealed = Number.POSITIVE_INFINITY;
    const started = clock.elapsed();
    await expect(
      seedVault(
        host,
        resolveConfig({
          cwd: makeWorkspace({ "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 3\n" }).dir,
          env: {},
        }),
        run.log,
        {
          fixtures: new Map([fixture("app/db", { K: "w" })]),
          plan: false,
        },
      ),
    ).rejects.toThrow();
    const waited = clock.elapsed() - started;
    expect(waited).toBeGreaterThanOrEqual(3000);
    expect(waited).toBeLessThan(3000 + 10_000);
    expect(vault.store.get("app/db")!.data).toEqual({ K: "v" });
  });
});
