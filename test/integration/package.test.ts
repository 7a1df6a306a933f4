import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { REPO } from "../helpers/cli.js";
import { packTarball } from "../helpers/pack.js";
import { runChild } from "../helpers/run-child.js";

const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  name: string;
  private?: boolean;
  license?: string;
  repository?: { type: string; url: string };
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bin: Record<string, string>;
};

/** Commands that run only through the umbrella: their names are too generic for node_modules/.bin. */
const UMBRELLA_ONLY = new Set(["sandbox", "init", "why", "wait"]);
/**
 * Commands whose bin carries the package's prefix: on PATH (a global install puts
 * them in /usr/local/bin) these names would be anyone's. The others name what they
 * act on (Vault fixtures, the migrations secret, Flyway, a Helm layer) and are the
 * names Tiltfiles and hooks call.
 */
const PREFIXED = new Set(["summary", "smoke", "post-start", "lint-docs", "run-migrations"]);

/**
 * Packages the bundle still asks for at run time, none of them installed: each sits in
 * a try/catch or behind an option, and the code runs without it.
 */
const OPTIONAL_AT_RUN_TIME = new Set([
  "pg-native", // pg's native binding: only for `new pg.native.Client`
  "bufferutil", // ws's optional add-ons, required inside try/catch
  "utf-8-validate",
  "supports-color", // debug's colour probe, inside try/catch
  "encoding", // node-fetch's charset conversion, inside try/catch
]);

async function packedFiles(): Promise<string[]> {
  const r = await runChild("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO,
  });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map(
    (f) => f.path,
  );
}

