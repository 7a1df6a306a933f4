import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { BIN, cleanEnv } from "../helpers/cli.js";
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

let world: World;
let ws: Workspace;
let watcher: ChildProcess | undefined;
let output = "";

beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 5\neso:\n  readyTimeoutSeconds: 3\n",
    "vault/fixtures/platform.yaml": fixture("platform"),
    "vault/fixtures/agents.yaml": OTHER,
  });
  output = "";
});
afterEach(async () => {
  watcher?.kill("SIGTERM");
  watcher = undefined;
  await world.stop();
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 15_000) {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out waiting for ${what}\n--- output ---\n${output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Distinct watcher runs recorded in the journal (each cycle is a run of its own). */
function runs(): number {
  let text = "";
  try {
    text = readFileSync(join(ws.dir, ".dev-bootstrap/journal.jsonl"), "utf8");
  } catch {}
  const ids = new Set<string>();
  for (const line of text.split("\n").filter(Boolean)) {
    const r = JSON.parse(line);
    if (r.step === "watch:fixtures" && r.status === "start") ids.add(r.runId);
  }
  return ids.size;
}

async function startWatcher(args: string[] = []) {
  watcher = spawn(
    process.execPath,
    [BIN, "watch-vault-fixtures", "--debounce-ms", "150", ...args],
    {
      cwd: ws.dir,
      env: cleanEnv(world.env),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  watcher.stdout!.on("data", (d) => (output += d));
  watcher.stderr!.on("data", (d) => (output += d));
  await waitFor(
    () => runs() === 1 && /Vault sync success|no value changed/.test(output),
    "the initial sync",
  );
  await waitFor(() => /watching vault\/fixtures/.test(output), "the watcher to be ready");
}

const dbName = () => world.vault.read("secret", "platform/db")?.DB_NAME;
const settle = () => new Promise((r) => setTimeout(r, 600));

describe("watch-vault-fixtures with real files on disk", () => {
  it("an in-place save triggers exactly one re-seed of the changed path; watching keeps working", async () => {
    await startWatcher(["--skip-eso"]);
    const agentsVersions = world.vault.versionCount("secret", "agents/db");
    writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), fixture("platform2"));
    await waitFor(() => dbName() === "platform2", "the new value in Vault");
    await settle();
    expect(runs()).toBe(2);
    expect(world.vault.versionCount("secret", "agents/db")).toBe(agentsVersions);
    writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), fixture("platform3"));
    await waitFor(() => dbName() === "platform3", "the second save");
    await settle();
    expect(runs()).toBe(3);
  });

  it("an editor's rename-over save is one run", async () => {
    await startWatcher(["--skip-eso"]);
    const tmp = join(ws.dir, "vault/fixtures/.platform.yaml.swp");
    writeFileSync(tmp, fixture("renamed"));
    renameSync(tmp, join(ws.dir, "vault/fixtures/platform.yaml"));
    await waitFor(() => dbName() === "renamed", "the renamed-over value");
    await settle();
    expect(runs()).toBe(2);
    writeFileSync(tmp, fixture("renamed-again"));
    renameSync(tmp, join(ws.dir, "vault/fixtures/platform.yaml"));
    await waitFor(() => dbName() === "renamed-again", "a second rename-over");
  });

  it("a burst of saves is debounced into one run", async () => {
    await startWatcher(["--skip-eso"]);
    for (let i = 0; i < 5; i++)
      writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), fixture(`burst${i}`));
    await waitFor(() => dbName() === "burst4", "the last value of the burst");
    await settle();
    expect(runs()).toBe(2);
    expect(world.vault.versionCount("secret", "platform/db")).toBe(2);
  });

  it("saves during a running seed: one run at a time, at most one queued", async () => {
    await startWatcher(["--skip-eso"]);
    // The next Vault request is rate-limited for 1 s: the run is slow.
    world.vault.faults.rateLimit = { remaining: 1, retryAfterSeconds: 1 };
    writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), fixture("slow1"));
    await waitFor(() => runs() === 2, "the slow run to start");
    for (let i = 2; i <= 4; i++) {
      writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), fixture(`slow${i}`));
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitFor(() => dbName() === "slow4", "the queued run's value");
    await settle();
    expect(runs()).toBe(3);
  });

  it("a malformed fixture keeps the last good state, reports file:line:column, and the next valid save recovers", async () => {
    await startWatcher(["--skip-eso"]);
    const versions = world.vault.totalVersions();
    writeFileSync(
      join(ws.dir, "vault/fixtures/platform.yaml"),
      "paths:\n  platform/db:\n    DB_NAME: [unclosed\n",
    );
    await waitFor(
      () =>
        /\[watch:fixtures\] ✖ vault\/fixtures\/platform\.yaml:\d+:\d+: invalid YAML/.test(output),
      "the error",
    );
    expect(world.vault.totalVersions()).toBe(versions);
    expect(dbName()).toBe("platform");
    writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), fixture("recovered"));
    await waitFor(() => dbName() === "recovered", "recovery");
  });

  it("a deleted fixture file deletes nothing remotely", async () => {
    await startWatcher(["--skip-eso"]);
    rmSync(join(ws.dir, "vault/fixtures/agents.yaml"));
    await waitFor(
      () => /agents\.yaml deleted: its paths stay in Vault/.test(output),
      "the deletion note",
    );
    expect(world.vault.read("secret", "agents/db")?.DB_USERNAME).toBe("agents");
  });

  it("polling works where events are missed", async () => {
    await startWatcher(["--skip-eso", "--poll"]);
    writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), fixture("polled"));
    await waitFor(() => dbName() === "polled", "the polled change");
  });

  it("with ESO: refreshes the ExternalSecret that reads the path and re-runs the bootstrap", async () => {
    await startWatcher();
    await waitFor(
      () =>
        world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_URL !== undefined ||
        /db-migrations Flyway secret ensured/.test(output),
      "the initial bootstrap",
      20_000,
    );
    writeFileSync(join(ws.dir, "vault/fixtures/platform.yaml"), fixture("esodb"));
    await waitFor(
      () =>
        world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_URL ===
        "jdbc:postgresql://db:5432/esodb",
      "the refreshed migrations secret",
      20_000,
    );
    expect(world.kube.secretData("ameide", "platform-db-credentials")?.DB_NAME).toBe("esodb");
    expect(output).toMatch(/refresh requested/);
  });
});
