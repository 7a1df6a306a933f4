/**
 * watch-vault-fixtures, driven in-process against the in-process stand-ins (Vault,
 * the Kubernetes API and the ESO reconciler on loopback) through the real adapters,
 * with a watcher whose file events the test sends and a virtual clock for the quiet
 * period and the retries. What a user relies on (FAULTS.md 20–24, 40): a save
 * re-seeds only the paths whose values changed, an invalid save keeps the last good
 * values and pushes nothing, a deleted file deletes nothing remotely, a save during
 * a run is seen and runs once after it, a failed run is retried with bounded
 * backoff, and dev-bootstrap.yaml is reloaded like a fixture.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, systemClock } from "../../src/cli/host.js";
import { type ResolvedConfig, resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Clock, Host } from "../../src/flows/host.js";
import { FixtureWatcher } from "../../src/flows/watch-fixtures.js";
import { CheckpointLogger } from "../../src/log/logger.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { type VirtualClock, virtualClock } from "../helpers/clock.js";
import { type ManualWatcher, manualWatcher } from "../helpers/manual-watcher.js";
import { until } from "../helpers/wait.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

type LogRecord = {
  runId: string;
  step: string;
  status?: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
};

const fixture = (path: string, password: string) =>
  `paths:\n  ${path}:\n    DB_PASSWORD: "${password}"\n`;

let world: World;
let ws: Workspace;
let clock: VirtualClock;
let files: ManualWatcher;
let out: string;
let watcher: FixtureWatcher | undefined;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  world = await startWorld();
  // The reconciler syncs at once: the tests wait for its Ready status, not for a queue.
  world.eso.delayMs = 0;
  clock = virtualClock();
  files = manualWatcher();
  out = "";
  watcher = undefined;
  env = { PATH: process.env.PATH, HOME: process.env.HOME, ...world.env };
});
afterEach(async () => {
  await watcher?.stop();
  await world.stop();
});

/** The JSON records written so far (every run's), in order. */
const records = (): LogRecord[] =>
  out
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogRecord);
const ofRun = (runId: string) => records().filter((r) => r.runId === runId);
/** "<status> <message>" of every line a step wrote, across runs. */
const lines = (step: string) =>
  records()
    .filter((r) => r.step === step)
    .map((r) => `${r.status ?? "note"} ${r.message}`);

/** Vault's KV v2 writes, as "<path>" per write request. */
const kvWrites = () =>
  world.vault.requests
    .filter((r) => r.method !== "GET" && r.path.startsWith("/v1/secret/data/"))
    .map((r) => r.path.slice("/v1/secret/data/".length));
const stored = (path: string) => world.vault.read("secret", path);

interface Setup {
  config?: string;
  fixtures?: Record<string, string>;
  skipEso?: boolean;
  poll?: boolean;
  reload?: boolean;
  retry?: { attempts: number; initialMs: number; maxMs: number };
  signal?: AbortSignal;
  /** Replaces the workspace lock of every run. */
  lock?: Host["withWorkspaceLock"];
  /** The clock the runs' ports wait on (ESO's status polls); the watcher's own timers use `clock`. */
  runClock?: Clock;
}

function makeWatcher(setup: Setup = {}): { resolved: ResolvedConfig } {
  ws = makeWorkspace({
    "dev-bootstrap.yaml": setup.config ?? "vault:\n  readyTimeoutSeconds: 2\n",
    ...(setup.fixtures ?? {
      "vault/fixtures/a.yaml": fixture("app/a", "a1"),
      "vault/fixtures/b.yaml": fixture("app/b", "b1"),
    }),
  });
  const resolve = () => resolveConfig({ cwd: ws.dir, env });
  const resolved = resolve();
  const masker = new SecretMasker();
  let hosts = 0;
  const hostFor = (r: ResolvedConfig): Host => ({
    ...createHost({
      resolved: r,
      masker,
      env,
      signal: setup.signal,
      clock: hosts++ === 0 ? clock : (setup.runClock ?? clock),
    }),
    watch: files.port,
    ...(setup.lock ? { withWorkspaceLock: setup.lock } : {}),
  });
  let runs = 0;
  const newRun = () =>
    new CheckpointLogger({
      now: clock.now,
      runId: `run-${++runs}`,
      command: "watch-vault-fixtures",
      format: "json",
      colour: false,
      out: { write: (text: string) => (out += text) },
      journal: undefined,
      masker,
    });
  watcher = new FixtureWatcher(hostFor, resolved, newRun, {
    debounceMs: 300,
    poll: setup.poll ?? false,
    skipEso: setup.skipEso ?? true,
    ...(setup.reload ? { reloadConfig: resolve } : {}),
    retry: setup.retry ?? { attempts: 3, initialMs: 1000, maxMs: 30_000 },
  });
  return { resolved };
}

