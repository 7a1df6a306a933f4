import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { referenceJson } from "../helpers/reference.js";
import { runChild } from "../helpers/run-child.js";

const buildifier = join(REPO, "node_modules/.bin/buildifier");

describe("Tiltfiles", () => {
  it("are valid, formatted, lint-clean Starlark (buildifier)", async () => {
    const files = [
      "Tiltfile",
      "tilt/dev_bootstrap/Tiltfile",
      "tilt/dev_bootstrap/test/Tiltfile",
      "examples/platform/Tiltfile",
    ];
    const r = await runChild(
      buildifier,
      ["--mode=check", "--lint=warn", "--type=default", ...files],
      {
        cwd: REPO,
      },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
  // The resource graph they register is asserted in tilt-extension.test.ts.
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

  it("runs post-start through the Feature from its local path, and builds on create", () => {
    // The Feature's own postStartCommand runs post-start; a second one here would run it twice.
    expect(config.postStartCommand).toBeUndefined();
    expect(config.features["./dev-bootstrap"]).toEqual({ version: "none" });
    expect(config.postCreateCommand).toContain("npm run build");
    accessSync(join(REPO, ".devcontainer/dev-bootstrap/install.sh"), constants.X_OK);
  });
});
