import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli, runInProcess } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { StandIns } from "../helpers/standin.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

const FIXTURES = DB_URL_FIXTURES;

let world: World;
let ws: Workspace;
let standins: StandIns;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 1\neso:\n  readyTimeoutSeconds: 30\n",
    "vault/fixtures/db.yaml": FIXTURES,
  });
  standins = new StandIns(["tilt"]);
});
afterEach(async () => world.stop());
const cli = (args: string[]) =>
  runCli(args, { cwd: ws.dir, env: cleanEnv({ ...world.env, PATH: standins.path() }) });
/** The same command in-process, on a clock that records its waits (a deadline nothing ends early). */
const inProcess = (args: string[], clock = virtualClock(), path = standins.path()) =>
  runInProcess(args, { cwd: ws.dir, env: cleanEnv({ ...world.env, PATH: path }), clock });

describe("post-start", () => {
  it("seeds, wires ESO, writes the secret, then summarises: a usable environment exits 0", async () => {
    const r = await cli(["post-start"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const firstOk = (s: string) => r.stdout.indexOf(`[${s}] ✔`);
    expect(firstOk("vault:seed")).toBeGreaterThan(0);
    expect(firstOk("eso:sync")).toBeGreaterThan(firstOk("vault:seed"));
    expect(firstOk("db-migrations-secret")).toBeGreaterThan(firstOk("eso:sync"));
    expect(r.stdout).toMatch(/\[tilt\] ↷ no Tiltfile in the workspace; Tilt not started/);
    expect(r.stdout).toMatch(
      /run \S+ \(post-start\) started \S+: OK\nSTEP +STATUS +DURATION +DETAIL/,
    );
    expect(r.stdout).toMatch(
      /db-migrations-secret +ok +\d+ ms +db-migrations Flyway secret ensured/,
    );
    expect(r.stdout).toContain("Vault sync success");
    // the summary command sees the same run
    const summary = await cli(["summary", "--json"]);
    expect(JSON.parse(summary.stdout).run).toMatchObject({ command: "post-start", result: "ok" });
  });

  it("a failed step shows with its hint; the later ones are skipped; exit 1", async () => {
    world.vault.faults.sealed = true;
    const clock = virtualClock();
    const r = await inProcess(["post-start"], clock);
    expect(r.code).toBe(1);
    // it waited out Vault's 1 s deadline before failing the step
    expect(clock.elapsed()).toBe(1000);
    expect(r.stdout).toMatch(/\[db-migrations-secret\] ↷ skipped: vault:health failed/);
    expect(r.stdout).toMatch(/\[tilt\] ↷ skipped: vault:health failed/);
    expect(r.stdout).toMatch(/: FAILED\n/);
    expect(r.stdout).toMatch(
      /vault:health +FAIL +[\d.]+ m?s +Vault sealed at http:\/\/127\.0\.0\.1:\d+ — hint: unseal it/,
    );
    expect(world.kube.get("Secret", "ameide", "db-migrations-local")).toBeUndefined();
    const summary = await inProcess(["summary"]);
    expect(summary.code).toBe(1);
  });

  // Starting Tilt, confirming its API and finding one already running: post-start-tilt.test.ts.
  it("--no-tilt leaves Tilt alone", async () => {
    writeFileSync(join(ws.dir, "Tiltfile"), "# test\n");
    const r = await cli(["post-start", "--no-tilt"]);
    expect(r.stdout).toMatch(/\[tilt\] ↷ Tilt not started \(--no-tilt\)/);
    expect(standins.calls("tilt")).toHaveLength(0);
  });
});

describe("smoke", () => {
  it("runs the steps in order and stops at the first failure", async () => {
    const helm = new StandIns(["helmfile", "helm"]);
    // in-process: its connect retries to the unreachable host are recorded, not spent
    const r = await inProcess(["smoke", "--skip-layer"], virtualClock(), helm.path());
    // flyway-status cannot reach the fixtures' db:5432 host: that is the failure here
    expect(r.stdout).toMatch(/\[db-migrations-secret:check\] ✔/);
    expect(r.stdout).toMatch(/\[flyway:status\] ✖/);
    expect(r.code).toBe(1);
    world.vault.faults.sealed = true;
    const sealed = await runCli(["smoke"], {
      cwd: ws.dir,
      env: cleanEnv({ ...world.env, PATH: helm.path() }),
    });
    expect(sealed.code).toBe(1);
    expect(sealed.stdout).toMatch(/\[layer:42\] ↷ skipped: vault:health failed/);
    expect(sealed.stdout).toMatch(/\[flyway:status\] ↷ skipped/);
    expect(helm.calls()).toHaveLength(0);
    expect(readFileSync(join(ws.dir, ".dev-bootstrap/journal.jsonl"), "utf8")).toContain(
      '"command":"smoke"',
    );
  });
});
