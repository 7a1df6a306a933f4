import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { REPO } from "../helpers/cli.js";
import { runChild } from "../helpers/run-child.js";
import { evalTiltfile, resources, type TiltCall, tiltfileRunner } from "../helpers/starlark.js";
import { makeWorkspace } from "../helpers/workspace.js";

const EXTENSION = join(REPO, "tilt/dev_bootstrap/Tiltfile");
const pkgBins = Object.keys(
  (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { bin: Record<string, string> })
    .bin,
);
const commandNames = new Set(COMMANDS.map((c) => c.name));

/**
 * `tilt ci` / `tilt down` over the Starlark runner: evaluates ./Tiltfile, then runs
 * each auto-started local_resource's cmd (in its dir, with its env) once everything
 * in its resource_deps has succeeded. MINI_TILT_REVERSE runs them in reverse (to
 * prove test.sh notices a wrong order).
 */
const MINI_TILT_CI = `#!/usr/bin/env node
const { spawnSync } = require("node:child_process");
const [sub] = process.argv.slice(2);
if (sub === "down") process.exit(0);
if (sub !== "ci") { console.error("mini tilt: unsupported " + sub); process.exit(2); }
const r = spawnSync(process.env.TILTFILE_RUNNER, ["-subcommand", "ci", "Tiltfile"], { encoding: "utf8" });
if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
const res = JSON.parse(r.stdout).calls.filter((c) => c.fn === "local_resource")
  .map((c) => ({ name: c.args[0] ?? c.kwargs.name, ...c.kwargs }));
const names = new Set(res.map((x) => x.name));
for (const x of res) for (const d of x.resource_deps ?? [])
  if (!names.has(d)) { console.error("resource " + x.name + ": unknown resource_deps " + d); process.exit(1); }
const order = [];
const todo = res.filter((x) => x.auto_init !== false);
while (todo.length) {
  const i = todo.findIndex((x) => (x.resource_deps ?? []).every((d) => order.includes(d)));
  if (i < 0) { console.error("a resource waits for one that never starts"); process.exit(1); }
  order.push(todo.splice(i, 1)[0].name);
}
if (process.env.MINI_TILT_REVERSE) order.reverse();
for (const name of order) {
  const x = res.find((y) => y.name === name);
  if (!x.cmd) continue;
  const argv = typeof x.cmd === "string" ? ["sh", "-c", x.cmd] : x.cmd;
  const run = spawnSync(argv[0], argv.slice(1), { cwd: x.dir ?? process.cwd(), env: { ...process.env, ...(x.env ?? {}) }, stdio: "inherit" });
  if (run.status !== 0) { console.error(name + " failed"); process.exit(1); }
}
`;

/** A consumer workspace whose Tiltfile holds `body`. */
function consumer(body: string): string {
  return makeWorkspace({ Tiltfile: body }).write("Tiltfile", body);
}

async function ok(tiltfile: string, subcommand = "up"): Promise<TiltCall[]> {
  const r = await evalTiltfile(tiltfile, subcommand);
  expect(r.code, r.stderr).toBe(0);
  return r.calls;
}

/** Every argv the extension registered: resources' cmd/serve_cmd and buttons' Cmd args. */
function argvs(calls: TiltCall[]): string[][] {
  const out: string[][] = [];
  for (const c of calls) {
    for (const k of ["cmd", "serve_cmd", "args"]) {
      if (Array.isArray(c.kwargs[k]) && c.fn !== "v1alpha1.ui_button")
        out.push(c.kwargs[k] as string[]);
    }
  }
  return out;
}

const DEFAULT_GRAPH = {
  "infra:15-vault-secrets": { deps: [], labels: ["infra"], cmd: ["ensure-local-secrets"] },
  "infra:db-secrets-bootstrap": {
    deps: ["infra:15-vault-secrets"],
    labels: ["infra"],
    cmd: ["bootstrap-db-migrations-secret"],
  },
  "infra:42-db-migrations": {
    deps: ["infra:db-secrets-bootstrap"],
    labels: ["infra"],
    cmd: ["run-helm-layer", "42"],
  },
  "flyway:status": {
    deps: ["infra:42-db-migrations"],
    labels: ["flyway"],
    cmd: ["flyway-status"],
  },
};

