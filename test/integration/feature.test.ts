import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { packTarball } from "../helpers/pack.js";
import { referenceJson } from "../helpers/reference.js";
import { runChild } from "../helpers/run-child.js";

const FEATURE = join(REPO, "devcontainer-feature/src/dev-bootstrap");
const FEATURE_TESTS = join(REPO, "devcontainer-feature/test/dev-bootstrap");
const metadata = JSON.parse(readFileSync(join(FEATURE, "devcontainer-feature.json"), "utf8"));
const bins = Object.keys(
  (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { bin: Record<string, string> })
    .bin,
);

/** install.sh into a prefix, with the shells' rc files in <prefix>/etc. */
function install(prefix: string, env: Record<string, string>) {
  mkdirSync(join(prefix, "etc"), { recursive: true });
  return runChild("bash", [join(FEATURE, "install.sh")], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DEV_BOOTSTRAP_PREFIX: prefix,
      DEV_BOOTSTRAP_ETC: join(prefix, "etc"),
      ...env,
    },
  });
}

/** A registry address where nothing listens: any attempt to use the network fails. */
async function deadRegistry(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/`;
}

/** The Feature installed from the packed tarball, once per options. */
const installed = new Map<string, string>();
async function installedFeature(options: Record<string, string> = {}): Promise<string> {
  const key = JSON.stringify(options);
  const done = installed.get(key);
  if (done) return done;
  const prefix = mkdtempSync(join(tmpdir(), "dbfeature-"));
  const r = await install(prefix, { TARBALL: await packTarball(), ...options });
  if (r.status !== 0) throw new Error(`install.sh failed:\n${r.stdout}${r.stderr}`);
  installed.set(key, prefix);
  return prefix;
}

/** The hook as the Dev Container CLI runs it: in the workspace, as the remote user. */
function hook(prefix: string, workspace: string, state: string, args: string[] = []) {
  return runChild("sh", [join(prefix, "share/dev-bootstrap/post-start.sh"), ...args], {
    cwd: workspace,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_STATE_HOME: state, NO_COLOR: "1" },
    timeout: 120_000,
  });
}

/** What a new interactive bash prints on stderr, reading the rc file install.sh edited. */
async function newShell(prefix: string, state: string): Promise<string[]> {
  // --norc, then the rc file: bash would read the machine's own /etc/bash.bashrc too.
  const rc = join(prefix, "etc/bash.bashrc");
  const r = await runChild("bash", ["--norc", "-i", "-c", `. '${rc}'`], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_STATE_HOME: state },
  });
  expect(r.status, r.stderr).toBe(0);
  return (r.stdout + r.stderr).split("\n").filter((l) => l.startsWith("dev-bootstrap"));
}

/** A workspace whose own install has a stand-in post-start running `script`. */
function workspaceWith(script: string): string {
  const ws = mkdtempSync(join(tmpdir(), "dbws-"));
  mkdirSync(join(ws, "node_modules/.bin"), { recursive: true });
  const bin = join(ws, "node_modules/.bin/dev-bootstrap-post-start");
  writeFileSync(bin, `#!/bin/sh\n${script}\n`);
  chmodSync(bin, 0o755);
  return ws;
}

function statusOf(state: string): Record<string, string> {
  const text = readFileSync(join(state, "dev-bootstrap/post-start.status"), "utf8");
  return Object.fromEntries(
    text
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** Every file under dir with its size and mtime: what a rerun must leave alone. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = join(e.parentPath, e.name);
      const s = statSync(file);
      return `${file} ${s.size} ${s.mtimeMs}`;
    })
    .sort();
}