/** Writes a fixture file and sends its change event (an editor's save). */
const save = (name: string, text: string) => {
  const file = ws.write(`vault/fixtures/${name}`, text);
  files.emit("change", file);
};
/** Ends the quiet period and waits until the run it starts (and any queued one) is done. */
const settle = async () => {
  clock.advance(300);
  await watcher!.idle();
};

describe("the fixture watcher against the stand-ins", () => {
  it("syncs every path at start, then re-seeds only the path whose value changed", async () => {
    makeWatcher();
    await watcher!.start();
    await watcher!.idle();
    expect(ofRun("run-1").map((r) => `${r.step} ${r.status} ${r.message}`)).toEqual(
      expect.arrayContaining([
        "watch:fixtures start initial sync of the fixtures",
        "watch:fixtures ok 2 path(s) written: app/a, app/b",
      ]),
    );
    expect(kvWrites().sort()).toEqual(["app/a", "app/b"]);

    save("a.yaml", fixture("app/a", "a2"));
    await settle();
    expect(watcher!.runs).toBe(2);
    expect(ofRun("run-2").filter((r) => r.step === "watch:fixtures")).toMatchObject([
      { status: "start", message: "fixtures changed: a.yaml" },
      { status: "ok", message: "1 path(s) written: app/a" },
    ]);
    expect(kvWrites().sort()).toEqual(["app/a", "app/a", "app/b"]);
    expect(stored("app/a")).toEqual({ DB_PASSWORD: "a2" });
    expect(world.vault.versionCount("secret", "app/b")).toBe(1);
    // Only the changed path is compared with Vault, not every path again.
    expect(ofRun("run-2")).toContainEqual(
      expect.objectContaining({
        step: "vault:seed",
        status: "start",
        message: "seeding 1 path(s) under secret/",
      }),
    );
    // No secret value in anything written.
    expect(out).not.toContain("a2");
  });

  it("a save that changes no value pushes nothing and asks nothing of Vault", async () => {
    makeWatcher();
    await watcher!.start();
    await watcher!.idle();
    const asked = world.vault.requests.length;
    save("b.yaml", `# a comment only\n${fixture("app/b", "b1")}`);
    await settle();
    expect(ofRun("run-2").filter((r) => r.step === "watch:fixtures")).toMatchObject([
      { status: "start", message: "fixtures changed: b.yaml" },
      { status: "ok", message: "no value changed; nothing to push" },
    ]);
    expect(world.vault.requests.length).toBe(asked);
  });

  it("files that are not fixtures, and hidden files, start no run", async () => {
    makeWatcher();
    await watcher!.start();
    await watcher!.idle();
    for (const name of ["notes.txt", ".a.yaml.swp", ".hidden.yaml", "a.yaml~", "a.yaml.bak"])
      files.emit("change", join(ws.dir, "vault/fixtures", name));
    files.emit("add", join(ws.dir, "vault/fixtures/.tmp.yml"));
    files.emit("unlink", join(ws.dir, "vault/fixtures/.tmp.yml"));
    expect(clock.pending()).toEqual([]);
    clock.advance(10_000);
    await watcher!.idle();
    expect(watcher!.runs).toBe(1);

    // A new .yml file counts: its paths are pushed.
    ws.write("vault/fixtures/c.yml", fixture("app/c", "c1"));
    files.emit("add", join(ws.dir, "vault/fixtures/c.yml"));
    await settle();
    expect(lines("watch:fixtures").slice(-2)).toEqual([
      "start fixtures changed: c.yml",
      "ok 1 path(s) written: app/c",
    ]);
  });

  it("watches the fixture directory only (depth 0) with events, or by polling when asked (FAULTS 24)", async () => {
    makeWatcher();
    await watcher!.start();
    expect(files.watched).toHaveLength(1);
    const [{ paths, options }] = files.watched as [(typeof files.watched)[0]];
    expect(paths).toBe(join(ws.dir, "vault/fixtures"));
    expect(options).toMatchObject({
      ignoreInitial: true,
      depth: 0,
      usePolling: false,
      atomic: true,
    });
    // What the file watcher skips: files that are not fixtures, never a directory.
    const file = { isFile: () => true };
    const dir = { isFile: () => false };
    expect(options.ignored(join(ws.dir, "vault/fixtures/notes.txt"), file)).toBe(true);
    expect(options.ignored(join(ws.dir, "vault/fixtures/a.yaml"), file)).toBe(false);
    expect(options.ignored(join(ws.dir, "vault/fixtures/a.yml"), file)).toBe(false);
    expect(options.ignored(join(ws.dir, "vault/fixtures"), dir)).toBe(false);
    expect(options.ignored(join(ws.dir, "vault/fixtures/notes.txt"))).toBe(false);
    await watcher!.stop();
    expect(files.closed).toBe(true);

    files = manualWatcher();
    makeWatcher({ poll: true, reload: true });
    await watcher!.start();
    const polled = files.watched[0]!;
    // Polling reports a rename-over as unlink+add itself: no atomic coalescing.
    expect(polled.options).toMatchObject({ usePolling: true, atomic: false });
    expect(polled.paths).toEqual([
      join(ws.dir, "vault/fixtures"),
      join(ws.dir, "dev-bootstrap.yaml"),
    ]);
  });

  it("an invalid save is reported at its position, pushes nothing, and the next valid save recovers (FAULTS 21)", async () => {
    makeWatcher();
    await watcher!.start();
    await watcher!.idle();
    const asked = kvWrites().length;

    save("a.yaml", 'paths:\n  app/a:\n    DB_PASSWORD: "a2\n');
    await settle();
    const failed = ofRun("run-2").find((r) => r.step === "watch:fixtures" && r.status === "fail")!;
    expect(failed.message).toMatch(/vault\/fixtures\/a\.yaml:\d+:\d+/);
    expect(failed.hint).toBe(
      "fix it and save again; Vault keeps the last good values, nothing was pushed",
    );
    expect((failed.details as { problems: string[] }).problems[0]).toMatch(
      /^vault\/fixtures\/a\.yaml:\d+:\d+: /,
    );
    expect(kvWrites()).toHaveLength(asked);
    expect(stored("app/a")).toEqual({ DB_PASSWORD: "a1" });
    // Not a server fault: nothing is retried.
    expect(clock.pending()).toEqual([]);
    expect(lines("watch:retry")).toEqual([]);

    // Back to what Vault holds: nothing to push. Then a real change is pushed.
    save("a.yaml", fixture("app/a", "a1"));
    await settle();
    expect(ofRun("run-3").at(-1)).toMatchObject({
      step: "watch:fixtures",
      status: "ok",
      message: "no value changed; nothing to push",
    });
    save("a.yaml", fixture("app/a", "a3"));
    await settle();
    expect(stored("app/a")).toEqual({ DB_PASSWORD: "a3" });
  });

  it("a deleted fixture file deletes nothing in Vault, and says so (FAULTS 23)", async () => {
    makeWatcher();
    await watcher!.start();
    await watcher!.idle();
    rmSync(join(ws.dir, "vault/fixtures/b.yaml"));
    files.emit("unlink", join(ws.dir, "vault/fixtures/b.yaml"));
    save("a.yaml", fixture("app/a", "a2"));
    await settle();
    expect(ofRun("run-2").filter((r) => r.step === "watch:fixtures")).toMatchObject([
      { status: "start", message: "fixtures changed: a.yaml, b.yaml (deleted)" },
      { message: "b.yaml deleted: its paths stay in Vault (nothing is deleted remotely)" },
      { status: "ok", message: "1 path(s) written: app/a" },
    ]);
    expect(stored("app/b")).toEqual({ DB_PASSWORD: "b1" });
    expect(world.vault.requests.filter((r) => r.method === "DELETE")).toEqual([]);
  });

  it("saves of several files in one quiet period are one run, named in order", async () => {
    makeWatcher({
      fixtures: {
        "vault/fixtures/a.yaml": fixture("app/a", "a1"),
        "vault/fixtures/b.yaml": fixture("app/b", "b1"),
        "vault/fixtures/c.yaml": fixture("app/c", "c1"),
        "vault/fixtures/d.yaml": fixture("app/d", "d1"),
      },
    });
    await watcher!.start();
    await watcher!.idle();
    save("b.yaml", fixture("app/b", "b2"));
    save("a.yaml", fixture("app/a", "a2"));
    for (const name of ["d.yaml", "c.yaml"]) {
      rmSync(join(ws.dir, "vault/fixtures", name));
      files.emit("unlink", join(ws.dir, "vault/fixtures", name));
    }
    await settle();
    expect(watcher!.runs).toBe(2);
    expect(ofRun("run-2")[0]).toMatchObject({
      step: "watch:fixtures",
      message: "fixtures changed: a.yaml, b.yaml, c.yaml (deleted), d.yaml (deleted)",
    });
    expect(lines("watch:fixtures").at(-1)).toBe("ok 2 path(s) written: app/a, app/b");
  });

  it("a watcher stopped before it started stops cleanly", async () => {
    makeWatcher();
    await watcher!.stop();
    expect(files.watched).toEqual([]);
  });

  it("saves during a run are seen, and one more run follows it with the last values (FAULTS 22)", async () => {
    makeWatcher();
    await watcher!.start();
    await watcher!.idle();
    let saves = 0;
    // Two saves, each past its quiet period, while run 2 is writing app/a.
    world.vault.faults.beforeWrite = (_mount, path) => {
      if (path !== "app/a" || saves > 0) return;
      for (const value of ["a3", "a4"]) {
        saves++;
        save("a.yaml", fixture("app/a", value));
        clock.advance(300);
      }
    };
    save("a.yaml", fixture("app/a", "a2"));
    await settle();
    expect(watcher!.runs).toBe(3);
    expect(
      ofRun("run-2").filter((r) => r.status === undefined && r.step === "watch:fixtures"),
    ).toEqual([
      expect.objectContaining({
        message: "fixtures changed during this run; one more run follows it",
      }),
      expect.objectContaining({
        message: "fixtures changed during this run; one more run follows it",
      }),
    ]);
    expect(ofRun("run-3").filter((r) => r.step === "watch:fixtures")).toMatchObject([
      { status: "start", message: "fixtures changed: a.yaml" },
      { status: "ok", message: "1 path(s) written: app/a" },
    ]);
    expect(stored("app/a")).toEqual({ DB_PASSWORD: "a4" });
    expect(world.vault.versionCount("secret", "app/a")).toBe(3);
    expect(clock.pending()).toEqual([]);
  });
});

