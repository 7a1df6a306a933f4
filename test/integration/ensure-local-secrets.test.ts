import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deriveSecret } from "../../src/core/derive.js";
import { VaultStandIn } from "../../src/sandbox/vault-server.js";
import { cleanEnv, runCli, runInProcess } from "../helpers/cli.js";
import { type VirtualClock, virtualClock } from "../helpers/clock.js";
import { FAST_CONFIG, makeWorkspace, type Workspace } from "../helpers/workspace.js";

const FIXTURE = `paths:
  platform/db:
    DB_USERNAME: platform
    DB_PASSWORD: { derive: { length: 24 } }
    API_KEY: { value: "CANARY-literal-9d2f", secret: true }
    DATABASE_URL: { template: "postgresql://\${DB_USERNAME}:\${DB_PASSWORD | urlencode}@db:5432/platform" }
  agents/db:
    DB_USERNAME: agents
    DB_PASSWORD: { derive: { length: 24, alphabet: strong } }
`;

let vault: VaultStandIn;
let addr: string;
let ws: Workspace;
let clock: VirtualClock;

beforeEach(async () => {
  clock = virtualClock();
  vault = new VaultStandIn();
  addr = await vault.listen();
  ws = makeWorkspace({ "dev-bootstrap.yaml": FAST_CONFIG, "vault/fixtures/local.yaml": FIXTURE });
});
afterEach(async () => {
  await vault.close();
});

const env = (extra: Record<string, string> = {}) =>
  cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: vault.rootToken, ...extra });
// The flow runs in-process against the in-process stand-in, on a clock whose waits
// (backoff, Retry-After, the health deadline) take no time and are recorded; the
// built CLI keeps the end-to-end run (first test) and what depends on the process
// (DEBUG, HOME), with real waits.
const seed = (args: string[] = [], extra: Record<string, string> = {}) =>
  runInProcess(["ensure-local-secrets", "--skip-eso", ...args], {
    cwd: ws.dir,
    env: env(extra),
    clock,
  });
const seedProcess = (args: string[] = [], extra: Record<string, string> = {}) =>
  runCli(["ensure-local-secrets", "--skip-eso", ...args], { cwd: ws.dir, env: env(extra) });

const platformPassword = () =>
  deriveSecret("dev-bootstrap-local", "secret", "platform/db", "DB_PASSWORD", {
    length: 24,
    alphabet: "alnum",
    rotation: 0,
  });

function expectNoSecrets(...texts: string[]) {
  const secrets = [
    vault.rootToken,
    platformPassword(),
    "CANARY-literal-9d2f",
    String(vault.read("secret", "agents/db")?.DB_PASSWORD ?? platformPassword()),
  ];
  for (const text of texts) for (const s of secrets) expect(text).not.toContain(s);
}

