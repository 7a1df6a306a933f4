import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { REPO } from "../helpers/cli.js";

const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  private?: boolean;
  bin: Record<string, string>;
};

/** Commands that run only through the umbrella: their names are too generic for node_modules/.bin. */
const UMBRELLA_ONLY = new Set(["sandbox", "init", "why", "wait"]);

function packedFiles(): string[] {
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO,
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map(
    (f) => f.path,
  );
}

describe("the npm package a consumer installs", () => {
  it("is publishable and has a bin per command, each at dist/bin/<command>.js", () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin["dev-bootstrap"]).toBe("dist/bin/dev-bootstrap.js");
    for (const { name } of COMMANDS) {
      if (UMBRELLA_ONLY.has(name)) continue;
      expect(pkg.bin[name], name).toBe(`dist/bin/${name}.js`);
    }
    for (const [name, file] of Object.entries(pkg.bin)) {
      expect(existsSync(join(REPO, "src/bin", `${name}.ts`)), name).toBe(true);
      expect(readFileSync(join(REPO, file), "utf8").startsWith("#!/usr/bin/env node\n"), file).toBe(
        true,
      );
    }
  });

  it("ships the built code, the Tilt extension, the Feature and the chart, and nothing else", () => {
    const files = packedFiles();
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
    ]) {
      expect(files).toContain(file);
    }
    const unexpected = files.filter(
      (f) =>
        !/^(dist\/|tilt\/dev_bootstrap\/|devcontainer-feature\/src\/|charts\/db-migrations\/|docs\/adoption\.md$|package\.json$|README\.md$)/.test(
          f,
        ),
    );
    expect(unexpected).toEqual([]);
    // This repository's own fixtures, migrations and tests are not a consumer's.
    expect(files.filter((f) => /^(src|test|vault|db|examples)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith("charts/db-migrations/sql"))).toEqual([]);
  });
});