describe("a failed run", () => {
  it("is retried with growing, bounded backoff, then given up on with a hint (FAULTS 40)", async () => {
    makeWatcher({ retry: { attempts: 3, initialMs: 1000, maxMs: 3000 } });
    world.vault.faults.sealed = true;
    await watcher!.start();
    await watcher!.idle();
    expect(kvWrites()).toEqual([]);
    const fail = ofRun("run-1").find((r) => r.step === "watch:fixtures" && r.status === "fail")!;
    expect(fail.message).toMatch(/^re-seed failed at vault:/);
    expect(fail.hint).toBe("see that step's line; the run is retried with backoff");

    // Each retry waits its backoff (±20 % jitter), capped at maxMs before the jitter; nothing runs before.
    const bounds = [
      [800, 1200],
      [1600, 2400],
      [2400, 3600],
    ];
    for (const [i, [low, high]] of bounds.entries()) {
      const [delay] = clock.pending() as [number];
      expect(delay).toBeGreaterThanOrEqual(low!);
      expect(delay).toBeLessThanOrEqual(high!);
      const shown = (delay / 1000).toFixed(1).replace(".", "\\.");
      expect(lines("watch:retry").at(-1)).toMatch(
        new RegExp(`^note run failed \\(.*Vault.*\\); retry ${i + 1} of 3 in ${shown} s$`),
      );
      clock.advance(delay - 1);
      expect(watcher!.runs).toBe(i + 1);
      clock.advance(1);
      await watcher!.idle();
      expect(watcher!.runs).toBe(i + 2);
      expect(ofRun(`run-${i + 2}`)[0]).toMatchObject({
        step: "watch:fixtures",
        status: "start",
        message: `retry ${i + 1} of 3 after a failed run`,
      });
    }
    const gaveUp = records().filter((r) => r.step === "watch:retry" && r.status === "fail");
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]!.message).toMatch(/^run failed \(.*\); gave up after 3 retries$/);
    expect(gaveUp[0]!.hint).toBe(
      "fix the cause, then save a fixture or dev-bootstrap.yaml to run again",
    );
    expect(clock.pending()).toEqual([]);
    clock.advance(60_000);
    expect(watcher!.runs).toBe(4);

    // A save after giving up runs again, and counts its retries from one.
    save("a.yaml", fixture("app/a", "a2"));
    await settle();
    expect(lines("watch:retry").at(-1)).toMatch(/retry 1 of 3 in/);
    world.vault.faults.sealed = false;
    clock.advance(clock.pending()[0]!);
    await watcher!.idle();
    expect(stored("app/a")).toEqual({ DB_PASSWORD: "a2" });
    expect(stored("app/b")).toEqual({ DB_PASSWORD: "b1" });
    expect(clock.pending()).toEqual([]);
  });

  it("after a retry succeeds, the next failure counts from one again", async () => {
    makeWatcher();
    world.vault.faults.sealed = true;
    await watcher!.start();
    await watcher!.idle();
    world.vault.faults.sealed = false;
    clock.advance(clock.pending()[0]!);
    await watcher!.idle();
    expect(lines("watch:fixtures").at(-1)).toBe("ok 2 path(s) written: app/a, app/b");

    world.vault.faults.sealed = true;
    save("a.yaml", fixture("app/a", "a2"));
    await settle();
    expect(lines("watch:retry")).toEqual([
      expect.stringMatching(/retry 1 of 3 in/),
      expect.stringMatching(/retry 1 of 3 in/),
    ]);
  });

  it("stopped by a signal, it is neither retried nor followed by a queued run", async () => {
    const abort = new AbortController();
    makeWatcher({ signal: abort.signal });
    world.vault.faults.sealed = true;
    await watcher!.start();
    // Vault's ready timeout ran out on the virtual clock: run 1 failed and a retry is due.
    await watcher!.idle();
    expect(clock.pending()).toHaveLength(1);
    abort.abort();
    clock.advance(clock.pending()[0]!);
    await watcher!.idle();
    // The retry ran under an aborted signal: it failed at once, and scheduled nothing.
    expect(watcher!.runs).toBe(2);
    expect(clock.pending()).toEqual([]);
    expect(
      ofRun("run-2").filter((r) => r.step === "watch:fixtures" && r.status === "fail"),
    ).toEqual([]);
  });

  it("a signal during a run drops the run queued behind it", async () => {
    const abort = new AbortController();
    makeWatcher({ signal: abort.signal });
    await watcher!.start();
    await watcher!.idle();
    world.vault.faults.beforeWrite = () => {
      world.vault.faults.beforeWrite = undefined;
      save("a.yaml", fixture("app/a", "a3"));
      clock.advance(300); // queued behind the run in progress
      abort.abort();
    };
    save("a.yaml", fixture("app/a", "a2"));
    await settle();
    expect(lines("watch:fixtures")).toContain(
      "note fixtures changed during this run; one more run follows it",
    );
    expect(watcher!.runs).toBe(2);
    expect(clock.pending()).toEqual([]);
    expect(stored("app/a")).not.toEqual({ DB_PASSWORD: "a3" });
  });

  it("an error no step reported is told by the run itself, with its hint, and retried", async () => {
    let fail: unknown = new StepError(
      "workspace lock held by pid 4242",
      "wait for that run to end",
    );
    makeWatcher({
      lock: async (_log, fn) => {
        if (fail) throw fail;
        return fn();
      },
    });
    await watcher!.start();
    await watcher!.idle();
    expect(ofRun("run-1").at(-2)).toMatchObject({
      step: "watch:fixtures",
      status: "fail",
      message: "workspace lock held by pid 4242",
      hint: "wait for that run to end",
    });
    expect(lines("watch:retry").at(-1)).toMatch(
      /^note run failed \(workspace lock held by pid 4242\); retry 1 of 3 in/,
    );
    // Not one of ours: said to be unexpected.
    fail = new TypeError("cannot read properties of undefined");
    clock.advance(clock.pending()[0]!);
    await watcher!.idle();
    expect(ofRun("run-2").find((r) => r.status === "fail")).toMatchObject({
      step: "watch:fixtures",
      message: expect.stringContaining("cannot read properties of undefined"),
      hint: "unexpected error; rerun with DEBUG=dev-bootstrap",
    });
    expect(kvWrites()).toEqual([]);
    fail = undefined;
    clock.advance(clock.pending()[0]!);
    await watcher!.idle();
    expect(kvWrites().sort()).toEqual(["app/a", "app/b"]);
  });

  it("stop cancels a scheduled retry", async () => {
    makeWatcher();
    world.vault.faults.sealed = true;
    await watcher!.start();
    await watcher!.idle();
    expect(clock.pending()).toHaveLength(1);
    await watcher!.stop();
    expect(clock.pending()).toEqual([]);
    expect(files.closed).toBe(true);
  });
});