describe("the Dev Container Feature", () => {
  it("validates against the Feature schema (test/reference, from devcontainers/spec)", () => {
    const schema = referenceJson("devcontainer/devContainerFeature.schema.json");
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    expect(validate(metadata), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...metadata, postStartCommand: 42 })).toBe(false);
    expect(validate({ ...metadata, options: { postStart: { type: "boolean" } } })).toBe(false);
  });

  it("has the version, postStart and failOnError options, and post-start as its postStartCommand", () => {
    expect(metadata.id).toBe("dev-bootstrap");
    expect(metadata.options.version).toMatchObject({ type: "string", default: "none" });
    expect(metadata.options.postStart).toMatchObject({ type: "boolean", default: true });
    // A failed start blocks nothing unless asked to.
    expect(metadata.options.failOnError).toMatchObject({ type: "boolean", default: false });
    // install.sh puts the hook there (its default prefix is /usr/local).
    expect(metadata.postStartCommand).toBe("/usr/local/share/dev-bootstrap/post-start.sh");
    expect(readFileSync(join(FEATURE, "install.sh"), "utf8")).toContain(
      'PREFIX="${DEV_BOOTSTRAP_PREFIX:-/usr/local}"',
    );
  });

  it("is used from its local path by this repository's and the example's devcontainer (local Features live under .devcontainer/)", () => {
    // The base Dev Container schema (draft 2019-09), vendored from devcontainers/spec.
    const validate = new Ajv2019({
      strict: false,
      allErrors: true,
      validateFormats: false,
    }).compile(referenceJson("devcontainer/devContainer.base.schema.json"));
    for (const root of [REPO, join(REPO, "examples/platform")]) {
      const config = JSON.parse(
        readFileSync(join(root, ".devcontainer/devcontainer.json"), "utf8"),
      );
      expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
      expect(config.features["./dev-bootstrap"], root).toBeDefined();
      expect(readdirSync(join(root, ".devcontainer/dev-bootstrap")).sort()).toEqual(
        readdirSync(FEATURE).sort(),
      );
      for (const f of ["devcontainer-feature.json", "install.sh", "post-start.sh"]) {
        const copy = join(root, ".devcontainer/dev-bootstrap", f);
        expect(readFileSync(copy, "utf8"), copy).toBe(readFileSync(join(FEATURE, f), "utf8"));
        expect(statSync(copy).mode, copy).toBe(statSync(join(FEATURE, f)).mode);
      }
    }
  });

  it("install.sh installs the package from a local tarball into a prefix without the network, and a second run changes nothing", async () => {
    const tarball = await packTarball();
    const prefix = mkdtempSync(join(tmpdir(), "dbfeature-"));
    // No registry answers and npm's cache is empty: the tarball alone must do.
    const offline = {
      npm_config_registry: await deadRegistry(),
      npm_config_cache: mkdtempSync(join(tmpdir(), "dbfeature-cache-")),
      npm_config_fetch_retries: "0",
    };
    const first = await install(prefix, { TARBALL: tarball, POSTSTART: "true", ...offline });
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain(`installing ${tarball}`);
    for (const bin of bins) statSync(join(prefix, "bin", bin));
    const help = spawnSync(join(prefix, "bin", "check-db-migrations-secret"), ["--help"], {
      encoding: "utf8",
      cwd: tmpdir(),
    });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: dev-bootstrap check-db-migrations-secret");

    const before = snapshot(prefix);
    const second = await install(prefix, { TARBALL: tarball, POSTSTART: "true", ...offline });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain("dev-bootstrap already installed (tarball ");
    expect(snapshot(prefix).filter((l) => !l.includes("/share/dev-bootstrap/"))).toEqual(
      before.filter((l) => !l.includes("/share/dev-bootstrap/")),
    );
    // The banner is sourced once, however often install.sh runs.
    expect(
      readFileSync(join(prefix, "etc/bash.bashrc"), "utf8").match(
        /dev-bootstrap: post-start banner/g,
      ),
    ).toHaveLength(1);

    // The hook runs the installed post-start in the workspace (here: its --help).
    const hookFile = join(prefix, "share/dev-bootstrap/post-start.sh");
    const workspace = mkdtempSync(join(tmpdir(), "dbws-"));
    const run = await runChild("sh", [hookFile, "--help"], {
      cwd: workspace,
      env: { PATH: "/usr/bin:/bin", XDG_STATE_HOME: mkdtempSync(join(tmpdir(), "dbstate-")) },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("Usage: dev-bootstrap post-start");

    // postStart=false: the hook does nothing, and says so.
    expect(
      (await install(prefix, { TARBALL: tarball, POSTSTART: "false", ...offline })).status,
    ).toBe(0);
    const off = await runChild("sh", [hookFile], {
      cwd: workspace,
      env: { PATH: "/usr/bin:/bin", XDG_STATE_HOME: mkdtempSync(join(tmpdir(), "dbstate-")) },
    });
    expect(off.status).toBe(0);
    expect(off.stdout).toContain("post-start not run (the Feature's postStart option is false)");
  }, 180_000);

  it("install.sh refuses a package named dev-bootstrap that is not this project (the registry name is another's)", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "dbfeature-"));
    // A package of that name with none of our commands, packed as the registry would serve it.
    const other = mkdtempSync(join(tmpdir(), "dbfeature-other-"));
    mkdirSync(join(other, "bin"));
    writeFileSync(
      join(other, "package.json"),
      JSON.stringify({
        name: "dev-bootstrap",
        version: "0.2.2",
        bin: { "dev-bootstrap": "bin/x.js" },
      }),
    );
    writeFileSync(join(other, "bin", "x.js"), "#!/usr/bin/env node\n");
    const pack = await runChild("npm", ["pack", "--silent", "--pack-destination", other], {
      cwd: other,
    });
    expect(pack.status).toBe(0);
    const r = await install(prefix, { TARBALL: join(other, pack.stdout.trim()) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("it is not this dev-bootstrap");
    expect(r.stderr).toContain("hint: use the tarball option");
  });

  it("install.sh refuses a tarball that does not exist, with a hint", async () => {
    const prefix = mkdtempSync(join(tmpdir(), "dbfeature-"));
    const r = await install(prefix, { TARBALL: "/nonexistent/dev-bootstrap.tgz" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: tarball /nonexistent/dev-bootstrap.tgz not found");
    expect(r.stderr).toContain("hint: make one with 'npm pack'");
  });
});

describe("a failed start is loud but never blocks the container", () => {
  it("the hook exits 0 when post-start fails, records the step, and every new shell prints one line until a green start", async () => {
    const prefix = await installedFeature();
    const state = mkdtempSync(join(tmpdir(), "dbstate-"));
    // A workspace without fixtures: the real post-start fails at its first step.
    const broken = mkdtempSync(join(tmpdir(), "dbws-"));
    const r = await hook(prefix, broken, state, ["--no-tilt"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("vault:fixtures");
    expect(r.stderr).toContain(
      "dev-bootstrap: post-start failed (exit 2); container start-up goes on (the Feature's failOnError option is false)",
    );
    expect(statusOf(state)).toMatchObject({
      result: "failed",
      exit: "2",
      step: "vault:fixtures",
      workspace: broken,
      explain: "dev-bootstrap why",
    });
    const line = `dev-bootstrap: the last post-start failed at vault:fixtures; run 'dev-bootstrap why' in ${broken} to see why`;
    expect(await newShell(prefix, state)).toEqual([line]);
    expect(await newShell(prefix, state)).toEqual([line]);

    // A green start (the workspace's own install succeeds) clears it.
    const green = await hook(prefix, workspaceWith('echo "post-start: ok"'), state);
    expect(green.status, green.stderr).toBe(0);
    expect(green.stderr).toBe("");
    expect(statusOf(state)).toMatchObject({ result: "ok", exit: "0" });
    expect(statusOf(state).message).toBeUndefined();
    expect(await newShell(prefix, state)).toEqual([]);
  }, 180_000);

  it("the workspace's own install names npx in the line; a missing install is a failed start too", async () => {
    const prefix = await installedFeature();
    const state = mkdtempSync(join(tmpdir(), "dbstate-"));
    const ws = workspaceWith("echo 'post-start: vault unreachable' >&2; exit 1");
    const r = await hook(prefix, ws, state);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("post-start: vault unreachable");
    // A stand-in writes no journal: no step is known, the exit code stands in for it.
    expect(await newShell(prefix, state)).toEqual([
      `dev-bootstrap: the last post-start failed (exit 1); run 'npx dev-bootstrap why' in ${ws} to see why`,
    ]);

    // version none and a workspace without the package: the hook cannot find post-start.
    const none = await installedFeature({ TARBALL: "", VERSION: "none" });
    const empty = mkdtempSync(join(tmpdir(), "dbws-"));
    const missing = await runChild("sh", [join(none, "share/dev-bootstrap/post-start.sh")], {
      cwd: empty,
      env: { PATH: "/usr/bin:/bin", XDG_STATE_HOME: state },
    });
    expect(missing.status).toBe(0);
    expect(missing.stderr).toContain("dev-bootstrap: error: dev-bootstrap-post-start not found");
    expect(statusOf(state)).toMatchObject({ result: "failed", exit: "127" });
    expect(await newShell(none, state)).toEqual([
      `dev-bootstrap: the last post-start failed at install (dev-bootstrap-post-start not found); run 'npm ls @ameide/dev-bootstrap' in ${empty} to see why`,
    ]);
  }, 180_000);

  it("failOnError true: the hook exits with post-start's code, and still records the failure", async () => {
    const prefix = await installedFeature({ FAILONERROR: "true" });
    const state = mkdtempSync(join(tmpdir(), "dbstate-"));
    const r = await hook(prefix, workspaceWith("exit 3"), state);
    expect(r.status).toBe(3);
    expect(r.stderr).not.toContain("container start-up goes on");
    expect(statusOf(state)).toMatchObject({ result: "failed", exit: "3" });
    expect(await newShell(prefix, state)).toHaveLength(1);
  }, 180_000);

  it("a signal to the hook reaches post-start, and the interrupted start counts as failed", async () => {
    const prefix = await installedFeature();
    const state = mkdtempSync(join(tmpdir(), "dbstate-"));
    // post-start traps TERM, says so and exits 143; it announces itself, then waits.
    const ws = workspaceWith(
      "trap 'echo post-start: got TERM; exit 143' TERM\necho post-start: running\nwhile :; do sleep 1; done",
    );
    const child = spawn("sh", [join(prefix, "share/dev-bootstrap/post-start.sh")], {
      cwd: ws,
      env: { PATH: process.env.PATH, XDG_STATE_HOME: state },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const exited = new Promise<number | null>((resolve) =>
      child.on("close", (code) => resolve(code)),
    );
    await new Promise<void>((resolve, reject) => {
      child.on("close", (code) =>
        reject(new Error(`hook exited ${code} before post-start ran:\n${out}`)),
      );
      child.stdout.on("data", (d: Buffer) => {
        out += d;
        if (out.includes("post-start: running")) resolve();
      });
      child.stderr.on("data", (d: Buffer) => (out += d));
    });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out).toContain("post-start: got TERM");
    expect(statusOf(state)).toMatchObject({ result: "failed", exit: "143" });
  }, 60_000);

  it("a signal that reaches the hook as post-start starts is passed on, not lost with the hook", async () => {
    const prefix = await installedFeature();
    const state = mkdtempSync(join(tmpdir(), "dbstate-"));
    // post-start signals the hook the moment it runs: the hook's traps must already be there.
    const ws = workspaceWith(
      "trap 'echo post-start: got TERM; exit 143' TERM\nkill -TERM $PPID\nwhile :; do sleep 1; done",
    );
    const child = spawn("sh", [join(prefix, "share/dev-bootstrap/post-start.sh")], {
      cwd: ws,
      env: { PATH: process.env.PATH, XDG_STATE_HOME: state },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    // The pipes close only when post-start has ended too: a hook that died and left it
    // running would never get here.
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(out).toContain("post-start: got TERM");
    expect(statusOf(state)).toMatchObject({ result: "failed", exit: "143" });
  }, 60_000);
});

describe("the Feature's devcontainer features test layout", () => {
  const scenarios = JSON.parse(
    readFileSync(join(FEATURE_TESTS, "scenarios.json"), "utf8"),
  ) as Record<string, { image?: string; features: Record<string, Record<string, unknown>> }>;

  it("has test/<id>/test.sh and a script per scenario, whose options the Feature has", () => {
    expect(existsSync(join(FEATURE_TESTS, "test.sh"))).toBe(true);
    expect(Object.keys(scenarios).length).toBeGreaterThan(0);
    for (const [name, scenario] of Object.entries(scenarios)) {
      expect(statSync(join(FEATURE_TESTS, `${name}.sh`)).mode & 0o111, name).not.toBe(0);
      expect(Object.keys(scenario.features), name).toEqual([metadata.id]);
      for (const [option, value] of Object.entries(scenario.features[metadata.id]!)) {
        expect(metadata.options[option], `${name}: ${option}`).toBeDefined();
        expect(typeof value, `${name}: ${option}`).toBe(metadata.options[option].type);
      }
    }
  });

  /**
   * The scripts run here as `devcontainer features test` runs them in a container,
   * against an install in a prefix, with a stand-in for the library the CLI writes
   * next to them (check LABEL COMMAND..., reportResults).
   */
  function runFeatureTest(script: string, prefix: string) {
    const dir = mkdtempSync(join(tmpdir(), "dbfeature-test-"));
    for (const f of readdirSync(FEATURE_TESTS))
      writeFileSync(join(dir, f), readFileSync(join(FEATURE_TESTS, f)));
    writeFileSync(
      join(dir, "dev-container-features-test-lib"),
      [
        "FAILED=()",
        'check() { local label="$1"; shift; if "$@"; then echo "passed: $label"; else echo "FAILED: $label" >&2; FAILED+=("$label"); fi; }',
        'reportResults() { [ ${#FAILED[@]} -eq 0 ] && echo "Test Passed!" || exit 1; }',
        "",
      ].join("\n"),
    );
    return runChild("bash", [`./${script}`], {
      cwd: dir,
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        HOME: process.env.HOME,
        DEV_BOOTSTRAP_PREFIX: prefix,
        DEV_BOOTSTRAP_ETC: join(prefix, "etc"),
      },
      timeout: 120_000,
    });
  }

  it("test.sh passes against the Feature with its default options", async () => {
    const r = await runFeatureTest(
      "test.sh",
      await installedFeature({ TARBALL: "", VERSION: "none" }),
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("passed: a new interactive shell prints one line");
    expect(r.stdout).toContain("Test Passed!");
  }, 180_000);

  it("the post_start_off scenario passes against its options", async () => {
    const r = await runFeatureTest(
      "post_start_off.sh",
      await installedFeature({ POSTSTART: "false" }),
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("Test Passed!");
  }, 180_000);

  it("packages with the real Dev Container CLI into a Feature artifact and a collection that validate", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "dbfeature-pkg-")), "output");
    const cli = join(REPO, "node_modules/@devcontainers/cli/devcontainer.js");
    const r = await runChild(
      process.execPath,
      [cli, "features", "package", join(REPO, "devcontainer-feature/src"), "-o", out],
      { timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      "devcontainer-collection.json",
      "devcontainer-feature-dev-bootstrap.tgz",
    ]);
    // The artifact (an uncompressed tar, whatever its name says): the Feature's files, modes kept.
    const list = spawnSync("tar", ["-tvf", join(out, "devcontainer-feature-dev-bootstrap.tgz")], {
      encoding: "utf8",
    });
    expect(list.status, list.stderr).toBe(0);
    const entries = list.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => [l.split(/\s+/)[0], l.split(/\s+/).pop()]);
    expect(entries.filter(([, f]) => f !== "./").sort()).toEqual([
      ["-rw-r--r--", "./devcontainer-feature.json"],
      ["-rwxr-xr-x", "./install.sh"],
      ["-rwxr-xr-x", "./post-start.sh"],
    ]);
    const collection = JSON.parse(
      readFileSync(join(out, "devcontainer-collection.json"), "utf8"),
    ) as {
      features: Array<Record<string, unknown>>;
    };
    expect(collection.features).toHaveLength(1);
    const [packaged] = collection.features;
    expect(packaged).toMatchObject({
      id: metadata.id,
      version: metadata.version,
      options: metadata.options,
      postStartCommand: metadata.postStartCommand,
    });
    const validate = new Ajv({ strict: false, allErrors: true }).compile(
      referenceJson("devcontainer/devContainerFeature.schema.json"),
    );
    expect(validate(packaged), JSON.stringify(validate.errors)).toBe(true);
  }, 180_000);
});
