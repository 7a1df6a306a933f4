/**
 * One save, one load: the watcher reads and derives the fixtures once per save and
 * hands them on (to the seed, and as credentials to the bootstrap); each Vault path
 * is read once per run, by the watcher and by post-start; and the derived password
 * stays masked on the watcher's path. In-process, so each run's file reads and Vault
 * reads can be counted, against the sandbox's Vault and Kubernetes stand-ins over HTTP.
 */
import { EventEmitter } from "node:events";
import { rmSync } from "node:fs";
import { basename } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Vault } from "../../src/adapters/vault.js";
import { createHost, nodeFs, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { deriveSecret } from "../../src/core/derive.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { FsPort, Host, Watcher, WatchPort } from "../../src/flows/host.js";
import { postStart } from "../../src/flows/post-start.js";
import { FixtureWatcher } from "../../src/flows/watch-fixtures.js";
import { Journal } from "../../src/log/journal.js";
import { CheckpointLogger } from "../../src/log/logger.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv } from "../helpers/cli.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const platform = (rotation: number) => `paths:
  platform/db:
    DB_USERNAME: platform
    DB_PASSWORD: { derive: { length: 24, rotation: ${rotation} } }
    DB_HOST: db
    DB_NAME: platform
    DATABASE_URL: { template: "postgresql://\${DB_USERNAME}:\${DB_PASSWORD | urlencode}@\${DB_HOST}:5432/\${DB_NAME}" }
`;
const AGENTS =
  "paths:\n  agents/db:\n    DB_USERNAME: agents\n    DB_PASSWORD: { derive: true }\n    DB_HOST: db\n    DB_NAME: agents\n";

/** The file-system events the test makes happen, instead of chokidar's. */
class SavedFiles extends EventEmitter {
  add(): void {}
  unwatch(): void {}
  async close(): Promise<void> {}
}

let world: World;
let ws: Workspace;
let watcher: FixtureWatcher | undefined;

beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    // Generous deadlines: they bound a failure, the test waits for the run to end.
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 30\neso:\n  readyTimeoutSeconds: 30\n",
    "vault/fixtures/platform.yaml": platform(0),
    "vault/fixtures/agents.yaml": AGENTS,
  });
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await world.stop();
  rmSync(ws.dir, { recursive: true, force: true });
});

/** Ports over the sandbox whose fixture-file reads and Vault reads are recorded. */
function recordingPorts() {
  const env = cleanEnv({ ...world.env, HOME: ws.dir });
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const masker = new SecretMasker();
  const journal = new Journal({
    path: resolved.journalPath,
    maxBytes: resolved.config.log.journalMaxBytes,
  });
  const fileReads: string[] = [];
  const vaultReads: string[] = [];
  let output = "";
  const fs: FsPort = {
    ...nodeFs,
    readRegular: (path, maxBytes) => {
      fileReads.push(basename(path));
      return nodeFs.readRegular(path, maxBytes);
    },
  };
  const saved = new SavedFiles();
  const watch: WatchPort = {
    async watch() {
      // Ready once the watcher has subscribed (it does so after this resolves).
      setImmediate(() => saved.emit("ready"));
      return saved as unknown as Watcher;
    },
  };
  const countingVault = (vault: Vault): Vault =>
    new Proxy(vault, {
      get(target, key, receiver) {
        if (key === "kvRead")
          return (mount: string, path: string) => {
            vaultReads.push(path);
            return target.kvRead(mount, path);
          };
        return Reflect.get(target, key, receiver);
      },
    });
  const hostFor = (r: typeof resolved): Host => {
    const host = createHost({ resolved: r, masker, env, clock: systemClock });
    return { ...host, fs, watch, vault: async () => countingVault(await host.vault()) };
  };
  let runs = 0;
  const out = { write: (text: string) => (output += text) };
  const newRun = (command = "watch-vault-fixtures") =>
    new CheckpointLogger({
      now: Date.now,
      runId: `run-${++runs}`,
      command,
      format: "human",
      colour: false,
      out,
      journal,
      masker,
    });
  return {
    resolved,
    hostFor,
    newRun,
    saved,
    out,
    output: () => output,
    /** The reads recorded since the last call. */
    reads() {
      const r = { fileReads: [...fileReads], vaultReads: [...vaultReads] };
      fileReads.length = 0;
      vaultReads.length = 0;
      return r;
    },
  };
}