describe("waiting for the watcher to be idle", () => {
  it("waits out a quiet period, and a save made during a run", async () => {
    let ended = 0;
    makeWatcher({
      lock: async (_log, fn) => {
        try {
          return await fn();
        } finally {
          ended++;
        }
      },
    });
    await watcher!.start();
    await watcher!.idle();
    let idle = false;
    save("a.yaml", fixture("app/a", "a2"));
    const waiting = watcher!.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    clock.advance(300);
    await waiting;
    expect(stored("app/a")).toEqual({ DB_PASSWORD: "a2" });

    // A save during run 3 whose quiet period is not over when the run ends: not idle yet.
    world.vault.faults.beforeWrite = () => {
      world.vault.faults.beforeWrite = undefined;
      save("a.yaml", fixture("app/a", "a4"));
    };
    save("a.yaml", fixture("app/a", "a3"));
    clock.advance(300);
    idle = false;
    const next = watcher!.idle().then(() => {
      idle = true;
    });
    await until(() => ended === 3, "run 3 to end");
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending()).toEqual([300]);
    expect(idle).toBe(false);
    clock.advance(300);
    await next;
    expect(watcher!.runs).toBe(4);
    expect(stored("app/a")).toEqual({ DB_PASSWORD: "a4" });
  });
});