describe("ensure-local-secrets against the Vault stand-in", () => {
  it("seeds deterministic values and ends with 'Vault sync success' and counts", async () => {
    const r = await seedProcess();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\[vault:seed\] ✔ Vault sync success \(written 2, unchanged 0, paths 2\)/,
    );
    const stored = vault.read("secret", "platform/db")!;
    expect(stored.DB_PASSWORD).toBe(platformPassword());
    expect(stored.DATABASE_URL).toBe(
      `postgresql://platform:${encodeURIComponent(platformPassword())}@db:5432/platform`,
    );
    expectNoSecrets(r.stdout, r.stderr, ws.journal());
  });

  it("writes nothing on a second run: zero new versions (FAULTS 5)", async () => {
    await seed();
    const before = vault.totalVersions();
    const r = await seed();
    expect(r.code).toBe(0);
    expect(vault.totalVersions()).toBe(before);
    expect(r.stdout).toContain("Vault sync success (written 0, unchanged 2, paths 2)");
  });

  it("--plan shows actions per path and key, never values, and writes nothing", async () => {
    vault.writeDirect("secret", "platform/db", {
      DB_USERNAME: "platform",
      DB_PASSWORD: "old",
      EXTRA: "x",
    });
    const r = await seed(["--plan"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("plan: 2 path(s) would change, 0 unchanged");
    expect(r.stdout).toMatch(/update\s+platform\/db/);
    expect(r.stdout).toMatch(/~ DB_PASSWORD \(update\)/);
    expect(r.stdout).toMatch(/\+ API_KEY \(create\)/);
    expect(r.stdout).toMatch(/= EXTRA \(not in fixtures; kept\)/);
    expect(r.stdout).toMatch(/create\s+agents\/db/);
    expect(vault.totalVersions()).toBe(1);
    expectNoSecrets(r.stdout, r.stderr, ws.journal());
    const j = await seed(["--plan", "--json"]);
    const plan = JSON.parse(j.stdout);
    expect(plan.paths.map((p: { path: string; action: string }) => [p.path, p.action])).toEqual([
      ["platform/db", "update"],
      ["agents/db", "create"],
    ]);
    expect(j.stdout).not.toContain("old");
  });

  it("keeps keys added by hand and never deletes anything", async () => {
    vault.writeDirect("secret", "platform/db", { HAND: "kept-value" });
    await seed();
    expect(vault.read("secret", "platform/db")?.HAND).toBe("kept-value");
  });

  it("fails on a sealed Vault after bounded retries, writing nothing (FAULTS 1)", async () => {
    vault.faults.sealed = true;
    const r = await seed();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`[vault:health] ✖ Vault sealed at ${addr}`);
    expect(r.stdout).toMatch(/hint: unseal it/);
    // bounded: a few checks with backoff until the 2 s deadline, not a tight loop
    const checks = vault.requests.filter((q) => q.path === "/v1/sys/health").length;
    expect(checks).toBeGreaterThan(2);
    expect(checks).toBeLessThanOrEqual(8);
    // it waited out the whole 2 s deadline, each wait a backoff step cut to what was left
    expect(clock.elapsed()).toBe(2000);
    expect(clock.sleeps.length).toBe(checks - 1);
    expect(vault.requests.some((q) => q.path !== "/v1/sys/health")).toBe(false);
    expect(vault.totalVersions()).toBe(0);
  });

  it("waits for Vault to be unsealed within the deadline", async () => {
    // The deadline only bounds a failure here: Vault unseals after two health checks.
    ws.write("dev-bootstrap.yaml", "vault:\n  readyTimeoutSeconds: 60\n");
    vault.faults.sealed = true;
    vault.faults.unsealAfterHealthChecks = 2;
    const r = await seed();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("Vault sync success");
    const health = vault.requests.filter((q) => q.path === "/v1/sys/health");
    expect(health.map((q) => q.status)).toEqual([503, 503, 200]);
  });

  it("says 'not initialised' for a 501 and 'unreachable' when nothing listens", async () => {
    vault.faults.initialized = false;
    const r = await seed();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`Vault not initialised at ${addr}`);
    await vault.close();
    const r2 = await seed();
    expect(r2.code).toBe(1);
    expect(r2.stdout).toMatch(/Vault unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it("treats a 429 from sys/health as a standby, not a failure (FAULTS 8)", async () => {
    vault.faults.standby = true;
    const r = await seed();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[vault:health\] ⚠ Vault at .* is a standby node \(HTTP 429\)/);
  });

  it("waits out 429 Retry-After on requests, then succeeds (FAULTS 8)", async () => {
    vault.faults.rateLimit = { remaining: 2, retryAfterSeconds: 1 };
    const r = await seed();
    expect(r.code).toBe(0);
    // each 429 was waited out for its Retry-After (1 s), and nothing else waited
    expect(clock.sleeps).toEqual([1000, 1000]);
    expect(vault.requests.filter((q) => q.status === 429)).toHaveLength(2);
  });

  it("fails a 403 at once, naming the path and capability, never the token (FAULTS 2)", async () => {
    const token = vault.addToken({ deny: ["secret/data/agents/"] });
    const r = await runCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: env({ VAULT_TOKEN: token }),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /permission denied: the Vault token lacks 'read' on \/v1\/secret\/data\/agents\/db/,
    );
    expect(r.stdout).not.toContain(token);
    expect(r.stderr).not.toContain(token);
    expect(vault.requests.filter((q) => q.status === 403)).toHaveLength(1);
  });

  it("a 403 on a read is not retried: one denied request, no backoff, the other path still seeded", async () => {
    const token = vault.addToken({ deny: ["secret/data/agents/"] });
    const r = await seed([], { VAULT_TOKEN: token });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /\[vault:seed\] ✖ permission denied: the Vault token lacks 'read' on \/v1\/secret\/data\/agents\/db \(\d+ ms\) — hint: grant a policy with capabilities \["read"\] on path "secret\/data\/agents\/db", or use another token/,
    );
    expect(vault.requests.filter((q) => q.status === 403)).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(vault.read("secret", "platform/db")?.DB_USERNAME).toBe("platform");
  });

  it("rejects a bad token with a hint", async () => {
    const r = await seed([], { VAULT_TOKEN: "not-a-real-token" });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Vault rejected the token .* hint: set VAULT_TOKEN/);
    expect(r.stdout + r.stderr + ws.journal()).not.toContain("not-a-real-token");
  });

  it("re-reads after a check-and-set mismatch; equal data means success (FAULTS 3)", async () => {
    let raced = false;
    vault.faults.beforeWrite = (mount, path) => {
      if (raced || path !== "platform/db") return;
      raced = true;
      // Another writer lands the very same values first.
      vault.writeDirect(mount, path, { ...expectedPlatform() });
    };
    const r = await seed();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("check-and-set 0 did not match");
    expect(vault.versionCount("secret", "platform/db")).toBe(1);
  });

  it("retries a check-and-set mismatch with different data, keeping cas", async () => {
    let races = 0;
    vault.faults.beforeWrite = (mount, path) => {
      if (path !== "platform/db" || races++ >= 2) return;
      vault.writeDirect(mount, path, { OTHER: `writer-${races}` });
    };
    const r = await seed();
    expect(r.code).toBe(0);
    expect(vault.read("secret", "platform/db")).toMatchObject({
      ...expectedPlatform(),
      OTHER: "writer-2",
    });
    expect(vault.versionCount("secret", "platform/db")).toBe(3);
    // Each retry waits a growing backoff (±20 % jitter) on the run's clock, so racing
    // writers spread out instead of colliding again at once.
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(160);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(240);
    expect(clock.sleeps[1]).toBeGreaterThanOrEqual(320);
    expect(clock.sleeps[1]).toBeLessThanOrEqual(480);
  });

  it("gives up after bounded retries when another writer never stops", async () => {
    vault.faults.beforeWrite = (mount, path) => {
      if (path === "platform/db") vault.writeDirect(mount, path, { OTHER: String(Math.random()) });
    };
    const r = await seed();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/gave up writing secret\/platform\/db after 4 attempts/);
    // A backoff between attempts, none after the last: giving up does not wait first.
    expect(clock.sleeps).toHaveLength(3);
  });

  it("works on a mount with cas_required: every write carries cas (FAULTS 4)", async () => {
    vault.mounts.get("secret")!.casRequired = true;
    const r = await seed();
    expect(r.code).toBe(0);
    expect(vault.versionCount("secret", "agents/db")).toBe(1);
  });

  it("tells a soft-deleted key from a missing one and logs the decision (FAULTS 6)", async () => {
    vault.writeDirect("secret", "platform/db", { DB_USERNAME: "platform" });
    vault.softDelete("secret", "platform/db");
    const plan = await seed(["--plan"]);
    expect(plan.stdout).toMatch(/create\s+platform\/db \(latest version soft-deleted\)/);
    const r = await seed();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /platform\/db: latest version 1 is soft-deleted; writing a new version on top/,
    );
    expect(vault.versionCount("secret", "platform/db")).toBe(2);
    expect(ws.journal()).toContain("soft-deleted");
  });

  it("re-reads after a connection reset once the write was sent (FAULTS 7)", async () => {
    vault.faults.resetAfterWrite = 1;
    const r = await seed();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/connection lost after the write was sent/);
    expect(r.stdout).toContain("written 2, unchanged 0");
    // the write that landed is not repeated
    expect(vault.totalVersions()).toBe(2);
  });

  it("rejects bad paths locally with file:line:column; nothing reaches Vault (FAULTS 9)", async () => {
    ws.write(
      "vault/fixtures/local.yaml",
      'paths:\n  secret/data/platform/db:\n    A: "1"\n  platform/db.:\n    B: "2"\n',
    );
    const r = await seed();
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(
      /vault\/fixtures\/local\.yaml:4:3: bad Vault path 'platform\/db\.'/,
    );
    expect(r.stdout).toMatch(
      /vault\/fixtures\/local\.yaml:2:3: bad Vault path 'secret\/data\/platform\/db'/,
    );
    expect(vault.requests).toHaveLength(0);
  });

  it("reports every fixture problem: unknown fields, types, cycles, unknown refs", async () => {
    ws.write(
      "vault/fixtures/local.yaml",
      [
        "paths:",
        "  a/b:",
        "    X: { template: '${Y}' }",
        "    Y: { template: '${X}' }",
        "    Z: { derive: { length: three } }",
        "    W: { valu: 1 }",
        "    V: { template: '${nope/x#K}' }",
        "",
      ].join("\n"),
    );
    const r = await seed();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/local\.yaml:5:28: derive\.length: expected a whole number/);
    expect(r.stderr).toMatch(/local\.yaml:6:10: unknown field 'valu'/);
    expect(vault.requests).toHaveLength(0);
    ws.write(
      "vault/fixtures/local.yaml",
      "paths:\n  a/b:\n    X: { template: '${Y}' }\n    Y: { template: 'u-${X}' }\n",
    );
    const cyc = await seed();
    expect(cyc.code).toBe(2);
    expect(cyc.stdout + cyc.stderr).toMatch(/template cycle: a\/b#X → a\/b#Y → a\/b#X/);
  });

  it("reads a token file with a trailing newline (FAULTS 10)", async () => {
    const file = join(ws.dir, "token");
    writeFileSync(file, `${vault.rootToken}\n`);
    const r = await runCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN_FILE: file }),
    });
    expect(r.code).toBe(0);
    const home = await runCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: cleanEnv({ VAULT_ADDR: addr, HOME: ws.dir }),
    });
    expect(home.code).toBe(2);
    expect(home.stdout + home.stderr).toMatch(
      /no Vault token: VAULT_TOKEN is unset and ~\/\.vault-token does not exist/,
    );
    writeFileSync(join(ws.dir, ".vault-token"), `  ${vault.rootToken}\r\n`);
    const fromHome = await runCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: cleanEnv({ VAULT_ADDR: addr, HOME: ws.dir }),
    });
    expect(fromHome.code).toBe(0);
  });

  it("enables the KV v2 mount when missing and refuses a KV v1 mount", async () => {
    vault.mounts.delete("secret");
    const r = await seed();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("enabled KV v2 at secret/");
    vault.mounts.delete("secret");
    vault.addMount("secret", "kv", "1");
    const v1 = await seed();
    expect(v1.code).toBe(1);
    expect(v1.stdout).toMatch(
      /mount secret\/ is KV version 1, not KV v2 \(\d+ ms\) — hint: upgrade it: vault kv enable-versioning secret\//,
    );
  });

  it("masks every secret value even with DEBUG=* (FAULTS 29)", async () => {
    vault.faults.resetAfterWrite = 1;
    const r = await seedProcess(["--log-format", "json"], { DEBUG: "*" });
    expect(r.code).toBe(0);
    expectNoSecrets(r.stdout, r.stderr, ws.journal());
    for (const line of r.stdout.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
  });
});

function expectedPlatform() {
  const pw = platformPassword();
  return {
    DB_USERNAME: "platform",
    DB_PASSWORD: pw,
    API_KEY: "CANARY-literal-9d2f",
    DATABASE_URL: `postgresql://platform:${encodeURIComponent(pw)}@db:5432/platform`,
  };
}
