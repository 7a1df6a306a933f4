/**
 * FAULTS.md 38 and 17: Vault rotated while ESO cannot sync. The migrations
 * secret never gets credentials that differ from Vault's current values, and a
 * refresh never counts a failure from before it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runInProcess } from "../helpers/cli.js";
import { spawnCli } from "../helpers/spawned.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

const CONFIG = "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 20\n";
let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({ "dev-bootstrap.yaml": CONFIG, "vault/fixtures/db.yaml": DB_URL_FIXTURES });
});
afterEach(async () => world.stop());

const env = (extra: Record<string, string> = {}) => cleanEnv({ ...world.env, ...extra });
const cli = (args: string[], extra: Record<string, string> = {}) =>
  runInProcess(args, { cwd: ws.dir, env: env(extra) });
const vaultPassword = () => String(world.vault.read("secret", "platform/db")?.DB_PASSWORD);
const esoPassword = () => world.kube.secretData("ameide", "platform-db-credentials")?.DB_PASSWORD;
const flywayPassword = () =>
  world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_PASSWORD;

/** Seeds and syncs, bootstraps, then rotates Vault while ESO fails: the ESO Secret is stale. */
async function rotateWhileEsoFails(): Promise<string> {
  expect((await cli(["ensure-local-secrets"])).code).toBe(0);
  expect((await cli(["bootstrap-db-migrations-secret"])).code).toBe(0);
  const before = vaultPassword();
  expect(flywayPassword()).toBe(before);
  world.eso.failWith = "cannot read secret data from Vault: Code: 403. Errors: permission denied";
  const rotated = await cli(["ensure-local-secrets"], { DEV_BOOTSTRAP_SEED: "rotated-seed" });
  expect(rotated.stdout).toMatch(/\[eso:sync\] ⚠ .*SecretSyncedError/);
  expect(vaultPassword()).not.toBe(before);
  expect(esoPassword()).toBe(before);
  return before;
}

