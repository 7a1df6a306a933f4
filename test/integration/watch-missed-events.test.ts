/**
 * FAULTS.md 24: on bind mounts file-system events can be missed entirely. Here
 * fs.watch is made to deliver nothing (as on such a mount); with --poll (or
 * watch.poll in the config) the watcher still sees the save and re-seeds.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv } from "../helpers/cli.js";
import { type Spawned, spawnCli } from "../helpers/spawned.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const NO_EVENTS = `
import fs from "node:fs";
import { EventEmitter } from "node:events";
import { syncBuiltinESMExports } from "node:module";
fs.watch = () => {
  const w = new EventEmitter();
  w.close = () => {};
  w.ref = () => w;
  w.unref = () => w;
  return w;
};
syncBuiltinESMExports();
process.stderr.write("fs.watch delivers no events\\n");
`;
const fixture = (name: string) => `paths:\n  app/x:\n    NAME: ${name}\n`;

let world: World;
let ws: Workspace;
let watcher: Spawned | undefined;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 5\n",
    "vault/fixtures/app.yaml": fixture("first"),
  });
});
afterEach(async () => {
  watcher?.child.kill("SIGTERM");
  if (watcher) await watcher.exited;
  watcher = undefined;
  await world.stop();
});

describe("a file system whose events are missed", () => {
  it("--poll still sees a save and re-seeds", async () => {
    const preload = join(mkdtempSync(join(tmpdir(), "noevents-")), "no-events.mjs");
    writeFileSync(preload, NO_EVENTS);
    watcher = spawnCli(["watch-vault-fixtures", "--skip-eso", "--poll", "--debounce-ms", "50"], {
      cwd: ws.dir,
      env: cleanEnv({ ...world.env, NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` }),
    });
    await watcher.waitFor(/fs\.watch delivers no events/);
    await watcher.waitFor(/Vault sync success/);
    writeFileSync(join(ws.dir, "vault/fixtures/app.yaml"), fixture("second"));
    await watcher.waitFor(/fixtures changed: app\.yaml[\s\S]*Vault sync success/);
    expect(world.vault.read("secret", "app/x")?.NAME).toBe("second");
  });

  it("watch.poll in the config polls without the flag (a bind-mounted workspace says so once), and says so", async () => {
    const preload = join(mkdtempSync(join(tmpdir(), "noevents-")), "no-events.mjs");
    writeFileSync(preload, NO_EVENTS);
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: 5\nwatch:\n  poll: true\n");
    watcher = spawnCli(["watch-vault-fixtures", "--skip-eso", "--debounce-ms", "50"], {
      cwd: ws.dir,
      env: cleanEnv({ ...world.env, NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` }),
    });
    await watcher.waitFor(/watching vault\/fixtures \(polling\)/);
    await watcher.waitFor(/Vault sync success/);
    writeFileSync(join(ws.dir, "vault/fixtures/app.yaml"), fixture("second"));
    await watcher.waitFor(/fixtures changed: app\.yaml[\s\S]*Vault sync success/);
    expect(world.vault.read("secret", "app/x")?.NAME).toBe("second");
  });
});
