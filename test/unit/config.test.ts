import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import { ConfigError } from "../../src/core/errors.js";
import { queryTimeoutMs } from "../../src/flows/flyway-db.js";

function workspace(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  if (yaml !== undefined) writeFileSync(join(dir, "dev-bootstrap.yaml"), yaml);
  return dir;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("resolveConfig", () => {
  it("uses the ARCHITECTURE.md contracts as defaults", () => {
    const { config, file } = resolveConfig({ cwd: workspace(), env: {} });
    expect(file).toBeUndefined();
    expect(config.namespace).toBe("ameide");
    expect(config.vault.mount).toBe("secret");
    expect(config.eso.store).toBe("ameide-vault");
    expect(config.migrations.secretName).toBe("db-migrations-local");
    expect(config.eso.externalSecrets.map((e) => e.name)).toEqual([
      "platform-db-credentials",
      "agents-db-credentials",
    ]);
    expect(config.migrations.databases.map((d) => d.name)).toEqual(["platform", "agents"]);
    expect(config.migrations.databases[1]?.baselineVersion).toBe("3");
  });

  it("layers defaults → file → env → flags", () => {
    const cwd = workspace("namespace: from-file\nvault:\n  addr: http://file:8200\n  mount: kv\n");
    const fileOnly = resolveConfig({ cwd, env: {} }).config;
    expect(fileOnly.namespace).toBe("from-file");
    expect(fileOnly.vault.addr).toBe("http://file:8200");
    expect(fileOnly.vault.mount).toBe("kv");

    const env = { VAULT_ADDR: "http://env:8200", DEV_BOOTSTRAP_NAMESPACE: "from-env" };
    const withEnv = resolveConfig({ cwd, env }).config;
    expect(withEnv.vault.addr).toBe("http://env:8200");
    expect(withEnv.namespace).toBe("from-env");
    expect(withEnv.vault.mount).toBe("kv");

    const withFlags = resolveConfig({ cwd, env, flags: { namespace: "from-flag" } }).config;
    expect(withFlags.namespace).toBe("from-flag");
    expect(withFlags.vault.addr).toBe("http://env:8200");
  });

  it("a file alone resolves to the config the same file gives with an override of its own values", () => {
    const cwd = workspace(
      "namespace: from-file\nvault:\n  addr: http://file:8200\n  concurrency: 4\nmigrations:\n  seedData: 'false'\n  databases:\n    - { name: billing, vaultPath: billing/db }\n",
    );
    const fileOnly = resolveConfig({
      cwd,
      env: { VAULT_ADDR: "" },
      flags: { namespace: undefined },
    });
    const overridden = resolveConfig({
      cwd,
      env: { VAULT_ADDR: "http://file:8200" },
      flags: { namespace: "from-file" },
    });
    expect(fileOnly.config).toEqual(overridden.config);
    expect(fileOnly.config.migrations.seedData).toBe(false);
    expect(fileOnly.config.vault.concurrency).toBe(4);
    expect(fileOnly.config.eso.store).toBe("ameide-vault");
    expect(fileOnly.config.migrations.databases).toEqual([
      { name: "billing", vaultPath: "billing/db" },
    ]);
  });

  it("finds the config file in a parent directory and resolves paths against it", () => {
    const root = workspace("stateDir: state\n");
    const sub = join(root, "a");
    mkdirSync(sub);
    const resolved = resolveConfig({ cwd: sub, env: {} });
    expect(resolved.root).toBe(root);
    expect(resolved.journalPath).toBe(join(root, "state", "journal.jsonl"));
  });

  it("DEV_BOOTSTRAP_FIXTURES_DIR (set by the Tilt extension's fixtures_dir) overrides the file's fixturesDir", () => {
    const cwd = workspace("vault:\n  fixturesDir: from-file\n");
    expect(resolveConfig({ cwd, env: {} }).config.vault.fixturesDir).toBe("from-file");
    const resolved = resolveConfig({ cwd, env: { DEV_BOOTSTRAP_FIXTURES_DIR: "deploy/fixtures" } });
    expect(resolved.path(resolved.config.vault.fixturesDir)).toBe(join(cwd, "deploy", "fixtures"));
  });

  it("without a config file, resolves paths against the git root above cwd, else cwd", () => {
    const repo = workspace();
    mkdirSync(join(repo, ".git"));
    mkdirSync(join(repo, "services", "api"), { recursive: true });
    const inRepo = resolveConfig({ cwd: join(repo, "services", "api"), env: {} });
    expect(inRepo.root).toBe(repo);
    expect(inRepo.file).toBeUndefined();
    expect(inRepo.path("vault/fixtures")).toBe(join(repo, "vault", "fixtures"));

    // A config file below the git root wins over the git root.
    writeFileSync(join(repo, "services", "dev-bootstrap.yaml"), "namespace: svc\n");
    expect(resolveConfig({ cwd: join(repo, "services", "api"), env: {} }).root).toBe(
      join(repo, "services"),
    );

    const bare = workspace();
    expect(resolveConfig({ cwd: bare, env: {} }).root).toBe(bare);
  });

  it("names the file, line, column and key of a bad value, without echoing it", () => {
    const cwd = workspace("namespace: ameide\nvault:\n  concurrency: lots\n");
    const e = errorOf(() => resolveConfig({ cwd, env: {} }));
    expect(e.message).toMatch(/dev-bootstrap\.yaml:3:16: vault\.concurrency: expected number/);
    expect(e.message).not.toContain("lots");
    expect(e.exitCode).toBe(2);
    expect(e.hint).toBeTruthy();
  });

  it("rejects unknown keys with their location", () => {
    const cwd = workspace("vault:\n  adress: http://x\n");
    const e = errorOf(() => resolveConfig({ cwd, env: {} }));
    expect(e.message).toMatch(/dev-bootstrap\.yaml:2:3: vault: unknown key\(s\) 'adress'/);
  });

  it("reports YAML syntax errors with a position", () => {
    const cwd = workspace("vault:\n  addr: [unclosed\n");
    const e = errorOf(() => resolveConfig({ cwd, env: {} }));
    expect(e.message).toMatch(/dev-bootstrap\.yaml:\d+:\d+: invalid YAML/);
  });

  it("names the environment variable or flag a bad value came from", () => {
    const cwd = workspace();
    expect(
      errorOf(() => resolveConfig({ cwd, env: { VAULT_ADDR: "vault:8200" } })).message,
    ).toMatch(/^environment variable VAULT_ADDR: vault\.addr: expected an http/);
    expect(
      errorOf(() => resolveConfig({ cwd, env: {}, flags: { namespace: "Bad_NS" } })).message,
    ).toMatch(/^flag --namespace: namespace: expected a DNS-1123 label/);
  });

  it("refuses a Vault token stored in the config file", () => {
    const cwd = workspace("vault:\n  token: s.abcdef\n");
    const e = errorOf(() => resolveConfig({ cwd, env: {} }));
    expect(e.message).toMatch(/dev-bootstrap\.yaml:2:10: vault\.token must not be stored/);
    expect(e.message).not.toContain("s.abcdef");
  });

  it("DEV_BOOTSTRAP_SANDBOX is a resolved switch: 1/true on, 0/false/empty/unset off, anything else named", () => {
    const cwd = workspace();
    const sandbox = (value?: string) =>
      resolveConfig({ cwd, env: value === undefined ? {} : { DEV_BOOTSTRAP_SANDBOX: value } })
        .config.sandbox;
    expect([sandbox("1"), sandbox("true")]).toEqual([true, true]);
    expect([sandbox(), sandbox(""), sandbox("0"), sandbox("false")]).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(errorOf(() => sandbox("yes")).message).toMatch(
      /^environment variable DEV_BOOTSTRAP_SANDBOX: sandbox: expected 1 or true, 0 or false$/,
    );
  });

  it("the watcher's polling is a resolved setting: watch.poll in the file, DEV_BOOTSTRAP_WATCH_POLL over it", () => {
    const poll = (file: string | undefined, value?: string) =>
      resolveConfig({
        cwd: workspace(file),
        env: value === undefined ? {} : { DEV_BOOTSTRAP_WATCH_POLL: value },
      }).config.watch.poll;
    expect([poll(undefined), poll(undefined, "1"), poll(undefined, "true")]).toEqual([
      false,
      true,
      true,
    ]);
    // A bind-mounted workspace says so once, in its file; a developer may still switch it off.
    expect([poll("watch:\n  poll: true\n"), poll("watch:\n  poll: true\n", "0")]).toEqual([
      true,
      false,
    ]);
    // Set but not understood is an error naming the variable, not a silent "no".
    expect(errorOf(() => poll(undefined, "yes")).message).toMatch(
      /^environment variable DEV_BOOTSTRAP_WATCH_POLL: watch\.poll: expected 1 or true, 0 or false$/,
    );
  });

  it("refuses sandbox in the config file: only the sandbox knows its cluster is its own", () => {
    const cwd = workspace("namespace: x\nsandbox: true\n");
    const e = errorOf(() => resolveConfig({ cwd, env: {} }));
    expect(e.message).toMatch(
      /dev-bootstrap\.yaml:2:\d+: sandbox is set by 'dev-bootstrap sandbox'/,
    );
    expect(e.hint).toMatch(/DEV_BOOTSTRAP_SANDBOX=1/);
  });

  it("rejects hand-typed data/ segments and trailing dots in Vault paths", () => {
    for (const bad of ["data/platform/db", "platform/db.", "/platform", "a/../b"]) {
      const cwd = workspace(`eso:\n  externalSecrets:\n    - name: x\n      vaultPath: "${bad}"\n`);
      expect(errorOf(() => resolveConfig({ cwd, env: {} })).message).toMatch(
        /eso\.externalSecrets\.0\.vaultPath/,
      );
    }
  });

  it("uses an explicit --config path and reports a missing one", () => {
    const cwd = workspace();
    const e = errorOf(() => resolveConfig({ cwd, env: {}, configPath: "nope.yaml" }));
    expect(e.message).toMatch(/nope\.yaml: cannot read config file \(ENOENT\)/);
  });

  it("limits each PostgreSQL query to the statement timeout plus 5 s unless set, never below it", () => {
    const limit = (yaml?: string) =>
      queryTimeoutMs(resolveConfig({ cwd: workspace(yaml), env: {} }).config.migrations);
    expect(limit()).toBe(65_000);
    expect(limit("migrations:\n  statementTimeoutSeconds: 120\n")).toBe(125_000);
    expect(limit("migrations:\n  queryTimeoutSeconds: 90\n")).toBe(90_000);
    const cwd = workspace(
      "migrations:\n  statementTimeoutSeconds: 30\n  queryTimeoutSeconds: 30\n",
    );
    const e = errorOf(() => resolveConfig({ cwd, env: {} }));
    expect(e.message).toMatch(
      /dev-bootstrap\.yaml:3:\d+: migrations\.queryTimeoutSeconds: must be greater than migrations\.statementTimeoutSeconds/,
    );
  });

  it("a duration longer than a timer can wait is refused, not turned into an instant timeout", () => {
    // Node fires a timer of more than 2^31-1 ms at once: every query would time out.
    const cwd = workspace("migrations:\n  queryTimeoutSeconds: 2500000\n");
    expect(errorOf(() => resolveConfig({ cwd, env: {} })).message).toMatch(
      /dev-bootstrap\.yaml:2:\d+: migrations\.queryTimeoutSeconds: at most 2147483 seconds/,
    );
    expect(
      resolveConfig({ cwd: workspace("kube:\n  requestTimeoutSeconds: 2147483\n"), env: {} }).config
        .kube.requestTimeoutSeconds,
    ).toBe(2147483);
  });
});