describe("dev-bootstrap.yaml", () => {
  it("a change reloads it and syncs every fixture path", async () => {
    makeWatcher({ reload: true });
    await watcher!.start();
    await watcher!.idle();
    const asked = kvWrites().length;
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: 3\n");
    files.emit("change", join(ws.dir, "dev-bootstrap.yaml"));
    await settle();
    expect(ofRun("run-2").map((r) => `${r.step} ${r.status} ${r.message}`)).toEqual(
      expect.arrayContaining([
        "watch:config start dev-bootstrap.yaml changed; reloading it",
        "watch:config ok dev-bootstrap.yaml reloaded; re-running the whole flow",
        "watch:fixtures start config changed: syncing every fixture path",
        "watch:fixtures ok 0 path(s) written; 2 already up to date in Vault",
      ]),
    );
    expect(kvWrites()).toHaveLength(asked);
    // The directory did not move: the watch is left as it is.
    expect(files.changes).toEqual([]);

    // The full run is done: the next save compares against what was pushed again.
    save("b.yaml", fixture("app/b", "b2"));
    await settle();
    expect(lines("watch:fixtures").at(-1)).toBe("ok 1 path(s) written: app/b");
  });

  it("an invalid config keeps the last good one and runs nothing", async () => {
    makeWatcher({ reload: true });
    await watcher!.start();
    await watcher!.idle();
    const asked = world.vault.requests.length;
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: soon\n");
    files.emit("change", join(ws.dir, "dev-bootstrap.yaml"));
    await settle();
    const run2 = ofRun("run-2");
    expect(run2.map((r) => `${r.step} ${r.status}`)).toEqual([
      "watch:config start",
      "watch:config fail",
    ]);
    expect(run2[1]!.message).toMatch(/dev-bootstrap\.yaml.*; keeping the last good config$/);
    expect(run2[1]!.hint).toBeTruthy();
    expect(world.vault.requests.length).toBe(asked);

    // A fixture saved with it still runs, under the last good config.
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: later\n");
    files.emit("change", join(ws.dir, "dev-bootstrap.yaml"));
    save("a.yaml", fixture("app/a", "a2"));
    await settle();
    expect(ofRun("run-3").map((r) => `${r.step} ${r.status} ${r.message}`)).toEqual(
      expect.arrayContaining([
        "watch:fixtures start fixtures changed: a.yaml",
        "watch:fixtures ok 1 path(s) written: app/a",
      ]),
    );
    // So does one deleted with it.
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: never\n");
    files.emit("change", join(ws.dir, "dev-bootstrap.yaml"));
    rmSync(join(ws.dir, "vault/fixtures/b.yaml"));
    files.emit("unlink", join(ws.dir, "vault/fixtures/b.yaml"));
    await settle();
    expect(lines("watch:fixtures").at(-1)).toBe("ok no value changed; nothing to push");
    expect(stored("app/b")).toEqual({ DB_PASSWORD: "b1" });
  });

  it("an invalid config saved while a failed run waits for its retry keeps that retry (FAULTS 40)", async () => {
    makeWatcher({ reload: true });
    world.vault.faults.sealed = true;
    await watcher!.start();
    await watcher!.idle();
    const [retryIn] = clock.pending() as [number];
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: soon\n");
    files.emit("change", join(ws.dir, "dev-bootstrap.yaml"));
    await settle();
    expect(lines("watch:config").at(-1)).toMatch(/^fail .*; keeping the last good config$/);
    // The retry still comes, when it was due, under the last good config.
    expect(clock.pending()).toEqual([retryIn - 300]);
    world.vault.faults.sealed = false;
    clock.advance(retryIn - 300);
    await watcher!.idle();
    expect(ofRun("run-3")[0]).toMatchObject({
      step: "watch:fixtures",
      message: "retry 1 of 3 after a failed run",
    });
    expect(stored("app/a")).toEqual({ DB_PASSWORD: "a1" });
    expect(clock.pending()).toEqual([]);
  });

  it("a deleted config falls back to the defaults, and its return is picked up", async () => {
    makeWatcher({ reload: true });
    await watcher!.start();
    await watcher!.idle();
    rmSync(join(ws.dir, "dev-bootstrap.yaml"));
    files.emit("unlink", join(ws.dir, "dev-bootstrap.yaml"));
    await settle();
    expect(lines("watch:config")).toEqual([
      "start dev-bootstrap.yaml changed; reloading it",
      "ok dev-bootstrap.yaml reloaded; re-running the whole flow",
    ]);
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: 2\n");
    files.emit("add", join(ws.dir, "dev-bootstrap.yaml"));
    await settle();
    expect(lines("watch:config").slice(2)).toEqual([
      "start dev-bootstrap.yaml changed; reloading it",
      "ok dev-bootstrap.yaml reloaded; re-running the whole flow",
    ]);
    expect(lines("watch:fixtures").at(-1)).toBe(
      "ok 0 path(s) written; 2 already up to date in Vault",
    );
  });

  it("a moved fixture directory is watched instead of the old one, and its fixtures pushed", async () => {
    makeWatcher({
      reload: true,
      fixtures: {
        "vault/fixtures/a.yaml": fixture("app/a", "a1"),
        "other/c.yaml": fixture("app/c", "c1"),
      },
    });
    await watcher!.start();
    await watcher!.idle();
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: 2\n  fixturesDir: other\n");
    files.emit("change", join(ws.dir, "dev-bootstrap.yaml"));
    await settle();
    expect(files.changes).toEqual([
      `-${join(ws.dir, "vault/fixtures")}`,
      `+${join(ws.dir, "other")}`,
    ]);
    expect(stored("app/c")).toEqual({ DB_PASSWORD: "c1" });
    expect(lines("watch:fixtures").at(-1)).toBe("ok 1 path(s) written: app/c");
  });
});

