import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { packTarball } from "../helpers/pack.js";
import { referenceJson } from "../helpers/reference.js";

const FEATURE = join(REPO, "devcontainer-feature/src/dev-bootstrap");
const metadata = JSON.parse(readFileSync(join(FEATURE, "devcontainer-feature.json"), "utf8"));
const bins = Object.keys(
  (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { bin: Record<string, string> })
    .bin,
);

function install(prefix: string, env: Record<string, string>) {
  return spawnSync("bash", [join(FEATURE, "install.sh")], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DEV_BOOTSTRAP_PREFIX: prefix, ...env },
    encoding: "utf8",
  });
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

  it("has the version and postStart options, and post-start as its postStartCommand", () => {
    expect(metadata.id).toBe("dev-bootstrap");
    expect(metadata.options.version).toMatchObject({ type: "string", default: "none" });
    expect(metadata.options.postStart).toMatchObject({ type: "boolean", default: true });
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
      for (const f of ["devcontainer-feature.json", "install.sh", "post-start.sh"]) {
        const copy = join(root, ".devcontainer/dev-bootstrap", f);
        expect(readFileSync(copy, "utf8"), copy).toBe(readFileSync(join(FEATURE, f), "utf8"));
        expect(statSync(copy).mode, copy).toBe(statSync(join(FEATURE, f)).mode);
      }
    }
  });

  it("install.sh installs the package from a local tarball into a prefix, and a second run changes nothing", () => {
    const tarball = packTarball();
    const prefix = mkdtempSync(join(tmpdir(), "dbfeature-"));
    const first = install(prefix, { TARBALL: tarball, POSTSTART: "true" });
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
    const second = install(prefix, { TARBALL: tarball, POSTSTART: "true" });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain("dev-bootstrap already installed (tarball ");
    expect(snapshot(prefix).filter((l) => !l.includes("/share/dev-bootstrap/"))).toEqual(
      before.filter((l) => !l.includes("/share/dev-bootstrap/")),
    );

    // The hook runs the installed post-start in the workspace (here: its --help).
    const hook = join(prefix, "share/dev-bootstrap/post-start.sh");
    const workspace = mkdtempSync(join(tmpdir(), "dbws-"));
    const run = spawnSync("sh", [hook, "--help"], {
      cwd: workspace,
      env: { PATH: "/usr/bin:/bin" },
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("Usage: dev-bootstrap post-start");

    // postStart=false: the hook does nothing, and says so.
    expect(install(prefix, { TARBALL: tarball, POSTSTART: "false" }).status).toBe(0);
    const off = spawnSync("sh", [hook], { cwd: workspace, encoding: "utf8" });
    expect(off.status).toBe(0);
    expect(off.stdout).toContain("post-start not run (the Feature's postStart option is false)");
  }, 180_000);

  it("install.sh refuses a package named dev-bootstrap that is not this project (the registry name is another's)", () => {
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
    const pack = spawnSync("npm", ["pack", "--silent", "--pack-destination", other], {
      cwd: other,
      encoding: "utf8",
    });
    expect(pack.status).toBe(0);
    const r = install(prefix, { TARBALL: join(other, pack.stdout.trim()) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("it is not this dev-bootstrap");
    expect(r.stderr).toContain("hint: use the tarball option");
  });

  it("install.sh refuses a tarball that does not exist, with a hint", () => {
    const prefix = mkdtempSync(join(tmpdir(), "dbfeature-"));
    const r = install(prefix, { TARBALL: "/nonexistent/dev-bootstrap.tgz" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("error: tarball /nonexistent/dev-bootstrap.tgz not found");
    expect(r.stderr).toContain("hint: make one with 'npm pack'");
  });
});
