import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { REPO } from "../helpers/cli.js";
import { referenceJson } from "../helpers/reference.js";

const names = new Set(COMMANDS.map((c) => c.name));
const buildifier = join(REPO, "node_modules/.bin/buildifier");

describe("Tiltfile", () => {
  const tiltfile = readFileSync(join(REPO, "Tiltfile"), "utf8");

  it("is valid, formatted, lint-clean Starlark (buildifier)", () => {
    const r = spawnSync(buildifier, ["--mode=check", "--lint=warn", "--type=default", "Tiltfile"], {
      cwd: REPO,
      encoding: "utf8",
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("has the design note's resources, in dependency order", () => {
    for (const name of [
      "infra:15-vault-secrets",
      "infra:db-secrets-bootstrap",
      "infra:42-db-migrations",
      "vault:fixture-watcher",
      "flyway:status",
    ]) {
      expect(tiltfile).toContain(`"${name}"`);
    }
    expect(tiltfile).toMatch(
      /"infra:db-secrets-bootstrap",[\s\S]*?resource_deps = \["infra:15-vault-secrets"\]/,
    );
    expect(tiltfile).toMatch(
      /"infra:42-db-migrations",[\s\S]*?resource_deps = \["infra:db-secrets-bootstrap"\]/,
    );
    expect(tiltfile).toMatch(/serve_cmd = DB \+ " watch-vault-fixtures"/);
  });

  it("references only commands that exist in dist/", () => {
    const referenced = [
      ...[...tiltfile.matchAll(/DB \+ " ([a-z0-9-]+)/g)].map((m) => m[1]!),
      ...[...tiltfile.matchAll(/"scripts\/dev-bootstrap", "([a-z0-9-]+)"/g)].map((m) => m[1]!),
    ];
    expect(referenced.length).toBeGreaterThanOrEqual(7);
    for (const cmd of referenced) {
      expect(names.has(cmd), cmd).toBe(true);
      accessSync(join(REPO, "dist/bin", `${cmd}.js`));
    }
  });
});

describe("scripts/ shims at the paths the migration plan names", () => {
  const shims: Array<[string, string]> = [
    ["scripts/vault/ensure-local-secrets", "ensure-local-secrets"],
    ["scripts/infra/bootstrap-db-migrations-secret.sh", "bootstrap-db-migrations-secret"],
    ["scripts/run-flyway-cli.sh", "run-flyway-cli"],
    ["scripts/run-migrations.sh", "run-migrations"],
    ["scripts/run-helm-layer.sh", "run-helm-layer"],
    ["scripts/post-start.sh", "post-start"],
  ];
  for (const [path, cmd] of shims) {
    it(`${path} runs ${cmd}`, () => {
      accessSync(join(REPO, path), constants.X_OK);
      const r = spawnSync(join(REPO, path), ["--help"], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Usage: dev-bootstrap ${cmd}`);
    });
  }
});

describe(".devcontainer/devcontainer.json", () => {
  const config = JSON.parse(readFileSync(join(REPO, ".devcontainer/devcontainer.json"), "utf8"));

  it("validates against the Dev Container schema", () => {
    // The base schema, vendored under test/reference (draft 2019-09); the full schema only
    // adds remote references to the Codespaces and VS Code parts.
    const schema = referenceJson("devcontainer/devContainer.base.schema.json");
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...config, postStartCommand: 42 })).toBe(false);
  });

  it("runs post-start, which exists", () => {
    expect(config.postStartCommand).toBe("bash scripts/post-start.sh");
    accessSync(join(REPO, "scripts/post-start.sh"), constants.X_OK);
  });
});