/** The bare module names dist/ imports or requires that Node does not provide itself. */
function nonBuiltinImports(): Map<string, string[]> {
  const builtins = new Set(builtinModules);
  const found = new Map<string, string[]>();
  const dist = join(REPO, "dist");
  for (const file of readdirSync(dist, { recursive: true }).map(String)) {
    if (!file.endsWith(".js")) continue;
    const text = readFileSync(join(dist, file), "utf8");
    const specifiers = [
      ...text.matchAll(/\b(?:import|export)\s*(?:[\w$*{][^;"]*?\bfrom\s*)?"([^"]+)"/g),
      ...text.matchAll(/\bimport\s*\(\s*"([^"]+)"\s*\)/g),
      ...text.matchAll(/\brequire\s*\(\s*"([^"]+)"\s*\)/g),
    ].map((m) => m[1]!);
    for (const s of specifiers) {
      if (s.startsWith(".") || s.startsWith("node:") || builtins.has(s)) continue;
      // The patterns also meet string literals that merely contain `import`: only a
      // package name (or a path inside one) is a specifier.
      if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]+)?$/.test(s)) continue;
      found.set(s, [...(found.get(s) ?? []), file]);
    }
  }
  return found;
}

/** A command to its end (runChild: an `npm ci` or a pack can take a minute on a busy machine). */
function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return runChild(file, args, { cwd, env, timeout: 240_000 });
}

describe("the npm package a consumer installs", () => {
  it("has a scoped name of its own, a license and its repository", () => {
    // The unscoped registry name dev-bootstrap is another project's (with its own dev-bootstrap bin).
    expect(pkg.name).toBe("@ameide/dev-bootstrap");
    expect(pkg.private).toBeUndefined();
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(join(REPO, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
    expect(pkg.repository).toMatchObject({
      type: "git",
      url: expect.stringMatching(/^git\+https:/),
    });
  });

  it("has no runtime dependencies: everything the bins run is in dist/", () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.optionalDependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
    const left = nonBuiltinImports();
    expect(
      [...left.keys()].filter((s) => !OPTIONAL_AT_RUN_TIME.has(s)),
      JSON.stringify(Object.fromEntries(left)),
    ).toEqual([]);
  });

  it("has a bin per command, the generic names prefixed, each at dist/bin/<command>.js", () => {
    expect(pkg.bin["dev-bootstrap"]).toBe("dist/bin/dev-bootstrap.js");
    const expected: Record<string, string> = { "dev-bootstrap": "dist/bin/dev-bootstrap.js" };
    for (const { name } of COMMANDS) {
      if (UMBRELLA_ONLY.has(name)) continue;
      expected[PREFIXED.has(name) ? `dev-bootstrap-${name}` : name] = `dist/bin/${name}.js`;
    }
    expect(pkg.bin).toEqual(expected);
    for (const [name, file] of Object.entries(pkg.bin)) {
      expect(
        existsSync(join(REPO, "src/bin", file.replace(/^dist\/bin\/(.*)\.js$/, "$1.ts"))),
        name,
      ).toBe(true);
      expect(readFileSync(join(REPO, file), "utf8").startsWith("#!/usr/bin/env node\n"), file).toBe(
        true,
      );
    }
  });

  it("ships the built code, the Tilt extension, the Feature, the chart and the license, and nothing else", async () => {
    const files = await packedFiles();
    for (const file of Object.values(pkg.bin)) expect(files).toContain(file);
    for (const file of [
      "tilt/dev_bootstrap/Tiltfile",
      "devcontainer-feature/src/dev-bootstrap/devcontainer-feature.json",
      "devcontainer-feature/src/dev-bootstrap/install.sh",
      "charts/db-migrations/Chart.yaml",
      "charts/db-migrations/templates/job.yaml",
      "docs/adoption.md",
      "package.json",
      "README.md",
      "LICENSE",
    ]) {
      expect(files).toContain(file);
    }
    const unexpected = files.filter(
      (f) =>
        !/^(dist\/|tilt\/dev_bootstrap\/|devcontainer-feature\/src\/|charts\/db-migrations\/|docs\/adoption\.md$|package\.json$|README\.md$|LICENSE$)/.test(
          f,
        ),
    );
    expect(unexpected).toEqual([]);
    // This repository's own fixtures, migrations and tests are not a consumer's.
    expect(files.filter((f) => /^(src|test|vault|db|examples)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith("charts/db-migrations/sql"))).toEqual([]);
  });

  it("installs from the tarball offline, with an empty npm cache, as one package that runs every command", async () => {
    const tarball = await packTarball();
    const consumer = mkdtempSync(join(tmpdir(), "dboffline-"));
    const cache = mkdtempSync(join(tmpdir(), "dboffline-cache-"));
    const install = await run(
      "npm",
      ["install", "--offline", "--cache", cache, "--no-audit", "--no-fund", tarball],
      consumer,
    );
    expect(install.status, install.stdout + install.stderr).toBe(0);
    expect(install.stdout).toContain("added 1 package");

    // Only the package itself; on PATH only its own bins.
    expect(readdirSync(join(consumer, "node_modules")).filter((d) => !d.startsWith("."))).toEqual([
      "@ameide",
    ]);
    expect(readdirSync(join(consumer, "node_modules/.bin")).sort()).toEqual(
      Object.keys(pkg.bin).sort(),
    );

    const version = await run(
      join(consumer, "node_modules/.bin/dev-bootstrap"),
      ["--version"],
      consumer,
    );
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^(dev-bootstrap )?0\.1\.0$/);

    // Every bundle loads from the installed copy: pg, @kubernetes/client-node, smol-toml,
    // execa, chokidar, yaml and zod are in dist/, not in a node_modules it lacks.
    const installed = join(consumer, "node_modules/@ameide/dev-bootstrap");
    const load = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { readdirSync } from "node:fs";
         const root = ${JSON.stringify(join(installed, "dist"))};
         let n = 0;
         for (const dir of ["vendor", "run", "bin"])
           for (const f of readdirSync(root + "/" + dir))
             // The umbrella runs on import (it is only ever a main module); the rest wait for isMain.
             if (f.endsWith(".js") && f !== "dev-bootstrap.js") { await import(root + "/" + dir + "/" + f); n++; }
         console.log("loaded " + n);`,
      ],
      consumer,
    );
    expect(load.status, load.stderr).toBe(0);
    expect(load.stdout).toMatch(/^loaded \d+/);

    // A command that reaches the bundled Kubernetes client and smol-toml: its --help.
    for (const bin of Object.keys(pkg.bin)) {
      const help = await run(join(consumer, "node_modules/.bin", bin), ["--help"], consumer);
      expect(help.status, `${bin}: ${help.stderr}`).toBe(0);
    }
  }, 300_000);

  it("packs in a fresh clone: the prepack installs the devDependencies and builds", async () => {
    // A fresh clone holds the tracked files only: no node_modules, no dist/.
    const clone = join(mkdtempSync(join(tmpdir(), "dbclone-")), "dev-bootstrap");
    const tracked = spawnSync("git", ["ls-files", "-z"], { cwd: REPO, encoding: "utf8" });
    expect(tracked.status, tracked.stderr).toBe(0);
    for (const file of tracked.stdout.split("\0").filter(Boolean)) {
      if (!existsSync(join(REPO, file))) continue; // deleted in the work tree
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      cpSync(join(REPO, file), join(clone, file), { verbatimSymlinks: true });
    }
    expect(existsSync(join(clone, "node_modules"))).toBe(false);

    // The registry answers from npm's cache (the one this checkout's own npm ci filled).
    const env = { ...process.env, npm_config_prefer_offline: "true" };
    const pack = await run(
      "npm",
      ["pack", "--json", "--pack-destination", dirname(clone)],
      clone,
      env,
    );
    expect(pack.status, pack.stderr).toBe(0);
    const [result] = JSON.parse(pack.stdout) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    expect(result!.filename).toBe("ameide-dev-bootstrap-0.1.0.tgz");
    const files = result!.files.map((f) => f.path);
    for (const file of Object.values(pkg.bin)) expect(files).toContain(file);
  }, 600_000);
});
