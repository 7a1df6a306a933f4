import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli, runInProcess, setUpWith } from "../helpers/cli.js";
import { alive, StandIns } from "../helpers/standin.js";
import { until } from "../helpers/wait.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

const FIXTURES = DB_URL_FIXTURES;

let world: World;
let ws: Workspace;
let standins: StandIns;
const config = (timeout = 30) =>
  `vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 30\nhelm:\n  layers:\n    "42":\n      helmfile: helmfile/42-db-migrations.yaml\n      before: [bootstrap-db-migrations-secret]\n      tests: [db-migrations]\n      timeoutSeconds: ${timeout}\n    "15":\n      helmfile: helmfile/15-secrets.yaml\n      before: [ensure-local-secrets]\n`;

beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({ "dev-bootstrap.yaml": config(), "vault/fixtures/db.yaml": FIXTURES });
  standins = new StandIns(["helmfile", "helm", "kubectl"]);
});
afterEach(async () => world.stop());

const cli = (args: string[]) =>
  runInProcess(args, { cwd: ws.dir, env: cleanEnv({ ...world.env, PATH: standins.path() }) });
/** A set-up step (its output is not under test), run in-process. */
const setUp = (args: string[]) =>
  setUpWith(args, { cwd: ws.dir, env: cleanEnv({ ...world.env, PATH: standins.path() }) });
const passwords = () =>
  ["platform/db", "agents/db"].map((p) => String(world.vault.read("secret", p)?.DB_PASSWORD));

