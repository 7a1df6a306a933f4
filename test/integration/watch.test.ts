import { once } from "node:events";
import { renameSync, rmSync, unlinkSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { WatcherProcess } from "../helpers/watcher.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const fixture = (name: string) => `paths:
  platform/db:
    DB_USERNAME: platform
    DB_NAME: ${name}
    DB_PASSWORD: { derive: { length: 24 } }
    DB_HOST: db
    DATABASE_URL: { template: "postgresql://\${DB_USERNAME}:\${DB_PASSWORD | urlencode}@\${DB_HOST}:5432/\${DB_NAME}" }
`;
const OTHER =
  "paths:\n  agents/db:\n    DB_USERNAME: agents\n    DB_PASSWORD: { derive: true }\n    DB_HOST: db\n    DB_NAME: agents\n";
const INITIAL = "initial sync of the fixtures";
const PLATFORM_SAVED = "fixtures changed: platform.yaml";
const sentinel = (n: number) => `fixtures changed: zz-sentinel-${n}.yaml`;

let world: World;
let ws: Workspace;
let watcher: WatcherProcess | undefined;

beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    // Generous deadlines: they bound a failure, the tests wait for events.
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 30\neso:\n  readyTimeoutSeconds: 30\n",
    "vault/fixtures/platform.yaml": fixture("platform"),
    "vault/fixtures/agents.yaml": OTHER,
  });
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await world.stop();
  rmSync(ws.dir, { recursive: true, force: true });
});

/** A watcher of its own for this test, once its initial sync has ended. */
async function startWatcher(args: string[] = [], debounceMs = 150): Promise<WatcherProcess> {
  watcher = new WatcherProcess(ws, world.env, ["--debounce-ms", String(debounceMs), ...args]);
  await watcher.ready();
  return watcher;
}

/**
 * Takes the workspace lock the way a run does (create-exclusive). The initial
 * sync releases it just after its last journal line, so wait for that removal.
 */
async function takeWorkspaceLock(): Promise<string> {
  const dir = join(ws.dir, ".dev-bootstrap");
  const lock = join(dir, "dev-bootstrap.lock");
  const holder = JSON.stringify({ pid: process.pid, runId: "held-by-test", since: "now" });
  // Each attempt waits for a change in the state directory; the run's bound is the
  // deadline, so a lock that is never released fails here, by name.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const watcher = watch(dir);
    const changed = once(watcher, "change");
    let timer: NodeJS.Timeout | undefined;
    try {
      writeFileSync(lock, holder, { flag: "wx" });
      return lock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      await Promise.race([
        changed,
        new Promise((resolve) => (timer = setTimeout(resolve, deadline - Date.now()))),
      ]);
    } finally {
      clearTimeout(timer);
      watcher.close();
    }
  }
  throw new Error("the workspace lock was not released within 30000 ms");
}

const save = (text: string) => writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), text);
const dbName = () => world.vault.read("secret", "platform/db")?.DB_NAME;
const triggers = (w: WatcherProcess) => w.runs().map((r) => r.trigger);

describe("watch-vault-fixtures with real files on disk", { timeout: 90_000 }, () => {
  it("an in-place save triggers exactly one re-seed of the changed path; watching keeps working", async () => {
    const w = await startWatcher(["--skip-eso"]);
    const agentsVersions = world.vault.versionCount("secret", "agents/db");
    save(fixture("platform2"));
    await w.endedRun("the run for the save", /platform\.yaml/, 1);
    expect(dbName()).toBe("platform2");
    expect(world.vault.versionCount("secret", "agents/db")).toBe(agentsVersions);
    save(fixture("platform3"));
    await w.endedRun("the run for the second save", /platform\.yaml/, 2);
    expect(dbName()).toBe("platform3");
    await w.quiesce();
    expect(triggers(w)).toEqual([INITIAL, PLATFORM_SAVED, PLATFORM_SAVED, sentinel(1)]);
    expect(world.vault.versionCount("secret", "platform/db")).toBe(3);
  });

  it("an editor's rename-over save is one run", async () => {
    const w = await startWatcher(["--skip-eso"]);
    const tmp = join(ws.dir, "vault/fixtures/.platform.yaml.swp");
    writeFileSync(tmp, fixture("renamed"));
    renameSync(tmp, join(ws.dir, "vault/fixtures/platform.yaml"));
    await w.endedRun("the run for the rename", /platform\.yaml/, 1);
    expect(dbName()).toBe("renamed");
    await w.quiesce();
    expect(triggers(w)).toEqual([INITIAL, PLATFORM_SAVED, sentinel(1)]);
    writeFileSync(tmp, fixture("renamed-again"));
    renameSync(tmp, join(ws.dir, "vault/fixtures/platform.yaml"));
    await w.endedRun("the run for a second rename", /platform\.yaml/, 3);
    expect(dbName()).toBe("renamed-again");
  });

  it("a burst of saves is debounced into one run", async () => {
    // The burst takes microseconds; a one-second quiet period holds it whatever the load.
    const w = await startWatcher(["--skip-eso"], 1000);
    for (let i = 0; i < 5; i++) save(fixture(`burst${i}`));
    await w.endedRun("the run for the burst", /platform\.yaml/, 1);
    expect(dbName()).toBe("burst4");
    await w.quiesce();
    expect(triggers(w)).toEqual([INITIAL, PLATFORM_SAVED, sentinel(1)]);
    expect(world.vault.versionCount("secret", "platform/db")).toBe(2);
  });

  it("saves during a running seed: one run at a time, at most one queued", async () => {
    const w = await startWatcher(["--skip-eso"]);
    // Hold the workspace lock as another run would: the next run waits for it, in plain view.
    const lock = await takeWorkspaceLock();
    save(fixture("slow1"));
    const held = await w.waitFor("the run waiting for the lock", () =>
      w.runs().find((r) => r.lines.some((l) => l.step === "lock")),
    );
    const queuedNotes = () =>
      w
        .runs()
        .find((r) => r.runId === held.runId)!
        .lines.filter((l) => /changed during this run/.test(l.message)).length;
    for (let i = 2; i <= 4; i++) {
      const before = queuedNotes();
      save(fixture(`slow${i}`));
      await w.waitFor(`save ${i} to be seen during the held run`, () => queuedNotes() > before);
    }
    unlinkSync(lock);
    await w.endedRun("the queued run", /platform\.yaml/, 2);
    expect(dbName()).toBe("slow4");
    await w.quiesce();
    // the held run and the one queued run; slow2 and slow3 were never pushed on their own
    expect(triggers(w)).toEqual([INITIAL, PLATFORM_SAVED, PLATFORM_SAVED, sentinel(1)]);
    const pushed = [...world.vault.mounts.get("secret")!.kv.get("platform/db")!.versions.values()];
    const names = pushed.map((v) => v.data?.DB_NAME);
    expect(names.at(-1)).toBe("slow4");
    expect(names).not.toContain("slow2");
    expect(names).not.toContain("slow3");
  });

  it("a malformed fixture keeps the last good state, reports file:line:column, and the next valid save recovers", async () => {
    const w = await startWatcher(["--skip-eso"]);
    const versions = world.vault.totalVersions();
    save("paths:\n  platform/db:\n    DB_NAME: [unclosed\n");
    const failed = await w.endedRun("the run for the bad save", /platform\.yaml/, 1);
    expect(failed.lines.at(-1)).toMatchObject({ step: "watch:fixtures", status: "fail" });
    // The journal line is written just before the printed one: wait for the print.
    await w.waitFor("the printed error", () =>
      /\[watch:fixtures\] ✖ vault\/fixtures\/platform\.yaml:\d+:\d+: invalid YAML/.test(w.output),
    );
    expect(world.vault.totalVersions()).toBe(versions);
    expect(dbName()).toBe("platform");
    save(fixture("recovered"));
    await w.endedRun("the run for the fixed save", /platform\.yaml/, 2);
    expect(dbName()).toBe("recovered");
  });

  it("a deleted fixture file deletes nothing remotely", async () => {
    const w = await startWatcher(["--skip-eso"]);
    expect(world.vault.read("secret", "agents/db")?.DB_USERNAME).toBe("agents");
    rmSync(join(ws.dir, "vault/fixtures/agents.yaml"));
    const run = await w.endedRun("the run for the deletion", /agents\.yaml \(deleted\)/, 1);
    expect(run.lines.map((l) => l.message)).toContain(
      "agents.yaml deleted: its paths stay in Vault (nothing is deleted remotely)",
    );
    expect(world.vault.read("secret", "agents/db")?.DB_USERNAME).toBe("agents");
  });

  it("polling works where events are missed", async () => {
    const w = await startWatcher(["--skip-eso", "--poll"]);
    save(fixture("polled"));
    await w.endedRun("the polled change", /platform\.yaml/, 1);
    expect(dbName()).toBe("polled");
  });

  it("with ESO: refreshes the ExternalSecret that reads the path and re-runs the bootstrap", async () => {
    const w = await startWatcher();
    expect(world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_URL).toBe(
      "jdbc:postgresql://db:5432/platform",
    );
    save(fixture("esodb"));
    const run = await w.endedRun("the run for the save", /platform\.yaml/, 1);
    expect(run.lines).toContainEqual(
      expect.objectContaining({
        step: "eso:apply",
        status: "ok",
        message: expect.stringMatching(/refresh requested/),
      }),
    );
    expect(world.kube.secretData("ameide", "platform-db-credentials")?.DB_NAME).toBe("esodb");
    expect(world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_URL).toBe(
      "jdbc:postgresql://db:5432/esodb",
    );
  });
});
