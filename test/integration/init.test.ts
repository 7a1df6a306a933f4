import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { nodeFs } from "../../src/adapters/files.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import { loadFixtures, readFixtureSources } from "../../src/flows/fixtures.js";
import { cleanEnv, REPO, runCli } from "../helpers/cli.js";
import { helmBinary } from "../helpers/helm.js";
import { runChild } from "../helpers/run-child.js";
import { makeWorkspace } from "../helpers/workspace.js";

describe("dev-bootstrap init", () => {
  it("scaffolds a loadable config, a fixture per database and the Feature; prints the Tiltfile and devcontainer lines", async () => {
    const ws = makeWorkspace();
    mkdirSync(join(ws.dir, ".git"));
    mkdirSync(join(ws.dir, "services"));
    const r = await runCli(
      ["init", "--database", "platform", "--database", "billing", "--database", "audit"],
      { cwd: join(ws.dir, "services"), env: cleanEnv() },
    );
    expect(r.code, r.stderr).toBe(0);
    // The git root is the workspace, not the directory init was started in.
    expect(r.stdout).toContain(`Workspace: ${ws.dir}`);
    for (const f of [
      "dev-bootstrap.yaml",
      "vault/fixtures/platform.yaml",
      "vault/fixtures/billing.yaml",
      "vault/fixtures/audit.yaml",
      ".devcontainer/dev-bootstrap/devcontainer-feature.json",
      ".devcontainer/dev-bootstrap/install.sh",
      ".devcontainer/dev-bootstrap/post-start.sh",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`created +${f.replace(/\./g, "\\.")}\\n`));
      expect(existsSync(join(ws.dir, f)), f).toBe(true);
    }
    expect(statSync(join(ws.dir, ".devcontainer/dev-bootstrap/install.sh")).mode & 0o111).not.toBe(
      0,
    );
    expect(r.stdout).toContain("dev_bootstrap()");
    // Outside the workspace (not in its node_modules), the package is loaded by absolute path.
    expect(r.stdout).toContain(`load("${REPO}tilt/dev_bootstrap/Tiltfile", "dev_bootstrap")`);
    expect(r.stdout).toContain('"features": { "./dev-bootstrap": {} },');
    expect(r.stdout).toContain('"postCreateCommand": "npm ci"');

    // What init wrote is what the commands load: the config, and fixtures for each database.
    const resolved = resolveConfig({ cwd: join(ws.dir, "services"), env: {} });
    expect(resolved.root).toBe(ws.dir);
    expect(resolved.config.migrations.databases.map((d) => d.name)).toEqual([
      "platform",
      "billing",
      "audit",
    ]);
    expect(resolved.config.eso.externalSecrets.map((e) => e.name)).toEqual([
      "platform-db-credentials",
      "billing-db-credentials",
      "audit-db-credentials",
    ]);
    const { resolved: fixtures } = loadFixtures(
      readFixtureSources(resolved.path(resolved.config.vault.fixturesDir), resolved.root, nodeFs),
      { seed: "s", mount: "secret", masker: new SecretMasker(), env: {} },
    );
    expect(fixtures.get("billing/db")?.values).toMatchObject({
      DB_USERNAME: "billing",
      DB_NAME: "billing",
      DB_HOST: "postgres.ameide.svc.cluster.local",
    });
    expect(fixtures.get("billing/db")?.values.DB_PASSWORD).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it("never overwrites a file, and --dry-run writes nothing", async () => {
    const ws = makeWorkspace({ "vault/fixtures/platform.yaml": "paths: {}\n" });
    const dry = await runCli(["init", "--dry-run"], { cwd: ws.dir, env: cleanEnv() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would create +dev-bootstrap\.yaml/);
    expect(dry.stdout).toMatch(/exists, kept +vault\/fixtures\/platform\.yaml/);
    expect(existsSync(join(ws.dir, "dev-bootstrap.yaml"))).toBe(false);
    expect(existsSync(join(ws.dir, "vault/fixtures/agents.yaml"))).toBe(false);

    writeFileSync(join(ws.dir, "dev-bootstrap.yaml"), "namespace: mine\n");
    const r = await runCli(["init", "--json"], { cwd: ws.dir, env: cleanEnv() });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { files: Array<{ path: string; action: string }> };
    expect(result.files).toContainEqual({ path: "dev-bootstrap.yaml", action: "exists, kept" });
    expect(result.files).toContainEqual({
      path: "vault/fixtures/platform.yaml",
      action: "exists, kept",
    });
    expect(result.files).toContainEqual({ path: "vault/fixtures/agents.yaml", action: "created" });
    expect(readFileSync(join(ws.dir, "dev-bootstrap.yaml"), "utf8")).toBe("namespace: mine\n");
    expect(ws.read("vault/fixtures/platform.yaml")).toBe("paths: {}\n");
  });

  it("refuses a database name that cannot become a Secret name", async () => {
    const ws = makeWorkspace();
    const r = await runCli(["init", "--database", "Billing_DB"], { cwd: ws.dir, env: cleanEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--database "Billing_DB": expected a lower-case name`);
    expect(existsSync(join(ws.dir, "dev-bootstrap.yaml"))).toBe(false);
  });

  it("writes each flag as a real setting: the namespace in effect is the one the fixtures point at", async () => {
    const ws = makeWorkspace();
    mkdirSync(join(ws.dir, ".git"));
    const r = await runCli(
      [
        "init",
        "--namespace",
        "commerce",
        "--state-dir",
        ".state",
        "--vault-addr",
        "http://vault.local:8200",
        "--sql-dir",
        "database/migrations",
        "--database",
        "orders",
        "--database",
        "inventory",
      ],
      { cwd: ws.dir, env: cleanEnv() },
    );
    expect(r.code, r.stderr).toBe(0);
    const written = ws.read("dev-bootstrap.yaml");
    expect(written).toMatch(/^namespace: commerce$/m);
    expect(written).not.toMatch(/^# namespace:/m);
    // Loaded back without any flag: the settings are the file's.
    const resolved = resolveConfig({ cwd: ws.dir, env: {} });
    expect(resolved.config.namespace).toBe("commerce");
    expect(resolved.config.stateDir).toBe(".state");
    expect(resolved.config.vault.addr).toBe("http://vault.local:8200");
    expect(resolved.config.migrations.sqlDir).toBe("database/migrations");
    const { resolved: fixtures } = loadFixtures(
      readFixtureSources(resolved.path(resolved.config.vault.fixturesDir), resolved.root, nodeFs),
      { seed: "s", mount: "secret", masker: new SecretMasker(), env: {} },
    );
    expect(fixtures.get("orders/db")?.values.DB_HOST).toBe(
      `postgres.${resolved.config.namespace}.svc.cluster.local`,
    );
    // The printed next step names the migrations folder in effect, not the default.
    expect(r.stdout).toContain("database/migrations/<database>/ (migrations.sqlDir)");
    expect(r.stdout).not.toContain("db/flyway/sql");
    expect(r.stdout).toContain("add the stateDir (.state/) to .gitignore");
  });

  it("scaffolds layer 42 so that its helmfile's release renders with a real helm template right after init", async () => {
    const ws = makeWorkspace();
    mkdirSync(join(ws.dir, ".git"));
    const r = await runCli(
      [
        "init",
        "-n",
        "commerce",
        "--sql-dir",
        "database/migrations",
        "--database",
        "orders",
        "--database",
        "inventory",
      ],
      { cwd: ws.dir, env: cleanEnv() },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/created +helmfile\/42-db-migrations\.yaml\n/);
    expect(r.stdout).toMatch(/linked +charts\/db-migrations\/templates\n/);
    ws.write(
      "database/migrations/orders/V1__Create_orders.sql",
      "create table orders (id int primary key);\n",
    );
    ws.write(
      "database/migrations/inventory/V1__Create_stock.sql",
      "create table stock (sku text primary key);\n",
    );

    // The helmfile as Helmfile reads it: plain YAML (Helmfile 1.x templates only *.gotmpl),
    // the environment run-helm-layer passes, paths relative to the helmfile's folder.
    const helmfilePath = join(ws.dir, "helmfile/42-db-migrations.yaml");
    const text = readFileSync(helmfilePath, "utf8");
    expect(text).not.toContain("{{");
    const [envDoc, releasesDoc] = text.split(/^---$/m).map((d) => parse(d));
    expect(Object.keys(envDoc.environments)).toEqual(["local"]);
    const [release] = releasesDoc.releases as Array<{
      name: string;
      namespace: string;
      chart: string;
      values: string[];
    }>;
    expect(release!.namespace).toBe("commerce");
    const here = dirname(helmfilePath);
    const rendered = await runChild(
      helmBinary(),
      [
        "template",
        release!.name,
        join(here, release!.chart),
        "--namespace",
        release!.namespace,
        ...release!.values.flatMap((v) => ["--values", join(here, v)]),
      ],
      { cwd: ws.dir },
    );
    expect(rendered.status, rendered.stderr).toBe(0);
    expect(rendered.stdout).toContain('value: "orders inventory"');
    expect(rendered.stdout).toContain("name: db-migrations-sql-orders");
    expect(rendered.stdout).toContain("V1__Create_orders.sql: |-");
    expect(rendered.stdout).toContain("create table stock (sku text primary key);");
    // The chart's code is the installed package's, linked, so upgrading the package upgrades it.
    expect(lstatSync(join(ws.dir, "charts/db-migrations/templates")).isSymbolicLink()).toBe(true);
    expect(ws.read("charts/db-migrations/values-local.yaml")).toContain("- db-migrations-local");

    // A second init keeps every file and link.
    const again = await runCli(["init", "--json"], { cwd: ws.dir, env: cleanEnv() });
    const result = JSON.parse(again.stdout) as { files: Array<{ action: string }> };
    expect(result.files.every((f) => f.action === "exists, kept")).toBe(true);
  });

  it("scaffolds no layer when helm.layers removes 42, and refuses a layer it has no scaffold for", async () => {
    const ws = makeWorkspace({ "dev-bootstrap.yaml": 'helm:\n  layers:\n    "42": null\n' });
    const r = await runCli(["init", "--dry-run"], { cwd: ws.dir, env: cleanEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("42-db-migrations");
    const bad = await runCli(["init", "--layer", "15"], { cwd: ws.dir, env: cleanEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--layer "15": init scaffolds layer 42 only');
  });

  it("helm.layers naming only 42 keeps the default layer 15; null removes it", () => {
    const only42 = makeWorkspace({
      "dev-bootstrap.yaml": 'helm:\n  layers:\n    "42": { helmfile: deploy/42.yaml }\n',
    });
    const layers = resolveConfig({ cwd: only42.dir, env: {} }).config.helm.layers;
    expect(Object.keys(layers).sort()).toEqual(["15", "42"]);
    expect(layers["42"]).toMatchObject({ helmfile: "deploy/42.yaml", environment: "local" });
    expect(layers["15"]?.helmfile).toBe("helmfile/15-secrets.yaml");
    const none15 = makeWorkspace({ "dev-bootstrap.yaml": 'helm:\n  layers:\n    "15": null\n' });
    expect(Object.keys(resolveConfig({ cwd: none15.dir, env: {} }).config.helm.layers)).toEqual([
      "42",
    ]);
  });

  it("--upgrade shows the diff of the copied Feature first, then refreshes it; --dry-run writes nothing", async () => {
    const ws = makeWorkspace();
    const first = await runCli(["init"], { cwd: ws.dir, env: cleanEnv() });
    expect(first.code, first.stderr).toBe(0);
    const copy = ".devcontainer/dev-bootstrap/post-start.sh";
    const shipped = readFileSync(
      join(REPO, "devcontainer-feature/src/dev-bootstrap/post-start.sh"),
      "utf8",
    );
    const old = shipped.replace("set -eu\n", "set -eu\necho an older copy\n");
    ws.write(copy, old);
    ws.write("dev-bootstrap.yaml", "namespace: mine\n");

    const dry = await runCli(["init", "--upgrade", "--dry-run"], { cwd: ws.dir, env: cleanEnv() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`--- ${copy} (copied)\n+++ ${copy} (installed package)\n`);
    expect(dry.stdout).toContain("\n-echo an older copy\n");
    expect(dry.stdout).toMatch(/would update +\.devcontainer\/dev-bootstrap\/post-start\.sh/);
    expect(ws.read(copy)).toBe(old);

    const up = await runCli(["init", "--upgrade"], { cwd: ws.dir, env: cleanEnv() });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout.indexOf("-echo an older copy")).toBeLessThan(up.stdout.indexOf("updated"));
    expect(ws.read(copy)).toBe(shipped);
    expect(statSync(join(ws.dir, copy)).mode & 0o111).not.toBe(0);
    // Only the Feature: the team's own files are untouched.
    expect(ws.read("dev-bootstrap.yaml")).toBe("namespace: mine\n");

    const again = await runCli(["init", "--upgrade"], { cwd: ws.dir, env: cleanEnv() });
    expect(again.stdout).toContain("The copied Feature is up to date.");
  });

  it("post-start warns while the copied Feature is older than the installed package's, and runs on", async () => {
    const ws = makeWorkspace({ "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 1\n" });
    const shipped = JSON.parse(
      readFileSync(
        join(REPO, "devcontainer-feature/src/dev-bootstrap/devcontainer-feature.json"),
        "utf8",
      ),
    ) as { version: string };
    ws.write(
      ".devcontainer/dev-bootstrap/devcontainer-feature.json",
      JSON.stringify({ id: "dev-bootstrap", version: "0.0.1" }),
    );
    const r = await runCli(["post-start", "--no-tilt"], {
      cwd: ws.dir,
      // Nothing listens on port 9: the run fails at Vault after the warning.
      env: cleanEnv({ VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "t" }),
    });
    expect(r.stdout).toContain(
      `the copied Feature in .devcontainer/dev-bootstrap/ is version 0.0.1, older than the installed package's ${shipped.version}`,
    );
    expect(r.stdout).toContain("dev-bootstrap init --upgrade");
    // The warning is no failure: the run goes on to its steps (here, to a missing fixtures folder).
    expect(r.stdout).toMatch(/\[vault:fixtures\] ✖/);

    // A copy as new as the package's: no warning.
    ws.write(
      ".devcontainer/dev-bootstrap/devcontainer-feature.json",
      JSON.stringify({ id: "dev-bootstrap", version: shipped.version }),
    );
    const fresh = await runCli(["post-start", "--no-tilt"], {
      cwd: ws.dir,
      env: cleanEnv({ VAULT_ADDR: "http://127.0.0.1:9", VAULT_TOKEN: "t" }),
    });
    expect(fresh.stdout).not.toContain("copied Feature");
  });
});