describe("the Tilt extension, evaluated by go.starlark.net with Tilt's builtins stubbed", () => {
  it("dev_bootstrap() registers the layer's resources, the watcher and the buttons, running the installed bins", async () => {
    const calls = await ok(consumer(`load("${EXTENSION}", "dev_bootstrap")\ndev_bootstrap()\n`));
    const res = resources(calls);
    expect([...res.keys()]).toEqual([
      "infra:15-vault-secrets",
      "infra:db-secrets-bootstrap",
      "infra:42-db-migrations",
      "vault:fixture-watcher",
      "flyway:status",
      "dev-bootstrap:ready",
    ]);
    for (const [name, want] of Object.entries(DEFAULT_GRAPH)) {
      const r = res.get(name)!;
      expect(r.resource_deps ?? [], name).toEqual(want.deps);
      expect(r.labels, name).toEqual(want.labels);
      // No node_modules in this workspace: the bins are found on PATH (the Feature's global install).
      expect(r.cmd, name).toEqual(want.cmd);
    }
    expect(res.get("infra:42-db-migrations")).toMatchObject({
      trigger_mode: "TRIGGER_MODE_MANUAL",
      auto_init: true,
    });
    expect(res.get("flyway:status")).toMatchObject({
      trigger_mode: "TRIGGER_MODE_MANUAL",
      auto_init: false,
    });
    expect(res.get("vault:fixture-watcher")).toMatchObject({
      serve_cmd: ["watch-vault-fixtures"],
      resource_deps: ["infra:15-vault-secrets"],
      labels: ["vault"],
    });
    expect(res.get("vault:fixture-watcher")?.cmd).toBeUndefined();

    // Buttons: a UIButton on a resource plus a Cmd started by that button, nothing fetched.
    const buttons = calls.filter((c) => c.fn === "v1alpha1.ui_button");
    expect(
      buttons.map((b) => [
        b.kwargs.name,
        (b.kwargs.location as { component_id: string }).component_id,
      ]),
    ).toEqual([
      ["vault:reseed", "infra:15-vault-secrets"],
      ["eso:refresh", "infra:db-secrets-bootstrap"],
      ["db:check", "infra:db-secrets-bootstrap"],
      ["why:bootstrap", "infra:db-secrets-bootstrap"],
      ["why:42", "infra:42-db-migrations"],
    ]);
    const cmds = calls.filter((c) => c.fn === "v1alpha1.cmd");
    expect(cmds.map((c) => [c.kwargs.name, c.kwargs.args, c.kwargs.start_on])).toEqual([
      [
        "btn-vault:reseed",
        ["ensure-local-secrets"],
        { ui_buttons: ["vault:reseed"], start_after: 0 },
      ],
      [
        "btn-eso:refresh",
        ["ensure-local-secrets", "--refresh"],
        { ui_buttons: ["eso:refresh"], start_after: 0 },
      ],
      [
        "btn-db:check",
        ["check-db-migrations-secret", "--connect"],
        { ui_buttons: ["db:check"], start_after: 0 },
      ],
      [
        "btn-why:bootstrap",
        ["dev-bootstrap", "why"],
        { ui_buttons: ["why:bootstrap"], start_after: 0 },
      ],
      ["btn-why:42", ["dev-bootstrap", "why"], { ui_buttons: ["why:42"], start_after: 0 }],
    ]);
    // The readiness gate apps list in resource_deps: `wait` through the umbrella.
    expect(res.get("dev-bootstrap:ready")).toMatchObject({
      cmd: ["dev-bootstrap", "wait"],
      resource_deps: ["infra:db-secrets-bootstrap"],
      labels: ["infra"],
    });
    // Nothing runs while the Tiltfile loads (no local()), and every command is a bin of the package.
    expect(calls.filter((c) => c.fn === "local")).toEqual([]);
    for (const argv of argvs(calls)) expect(pkgBins, argv.join(" ")).toContain(argv[0]);
    // Every command runs in the consumer's workspace, not the extension's folder.
    const dir = join(res.get("flyway:status")!.dir as string);
    expect(existsSync(join(dir, "Tiltfile"))).toBe(true);
    expect(dir).not.toContain("tilt/dev_bootstrap");
  });

  it("honours every option (test/Tiltfile: prefix, labels, resource_deps, layer_deps, layers, fixtures_dir, watcher, command)", async () => {
    const calls = await ok(join(REPO, "tilt/dev_bootstrap/test/Tiltfile"));
    const res = resources(calls);
    expect([...res.keys()]).toEqual([
      "vault",
      "postgres",
      "billing-infra:15-vault-secrets",
      "billing-infra:db-secrets-bootstrap",
      "billing-infra:42-db-migrations",
      "billing-flyway:status",
      "billing-dev-bootstrap:ready",
    ]);
    const ours = [...res].filter(([name]) => name.startsWith("billing-"));
    for (const [, r] of ours) {
      expect(r.labels).toEqual(["platform"]);
      expect(r.env).toEqual({ DEV_BOOTSTRAP_FIXTURES_DIR: "deploy/fixtures" });
    }
    // Layer 15 selected: its helmfile runs (after the Vault seeding run-helm-layer does first),
    // once the platform's own vault resource is up.
    expect(res.get("billing-infra:15-vault-secrets")).toMatchObject({
      cmd: ["sh", "fake-dev-bootstrap.sh", "run-helm-layer", "15"],
      resource_deps: ["vault"],
    });
    expect(res.get("billing-infra:42-db-migrations")?.resource_deps).toEqual([
      "billing-infra:db-secrets-bootstrap",
      "postgres",
    ]);
    expect(calls.filter((c) => c.fn === "v1alpha1.ui_button").map((c) => c.kwargs.name)).toEqual([
      "billing-vault:reseed",
      "billing-eso:refresh",
      "billing-db:check",
      "billing-why:bootstrap",
      "billing-why:42",
    ]);
    expect(res.get("billing-dev-bootstrap:ready")?.cmd).toEqual([
      "sh",
      "fake-dev-bootstrap.sh",
      "wait",
      "--timeout",
      "600",
    ]);
    for (const c of calls.filter((c) => c.fn === "v1alpha1.cmd"))
      expect(c.kwargs.env).toEqual(["DEV_BOOTSTRAP_FIXTURES_DIR=deploy/fixtures"]);
    // The umbrella runs subcommands: each one exists.
    const ourArgvs = argvs(calls).filter((argv) => argv[1] === "fake-dev-bootstrap.sh");
    expect(ourArgvs.length).toBeGreaterThan(5);
    for (const argv of ourArgvs) expect(commandNames, argv.join(" ")).toContain(argv[2]);
  });

  it("test/test.sh runs `tilt ci` on test/Tiltfile and checks each command ran after what it waits for", async () => {
    // No tilt can be installed here: a `tilt` whose `ci` runs the resources the Starlark
    // runner recorded, in dependency order, as `tilt ci` does (unknown deps and failing
    // commands fail it; manual resources are not started).
    const work = mkdtempSync(join(tmpdir(), "tilt-ext-ci-"));
    cpSync(join(REPO, "tilt/dev_bootstrap"), join(work, "dev_bootstrap"), { recursive: true });
    const bin = join(work, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "tilt"), MINI_TILT_CI);
    chmodSync(join(bin, "tilt"), 0o755);
    const runner = await tiltfileRunner();
    const run = (extraEnv: Record<string, string> = {}) =>
      runChild("sh", [join(work, "dev_bootstrap/test/test.sh")], {
        env: {
          PATH: `${bin}:${process.env.PATH}`,
          TILTFILE_RUNNER: runner,
          ...extraEnv,
        },
      });
    const r = await run();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain("+ tilt ci");
    expect(r.stderr).toContain("+ tilt down");
    expect(r.stdout).toContain("run-helm-layer 42 fixtures=deploy/fixtures");
    // The script really checks the order: a run in the wrong order fails it.
    const reversed = await run({ MINI_TILT_REVERSE: "1" });
    expect(reversed.status).not.toBe(0);
  });

  it("without layer 42, flyway:status and resource_deps hang on the secret bootstrap", async () => {
    const res = resources(
      await ok(
        consumer(
          `load("${EXTENSION}", "dev_bootstrap")\ndev_bootstrap(layers = [], resource_deps = ["db"])\n`,
        ),
      ),
    );
    expect(res.has("infra:42-db-migrations")).toBe(false);
    expect(res.get("infra:db-secrets-bootstrap")?.resource_deps).toEqual([
      "infra:15-vault-secrets",
      "db",
    ]);
    expect(res.get("flyway:status")?.resource_deps).toEqual(["infra:db-secrets-bootstrap"]);
  });

  it("takes deps per layer and any layer of helm.layers: Vault seeding can wait for a Vault Tilt deploys", async () => {
    const res = resources(
      await ok(
        consumer(`load("${EXTENSION}", "dev_bootstrap")
dev_bootstrap(
    layers = ["15", "30", "42"],
    resource_deps = ["postgres"],
    layer_deps = {"15": ["vault", "external-secrets"], "30": ["redis"], "42": ["schema-registry"]},
)
`),
      ),
    );
    expect([...res.keys()]).toEqual([
      "infra:15-vault-secrets",
      "infra:db-secrets-bootstrap",
      "infra:42-db-migrations",
      "infra:30-helmfile",
      "vault:fixture-watcher",
      "flyway:status",
      "dev-bootstrap:ready",
    ]);
    expect(res.get("infra:15-vault-secrets")).toMatchObject({
      cmd: ["run-helm-layer", "15"],
      resource_deps: ["vault", "external-secrets"],
    });
    expect(res.get("infra:db-secrets-bootstrap")?.resource_deps).toEqual([
      "infra:15-vault-secrets",
    ]);
    expect(res.get("infra:42-db-migrations")?.resource_deps).toEqual([
      "infra:db-secrets-bootstrap",
      "postgres",
      "schema-registry",
    ]);
    expect(res.get("infra:30-helmfile")).toMatchObject({
      cmd: ["run-helm-layer", "30"],
      resource_deps: ["infra:db-secrets-bootstrap", "redis"],
      trigger_mode: "TRIGGER_MODE_MANUAL",
      auto_init: true,
      labels: ["infra"],
    });
    // Without layer 15 the Vault seeding resource still exists, and still waits for Vault.
    const seedOnly = resources(
      await ok(
        consumer(
          `load("${EXTENSION}", "dev_bootstrap")\ndev_bootstrap(layer_deps = {"15": ["vault"]})\n`,
        ),
      ),
    );
    expect(seedOnly.get("infra:15-vault-secrets")).toMatchObject({
      cmd: ["ensure-local-secrets"],
      resource_deps: ["vault"],
    });
  });

  it("labels: switched off with [], or the defaults renamed or dropped with a dict", async () => {
    const off = resources(
      await ok(consumer(`load("${EXTENSION}", "dev_bootstrap")\ndev_bootstrap(labels = [])\n`)),
    );
    for (const [name, r] of off) expect(r.labels, name).toEqual([]);
    const renamed = resources(
      await ok(
        consumer(
          `load("${EXTENSION}", "dev_bootstrap")\ndev_bootstrap(labels = {"infra": "dev-bootstrap", "vault": "dev-bootstrap", "flyway": None})\n`,
        ),
      ),
    );
    expect(Object.fromEntries([...renamed].map(([n, r]) => [n, r.labels]))).toEqual({
      "infra:15-vault-secrets": ["dev-bootstrap"],
      "infra:db-secrets-bootstrap": ["dev-bootstrap"],
      "infra:42-db-migrations": ["dev-bootstrap"],
      "vault:fixture-watcher": ["dev-bootstrap"],
      "flyway:status": [],
      "dev-bootstrap:ready": ["dev-bootstrap"],
    });
  });

  it("declares the Tilt version it needs: Tilt older than 0.22.10 stops with Tilt's own message", async () => {
    const tiltfile = consumer(`load("${EXTENSION}", "dev_bootstrap")\ndev_bootstrap()\n`);
    const calls = await ok(tiltfile);
    expect(calls.filter((c) => c.fn === "version_settings").map((c) => c.kwargs)).toEqual([
      { constraint: ">=0.22.10" },
    ]);
    expect((await evalTiltfile(tiltfile, "up", "0.22.10")).code).toBe(0);
    expect((await evalTiltfile(tiltfile, "up", "0.33.21")).code).toBe(0);
    const old = await evalTiltfile(tiltfile, "up", "0.22.9");
    expect(old.code).toBe(1);
    expect(old.stderr).toContain(
      "you are running Tilt version 0.22.9, which doesn't match the version constraint specified in your Tiltfile: '>=0.22.10'",
    );
  });

  it("loads through v1alpha1.extension_repo with a file:// URL, with no download", async () => {
    const calls = await ok(
      consumer(`v1alpha1.extension_repo(name = "dev-bootstrap", url = "file://${REPO}")
v1alpha1.extension(name = "dev_bootstrap", repo_name = "dev-bootstrap", repo_path = "tilt/dev_bootstrap")
load("ext://dev_bootstrap", "dev_bootstrap")
dev_bootstrap(watcher = False)
`),
    );
    expect([...resources(calls).keys()]).toContain("infra:42-db-migrations");
    expect([...resources(calls).keys()]).not.toContain("vault:fixture-watcher");
  });

  it("creates no buttons on tilt down", async () => {
    const calls = await ok(
      consumer(`load("${EXTENSION}", "dev_bootstrap")\ndev_bootstrap()\n`),
      "down",
    );
    expect(calls.filter((c) => c.fn.startsWith("v1alpha1."))).toEqual([]);
  });

  const errors: Array<[string, string]> = [
    [
      `layers = ["db"]`,
      "dev_bootstrap: layer 'db' is not a layer number; name the layers of helm.layers",
    ],
    [`layers = ["42", "42"]`, "dev_bootstrap: layer '42' is named twice in layers"],
    [
      `layer_deps = {"30": ["redis"]}`,
      "dev_bootstrap: layer_deps names layer '30', which is not in layers (42)",
    ],
    [`layer_deps = ["vault"]`, "dev_bootstrap: layer_deps must be a dict from a layer"],
    [
      `layer_deps = {"15": "vault"}`,
      `dev_bootstrap: layer_deps["15"] must be a list of strings, got string`,
    ],
    [
      `labels = {"platform": "x"}`,
      "dev_bootstrap: labels: 'platform' is not a default label; the defaults are: infra, vault, flyway",
    ],
    [`labels = {"infra": 3}`, "dev_bootstrap: labels: 'infra' must map to a string, or to None"],
    [`layer = ["42"]`, "dev_bootstrap: unknown option 'layer'; options are: prefix, labels,"],
    [
      `labels = "infra"`,
      "dev_bootstrap: labels must be a list of strings, or a dict renaming the default labels, got string",
    ],
    [
      `resource_deps = ["db", 3]`,
      "dev_bootstrap: resource_deps must be a list of strings, got an item of type int",
    ],
    [`watcher = "no"`, "dev_bootstrap: watcher must be True or False"],
    [`command = []`, "dev_bootstrap: command must not be empty; omit it to use the installed bins"],
    [`fixtures_dir = ""`, "dev_bootstrap: fixtures_dir must be a non-empty string"],
  ];
  for (const [args, message] of errors) {
    it(`fails clearly on ${args}`, async () => {
      const r = await evalTiltfile(
        consumer(`load("${EXTENSION}", "dev_bootstrap")\ndev_bootstrap(${args})\n`),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(message);
    });
  }

  it("this repository's own Tiltfile is a consumer of the extension", async () => {
    const calls = await ok(join(REPO, "Tiltfile"));
    expect([...resources(calls).keys()]).toEqual([
      "infra:15-vault-secrets",
      "infra:db-secrets-bootstrap",
      "infra:42-db-migrations",
      "vault:fixture-watcher",
      "flyway:status",
      "dev-bootstrap:ready",
    ]);
    for (const argv of argvs(calls)) {
      expect(argv.slice(0, 2)).toEqual(["bash", "scripts/dev-bootstrap"]);
      expect(commandNames).toContain(argv[2]);
      expect(existsSync(join(REPO, "dist/bin", `${argv[2]}.js`))).toBe(true);
    }
  });
});