describe("run-helm-layer", () => {
  it("layer 42: the bootstrap first, then helmfile sync, then helm test; no secret in any argv", async () => {
    await setUp(["ensure-local-secrets"]);
    const r = await cli(["run-helm-layer", "42"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const order = [...r.stdout.matchAll(/^\[([^\]]+)\] [✔⚠]/gm)].map((m) => m[1]);
    expect(order).toEqual([
      "db-migrations-secret",
      "layer:42:helmfile",
      "layer:42:test:db-migrations",
    ]);
    const calls = standins.calls();
    expect(calls.map((c) => [c.tool, c.argv[0]])).toEqual([
      ["helmfile", "--file"],
      ["helm", "test"],
    ]);
    expect(calls[0]!.argv).toEqual([
      "--file",
      `${ws.dir}/helmfile/42-db-migrations.yaml`,
      "--environment",
      "local",
      "sync",
    ]);
    expect(calls[1]!.argv).toEqual([
      "test",
      "db-migrations",
      "--namespace",
      "ameide",
      "--logs",
      "--timeout",
      "30s",
    ]);
    expect(world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_USER).toBe("platform");
    for (const c of calls)
      for (const a of c.argv)
        for (const pw of [...passwords(), world.vault.rootToken]) expect(a).not.toContain(pw);
    expect(r.stdout).toContain("db-migrations Flyway secret ensured");
  });

  it("layer 15 runs ensure-local-secrets first", async () => {
    const r = await cli(["run-helm-layer", "15"]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/Vault sync success[\s\S]*\[layer:15:helmfile\] ✔/);
  });

  it("a failed helmfile sync skips the test gate and reports the exit code and a masked tail (FAULTS 26)", async () => {
    await setUp(["ensure-local-secrets"]);
    standins.plan("helmfile", {
      exit: 3,
      stderr: [`Error: release db-migrations failed, password=${passwords()[0]}`],
    });
    const r = await cli(["run-helm-layer", "42"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /\[layer:42:helmfile\] ✖ helmfile sync for layer 42 exited 3: Error: release db-migrations failed, password=\*\*\*/,
    );
    expect(r.stdout).toMatch(/\[layer:42:test:db-migrations\] ↷ skipped: layer:42:helmfile failed/);
    expect(standins.calls("helm")).toHaveLength(0);
    expect(r.stdout + r.stderr + ws.journal()).not.toContain(passwords()[0]);
  });

  it("a failed bootstrap skips helmfile and the tests", async () => {
    world.kube.deny.push({ verb: "get", resource: "secrets", namespace: "ameide" });
    await setUp(["ensure-local-secrets", "--skip-eso"]);
    const r = await cli(["run-helm-layer", "42"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[layer:42:helmfile\] ↷ skipped: db-migrations-secret failed/);
    expect(standins.calls()).toHaveLength(0);
  });

  it("reports the benign test-log race as a warning, not a failure", async () => {
    await setUp(["ensure-local-secrets"]);
    standins.plan("helm", {
      exit: 1,
      stdout: [
        "NAME: db-migrations",
        "TEST SUITE:     db-migrations-validate",
        "Phase:          Succeeded",
      ],
      stderr: [
        'Error: unable to get pod logs for db-migrations-validate: pods "db-migrations-validate" not found',
      ],
    });
    const r = await cli(["run-helm-layer", "42"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\[layer:42:test:db-migrations\] ⚠ helm test db-migrations passed; its pod's log was already gone/,
    );
  });

  it("a real test failure fails the layer", async () => {
    await setUp(["ensure-local-secrets"]);
    standins.plan("helm", { exit: 1, stdout: ["Phase:          Failed"] });
    const r = await cli(["run-helm-layer", "42"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/helm test db-migrations failed \(exit 1\)/);
  });

  it("stops a hung child and its children at the timeout (FAULTS 27)", async () => {
    ws.write("dev-bootstrap.yaml", config(2));
    await setUp(["ensure-local-secrets"]);
    standins.plan("helmfile", { sleepMs: 60_000, grandchild: true });
    const r = await cli(["run-helm-layer", "42"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /helmfile did not finish within 2 s; it and its children were stopped/,
    );
    const grandchild = standins.grandchildPid("helmfile");
    expect(grandchild).toBeGreaterThan(0);
    // SIGKILL was sent; the kernel ends the process as soon as it is scheduled.
    await until(() => !alive(grandchild!), "the grandchild to be gone");
  });

  it("says helmfile is missing, with a hint, without retrying (FAULTS 25)", async () => {
    await setUp(["ensure-local-secrets"]);
    const r = await runCli(["run-helm-layer", "42"], {
      cwd: ws.dir,
      env: cleanEnv({ ...world.env, PATH: "/usr/bin:/bin" }),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/helmfile not found on PATH .*hint: install helmfile/);
  });

  it("rejects an unknown layer and a missing argument", async () => {
    expect((await cli(["run-helm-layer"])).code).toBe(2);
    const r = await cli(["run-helm-layer", "99"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/no layer 99 in helm\.layers \(have: 15, 42\)/);
  });
});

describe("run-migrations", () => {
  it("ensures the secret, installs the release with --wait --atomic, shows the Job's logs", async () => {
    await setUp(["ensure-local-secrets"]);
    standins.plan("kubectl", {
      stdout: ["==> platform: flyway migrate", "Successfully applied 3 migrations"],
    });
    const r = await cli(["run-migrations"]);
    expect(r.stdout).toContain("db-migrations Flyway secret ensured");
    const helm = standins.calls("helm")[0]!;
    expect(helm.argv.slice(0, 3)).toEqual(["upgrade", "--install", "db-migrations"]);
    expect(helm.argv).toEqual(
      expect.arrayContaining(["--wait", "--wait-for-jobs", "--atomic", "--namespace", "ameide"]),
    );
    expect(standins.calls("kubectl")[0]!.argv).toEqual([
      "logs",
      "--namespace",
      "ameide",
      "job/db-migrations-migrate",
      "--all-containers",
    ]);
    expect(r.stdout).toMatch(/\[migrations:logs\] Successfully applied 3 migrations/);
    // The values file decides about demo seed data unless the workspace turns it off.
    expect(helm.argv).not.toContain("seedData.enabled=false");
    // the databases are not reachable from the test: a warning, not a failure
    expect(r.stdout).toMatch(/\[flyway:status\] ⚠ database platform: PostgreSQL unreachable/);
    expect(r.stdout).not.toMatch(/\[flyway:status\] ✖/);
    expect(r.code, r.stdout).toBe(0);
  });

  it("with demo seed data turned off, installs the release with seedData.enabled=false", async () => {
    await setUp(["ensure-local-secrets"]);
    standins.plan("kubectl", { stdout: ["Successfully applied 3 migrations"] });
    const r = await runInProcess(["run-migrations"], {
      cwd: ws.dir,
      env: cleanEnv({ ...world.env, PATH: standins.path(), DEV_BOOTSTRAP_SEED_DATA: "0" }),
    });
    expect(r.stdout).toContain("db-migrations Flyway secret ensured");
    const helm = standins.calls("helm").at(-1)!;
    expect(helm.argv.slice(0, 3)).toEqual(["upgrade", "--install", "db-migrations"]);
    const at = helm.argv.indexOf("seedData.enabled=false");
    expect(at).toBeGreaterThan(0);
    expect(helm.argv[at - 1]).toBe("--set");
  });

  it("--verify fails on a missing secret without installing anything", async () => {
    const r = await cli(["run-migrations", "--verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/secret ameide\/db-migrations-local does not exist/);
    expect(r.stdout).toMatch(/\[migrations:helm\] ↷ skipped/);
    expect(standins.calls("helm")).toHaveLength(0);
  });
});