describe("Vault rotated while ESO cannot sync", () => {
  it("ensure mode writes Vault's current credentials and says why", async () => {
    const old = await rotateWhileEsoFails();
    const r = await cli(["bootstrap-db-migrations-secret"], { DEV_BOOTSTRAP_SEED: "rotated-seed" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(flywayPassword()).toBe(vaultPassword());
    expect(flywayPassword()).not.toBe(old);
    expect(r.stdout).toMatch(
      /secret ameide\/platform-db-credentials differs from Vault secret\/platform\/db \(ESO has not synced Vault's current values\); using Vault's values, which ESO will converge to/,
    );
    expect(r.stdout).toMatch(
      /db-migrations Flyway secret ensured \(written; from Vault secret\/platform\/db \(ESO secret stale\)/,
    );
    expect(r.stdout + r.stderr).not.toContain(vaultPassword());
    expect(r.stdout + r.stderr).not.toContain(old);
  });

  it("verify mode fails on the mismatch with the fix, and writes nothing", async () => {
    await rotateWhileEsoFails();
    const before = world.kube.requests.length;
    const r = await cli(["bootstrap-db-migrations-secret", "--mode", "verify"], {
      DEV_BOOTSTRAP_SEED: "rotated-seed",
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /secret ameide\/platform-db-credentials differs from Vault secret\/platform\/db .*fix: dev-bootstrap ensure-local-secrets --refresh, then kubectl -n ameide describe externalsecret platform-db-credentials/,
    );
    const writes = world.kube.requests
      .slice(before)
      .filter((q) => ["create", "update", "patch", "delete"].includes(q.verb));
    expect(writes).toEqual([]);
  });

  it("credentials that match Vault are used from ESO as before", async () => {
    expect((await cli(["ensure-local-secrets"])).code).toBe(0);
    const r = await cli(["bootstrap-db-migrations-secret"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/from platform-db-credentials \(ESO\), agents-db-credentials \(ESO\)/);
  });
});

describe("Vault rotated while ESO cannot sync, then Vault cannot be asked (FAULTS 48)", () => {
  const notEnsured = /db-migrations Flyway secret ensured/;

  it("a sealed Vault: the secret Vault's values went into is kept, and the step warns 'not verified'", async () => {
    await rotateWhileEsoFails();
    // The bootstrap while Vault answers puts Vault's rotated values in place.
    expect(
      (await cli(["bootstrap-db-migrations-secret"], { DEV_BOOTSTRAP_SEED: "rotated-seed" })).code,
    ).toBe(0);
    const current = vaultPassword();
    expect(flywayPassword()).toBe(current);
    world.vault.faults.sealed = true;
    const r = await cli(["bootstrap-db-migrations-secret"], { DEV_BOOTSTRAP_SEED: "rotated-seed" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(notEnsured);
    expect(r.stdout).toMatch(
      /\[db-migrations-secret\] ⚠ db-migrations Flyway secret not verified \(kept as it was, not overwritten with unverified values\): could not compare ameide\/platform-db-credentials, ameide\/agents-db-credentials with Vault \(.*HTTP 503: Vault is sealed\)/,
    );
    expect(r.stdout).toMatch(/hint: when Vault answers \('vault status'\), rerun/);
    // ESO's stale password never replaced Vault's.
    expect(flywayPassword()).toBe(current);
    const summary = await cli(["summary", "--command", "bootstrap-db-migrations-secret"]);
    expect(summary.stdout).toMatch(/db-migrations-secret\s+warn\s+.*not verified/);
    expect(summary.stdout).toMatch(/: WARN\n/);
  });

  it("a refused token: a secret equal to ESO's stays, and is not called ensured", async () => {
    await rotateWhileEsoFails();
    const r = await cli(["bootstrap-db-migrations-secret"], {
      DEV_BOOTSTRAP_SEED: "rotated-seed",
      VAULT_TOKEN: "hvs.not-a-valid-token",
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(notEnsured);
    expect(r.stdout).toMatch(
      /⚠ db-migrations Flyway secret not verified \(unchanged\): could not compare/,
    );
    expect(r.stdout + r.stderr).not.toContain("hvs.not-a-valid-token");
  });

  it("verify mode fails when it cannot compare, and writes nothing", async () => {
    await rotateWhileEsoFails();
    world.vault.faults.sealed = true;
    const before = world.kube.requests.length;
    const r = await cli(["bootstrap-db-migrations-secret", "--mode", "verify"], {
      DEV_BOOTSTRAP_SEED: "rotated-seed",
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /could not compare ameide\/platform-db-credentials with Vault secret\/platform\/db \(.*\) — fix: make Vault answer/,
    );
    expect(r.stdout).not.toMatch(notEnsured);
    const writes = world.kube.requests
      .slice(before)
      .filter((q) => ["create", "update", "patch", "delete"].includes(q.verb));
    expect(writes).toEqual([]);
  });
});

describe("--refresh after a failed sync", () => {
  it("an old SecretSyncedError does not end the wait: the fresh sync's answer does", async () => {
    world.eso.failWith = "cannot read secret data from Vault: Code: 503. Errors: Vault is sealed";
    const failed = await cli(["ensure-local-secrets"]);
    expect(failed.stdout).toMatch(/\[eso:sync\] ⚠ .*SecretSyncedError/);
    world.eso.failWith = undefined;
    // Hold ESO's reconciles until the run is waiting, so its first look sees the old failure.
    const held: Array<() => void> = [];
    const reconcile = world.kube.onChange!;
    world.kube.onChange = (obj) => held.push(() => reconcile(obj));
    const run = spawnCli(["ensure-local-secrets", "--refresh"], { cwd: ws.dir, env: env() });
    await run.waitFor(/\[eso:sync\] ▶/);
    world.kube.onChange = reconcile;
    for (const h of held) h();
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);
  });
});