describe("with ESO: the migrations secret follows its inputs", () => {
  const secret = () => world.kube.secretData("ameide", "db-migrations-local");

  it("is built at start, and rebuilt only when a database's path or the config changed", async () => {
    makeWatcher({
      reload: true,
      skipEso: false,
      runClock: systemClock,
      config: "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 30\n",
      fixtures: {
        "vault/fixtures/db.yaml": DB_URL_FIXTURES,
        "vault/fixtures/other.yaml": fixture("app/other", "o1"),
      },
    });
    await watcher!.start();
    await watcher!.idle();
    expect(lines("watch:fixtures").at(-1)).toBe(
      "ok 3 path(s) written: platform/db, agents/db, app/other",
    );
    expect(secret()?.FLYWAY_USER).toBe("platform");
    expect(lines("db-migrations-secret")).toContainEqual(
      expect.stringMatching(/^ok db-migrations Flyway secret ensured/),
    );
    const bootstraps = () => lines("db-migrations-secret").filter((l) => l.startsWith("start"));
    expect(bootstraps()).toHaveLength(1);

    // Not an input of the migrations secret: no bootstrap.
    save("other.yaml", fixture("app/other", "o2"));
    await settle();
    expect(lines("watch:fixtures").at(-1)).toBe("ok 1 path(s) written: app/other");
    expect(bootstraps()).toHaveLength(1);

    // The platform database's user changed: the secret is rebuilt with it.
    save("db.yaml", DB_URL_FIXTURES.replace("DB_USERNAME: platform", "DB_USERNAME: owner"));
    await settle();
    expect(lines("watch:fixtures").at(-1)).toBe("ok 1 path(s) written: platform/db");
    expect(bootstraps()).toHaveLength(2);
    expect(secret()?.FLYWAY_USER).toBe("owner");

    // A config change re-runs the whole flow, the bootstrap included.
    ws.write(
      "dev-bootstrap.yaml",
      "vault:\n  readyTimeoutSeconds: 3\neso:\n  readyTimeoutSeconds: 30\n",
    );
    files.emit("change", join(ws.dir, "dev-bootstrap.yaml"));
    await settle();
    expect(lines("watch:fixtures").at(-1)).toBe(
      "ok 0 path(s) written; 3 already up to date in Vault",
    );
    expect(bootstraps()).toHaveLength(3);
  });

  it("a bootstrap that failed is run again by the retry, though no value changed", async () => {
    makeWatcher({
      skipEso: false,
      runClock: systemClock,
      config: "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 30\n",
      fixtures: { "vault/fixtures/db.yaml": DB_URL_FIXTURES },
    });
    world.kube.deny.push({ verb: "get", resource: "secrets", namespace: "ameide" });
    await watcher!.start();
    await watcher!.idle();
    expect(lines("watch:fixtures").at(-1)).toMatch(/^fail re-seed failed at /);
    expect(secret()).toBeUndefined();

    world.kube.deny.length = 0;
    clock.advance(clock.pending()[0]!);
    await watcher!.idle();
    expect(lines("watch:fixtures").slice(-2)).toEqual([
      "start retry 1 of 3 after a failed run",
      "ok no value changed; the migrations secret was brought up to date",
    ]);
    expect(secret()?.FLYWAY_USER).toBe("platform");
  });

  it("with --skip-eso nothing is bootstrapped, even after a database's path changed", async () => {
    makeWatcher({ fixtures: { "vault/fixtures/db.yaml": DB_URL_FIXTURES } });
    await watcher!.start();
    await watcher!.idle();
    expect(lines("eso:apply")).toEqual(["skip ESO wiring skipped (--skip-eso)"]);
    expect(lines("db-migrations-secret")).toEqual([]);
    expect(secret()).toBeUndefined();
  });
});
