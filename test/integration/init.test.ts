import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import { loadFixtures, readFixtureSources } from "../../src/flows/fixtures.js";
import { cleanEnv, REPO, runCli } from "../helpers/cli.js";
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
});
