/**
 * The fixture watcher's timers run on the run's clock: a save starts a quiet
 * period that each further save restarts, and a failed run is retried after a
 * backoff. Driven here with a virtual clock, an in-memory Vault and a watcher
 * whose events the test sends: nothing waits for real time to pass.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KvRead, Vault } from "../../src/adapters/vault.js";
import { VaultHttpError } from "../../src/adapters/vault-errors.js";
import { nodeFs } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Host, Watcher } from "../../src/flows/host.js";
import { FixtureWatcher } from "../../src/flows/watch-fixtures.js";
import { CheckpointLogger } from "../../src/log/logger.js";
import { type VirtualClock, virtualClock } from "../helpers/clock.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const fixture = (password: string) => `paths:\n  app/db:\n    DB_PASSWORD: "${password}"\n`;

/** A KV v2 mount in memory; `failWrites` makes every write fail as a Vault in trouble does. */
function memoryVault() {
  const store = new Map<string, { version: number; data: Record<string, string> }>();
  const vault = {
    failWrites: false,
    writes: [] as string[],
    store,
    api: {
      addr: "http://vault.test:8200",
      health: async () => ({ status: 200, state: "active" as const }),
      lookupSelf: async () => ({ policies: ["root"] }),
      readMount: async () => ({ type: "kv", version: "2" }),
      enableKv2: async () => {},
      kvRead: async (_mount: string, path: string): Promise<KvRead> => {
        const found = store.get(path);
        if (!found) return { kind: "missing" };
        const raw = new Map(Object.entries(found.data).map(([k, v]) => [k, JSON.stringify(v)]));
        return { kind: "present", version: found.version, data: { ...found.data }, raw };
      },
      kvWrite: async (mount: string, path: string, data: ReadonlyMap<string, string>) => {
        if (vault.failWrites)
          throw new VaultHttpError(
            500,
            ["internal error"],
            "POST",
            `/v1/${mount}/data/${path}`,
            {},
          );
        const version = (store.get(path)?.version ?? 0) + 1;
        const values = Object.fromEntries([...data].map(([k, v]) => [k, JSON.parse(v) as string]));
        store.set(path, { version, data: values });
        vault.writes.push(`${path}=${values.DB_PASSWORD}`);
        return version;
      },
      read: async () => undefined,
      write: async () => {},
    } satisfies Vault,
  };
  return vault;
}

/** A file watcher whose events the test sends. */
function manualWatcher() {
  const listeners = new Map<string, Array<(path: string) => void>>();
  const watcher: Watcher = {
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return watcher;
    },
    once(_event, listener) {
      queueMicrotask(listener); // ready at once: there is no initial scan to wait for
      return watcher;
    },
    add: () => undefined,
    unwatch: () => undefined,
    close: async () => {},
  };
  return {
    watcher,
    emit: (event: "add" | "change" | "unlink", path: string) => {
      for (const listener of listeners.get(event) ?? []) listener(path);
    },
  };
}

let ws: Workspace;
let clock: VirtualClock;
let vault: ReturnType<typeof memoryVault>;
let files: ReturnType<typeof manualWatcher>;
let out: string;
let watcher: FixtureWatcher;

beforeEach(() => {
  ws = makeWorkspace({ "vault/fixtures/app.yaml": fixture("one") });
  clock = virtualClock();
  vault = memoryVault();
  files = manualWatcher();
  out = "";
  const resolved = resolveConfig({ cwd: ws.dir, env: {} });
  const masker = new SecretMasker();
  const host = {
    env: {},
    signal: undefined,
    masker,
    fs: nodeFs,
    clock,
    vault: async () => vault.api,
    watch: { watch: async () => files.watcher },
    withWorkspaceLock: (_log, fn) => fn(),
  } as Partial<Host> as Host;
  let runs = 0;
  const newRun = () =>
    new CheckpointLogger({
      now: clock.now,
      runId: `run-${++runs}`,
      command: "watch-vault-fixtures",
      format: "human",
      colour: false,
      out: { write: (text: string) => (out += text) },
      journal: undefined,
      masker,
    });
  watcher = new FixtureWatcher(() => host, resolved, newRun, {
    debounceMs: 300,
    poll: false,
    skipEso: true,
    retry: { attempts: 3, initialMs: 1000, maxMs: 30_000 },
  });
});
afterEach(() => watcher.stop());

const save = (password: string) => {
  ws.write("vault/fixtures/app.yaml", fixture(password));
  files.emit("change", `${ws.dir}/vault/fixtures/app.yaml`);
};

describe("the fixture watcher on the run's clock", () => {
  it("runs once after a quiet period that each further save restarts", async () => {
    await watcher.start();
    await watcher.idle();
    expect(vault.writes).toEqual(["app/db=one"]);

    save("two");
    expect(clock.pending()).toEqual([300]);
    clock.advance(200);
    save("three"); // within the quiet period: it starts again, one run follows
    expect(clock.pending()).toEqual([300]);
    clock.advance(299);
    expect(watcher.runs).toBe(1);
    clock.advance(1);
    await watcher.idle();
    expect(watcher.runs).toBe(2);
    expect(vault.writes).toEqual(["app/db=one", "app/db=three"]);
    expect(clock.pending()).toEqual([]);
  });

  it("retries a failed run after its backoff, and converges without another save", async () => {
    vault.failWrites = true;
    await watcher.start();
    await watcher.idle();
    expect(out).toMatch(/\[watch:retry\]\s+run failed .*; retry 1 of 3 in [01]\.\d s/);
    // The first retry waits about initialMs (±20 % jitter), and nothing runs before it.
    const [delay] = clock.pending();
    expect(delay).toBeGreaterThanOrEqual(800);
    expect(delay).toBeLessThanOrEqual(1200);
    clock.advance(delay! - 1);
    expect(watcher.runs).toBe(1);

    vault.failWrites = false; // Vault recovered meanwhile
    clock.advance(1);
    await watcher.idle();
    expect(watcher.runs).toBe(2);
    expect(out).toMatch(/retry 1 of 3 after a failed run/);
    expect(vault.writes).toEqual(["app/db=one"]);
    expect(clock.pending()).toEqual([]);
  });

  it("a save while a retry is scheduled runs now, and the retry is dropped", async () => {
    vault.failWrites = true;
    await watcher.start();
    await watcher.idle();
    expect(clock.pending()).toHaveLength(1);
    vault.failWrites = false;
    save("two");
    clock.advance(300);
    await watcher.idle();
    expect(vault.writes).toEqual(["app/db=two"]);
    expect(clock.pending()).toEqual([]);
  });

  it("stop cancels a pending quiet period: the save it waited for never runs", async () => {
    await watcher.start();
    await watcher.idle();
    save("two");
    expect(clock.pending()).toEqual([300]);
    await watcher.stop();
    expect(clock.pending()).toEqual([]);
    clock.advance(1000);
    expect(watcher.runs).toBe(1);
  });
});