/** A watcher over the workspace, once its initial sync has ended. */
async function startWatcher() {
  const ports = recordingPorts();
  watcher = new FixtureWatcher(ports.hostFor, ports.resolved, () => ports.newRun(), {
    debounceMs: 0,
    poll: false,
    skipEso: false,
  });
  await watcher.start();
  await watcher.idle();
  ports.reads();
  const w = watcher;
  return {
    ...ports,
    /** Saves a fixture file, tells the watcher, and waits for its run to end. */
    async save(name: string, text: string) {
      ports.saved.emit("change", ws.write(`vault/fixtures/${name}`, text));
      await w.idle();
      return ports.reads();
    },
  };
}

describe("watch-vault-fixtures: one save", () => {
  it("reads each fixture file once, reads the Vault path once, and bootstraps from the handed credentials", async () => {
    const w = await startWatcher();
    const { config } = w.resolved;
    const rotated = deriveSecret(
      config.vault.seed,
      config.vault.mount,
      "platform/db",
      "DB_PASSWORD",
      {
        length: 24,
        alphabet: "alnum",
        rotation: 1,
      },
    );
    const { fileReads, vaultReads } = await w.save("platform.yaml", platform(1));
    // Before, ensure-local-secrets loaded (and derived) every fixture a second time,
    // and the bootstrap read platform/db again after the seed had read it.
    expect(fileReads.filter((f) => f === "platform.yaml")).toEqual(["platform.yaml"]);
    expect(fileReads.filter((f) => f === "agents.yaml")).toEqual(["agents.yaml"]);
    expect(vaultReads.filter((p) => p === "platform/db")).toEqual(["platform/db"]);
    // The path the save did not touch is read once, by the bootstrap.
    expect(vaultReads.filter((p) => p === "agents/db")).toEqual(["agents/db"]);
    expect(w.output()).toMatch(/db-migrations Flyway secret ensured \(written/);
    const secret = world.kube.secretData("ameide", "db-migrations-local");
    expect(secret?.FLYWAY_PASSWORD).toBe(rotated);
    expect(secret?.FLYWAY_USER).toBe("platform");
    expect(secret?.FLYWAY_URL).toBe("jdbc:postgresql://db:5432/platform");
  });

  it("masks the derived password a server echoes back, in the output and the journal", async () => {
    const w = await startWatcher();
    const { config } = w.resolved;
    const rotated = deriveSecret(
      config.vault.seed,
      config.vault.mount,
      "platform/db",
      "DB_PASSWORD",
      {
        length: 24,
        alphabet: "alnum",
        rotation: 1,
      },
    );
    // A server that quotes what it refused, as Vault and the API server do.
    world.vault.faults.beforeWrite = (_mount, path) => {
      if (path === "platform/db") throw new Error(`cannot store value "${rotated}": refused`);
    };
    await w.save("platform.yaml", platform(1));
    const everything = w.output() + ws.journal();
    expect(everything).toMatch(/HTTP 500/);
    expect(everything).toMatch(/cannot store value/);
    expect(everything).not.toContain(rotated);
    expect(everything).not.toContain(encodeURIComponent(rotated));
  });
});

describe("post-start", () => {
  it("reads each fixture file once and each Vault path once, and ensures the migrations secret", async () => {
    const ports = recordingPorts();
    const { resolved } = ports;
    const result = await postStart(ports.hostFor(resolved), resolved, ports.newRun("post-start"), {
      stdout: ports.out,
      noTilt: true,
    });
    expect(result.failed).toBe(false);
    const { fileReads, vaultReads } = ports.reads();
    expect(fileReads.filter((f) => f.endsWith(".yaml")).sort()).toEqual([
      "agents.yaml",
      "platform.yaml",
    ]);
    // The seed reads each path; the bootstrap is handed what it found.
    expect(vaultReads.sort()).toEqual(["agents/db", "platform/db"]);
    expect(ports.output()).toMatch(/db-migrations Flyway secret ensured \(written/);
    const platform = world.vault.read("secret", "platform/db");
    expect(world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_PASSWORD).toBe(
      platform?.DB_PASSWORD,
    );
  });
});
