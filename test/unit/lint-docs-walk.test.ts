/**
 * lint-docs' walk of a repository: which files it reads (Markdown and YAML, by
 * extension), which folders it never enters (dependencies, build output, the run's
 * own state), that it follows no symlink, and that findings come in file order with
 * paths relative to the folder scanned.
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { FsPort } from "../../src/flows/host.js";
import type { CheckpointLogger } from "../../src/log/logger.js";
import { makeWorkspace } from "../helpers/workspace.js";

const AZ = "# Setup\n\n```bash\naz keyvault secret set --vault-name kv --name x --value y\n```\n";
/** lint-docs writes no checkpoint: a logger it must not touch. */
const noLog = new Proxy({} as CheckpointLogger, {
  get: () => {
    throw new Error("lint-docs logged");
  },
});

/** Loaded afresh for each test, so the module's own settings (its constants) are evaluated under the test too. */
let lintDocs: typeof import("../../src/flows/lint-docs.js").lintDocs;
beforeEach(async () => {
  vi.resetModules();
  ({ lintDocs } = await import("../../src/flows/lint-docs.js"));
});

async function lint(dir: string, fs: FsPort = nodeFs, root = dir) {
  const resolved = resolveConfig({ cwd: dir, env: {} });
  const { files, findings } = await lintDocs({ fs }, resolved, noLog, { root });
  return { files, at: findings.map((f) => `${f.file}:${f.line} ${f.kind}`) };
}

describe("lintDocs", () => {
  it("reads Markdown and YAML files by extension, in any case, and nothing else", async () => {
    const ws = makeWorkspace({
      "a.md": AZ,
      "b.markdown": AZ,
      "c.mdx": AZ,
      "d.yaml": "# az keyvault secret show --name x\nk: v\n",
      "e.yml": "# az keyvault secret show --name x\nk: v\n",
      "F.MD": AZ,
      "notes.txt": AZ,
      "setup.md.bak": AZ,
      yaml: AZ,
      "readme-md": AZ,
    });
    const r = await lint(ws.dir);
    expect(r.files).toBe(6);
    expect(r.at).toEqual([
      "F.MD:4 az-keyvault-command",
      "a.md:4 az-keyvault-command",
      "b.markdown:4 az-keyvault-command",
      "c.mdx:4 az-keyvault-command",
      "d.yaml:1 az-keyvault-command",
      "e.yml:1 az-keyvault-command",
    ]);
  });

  it("never enters node_modules, .git, dist, coverage, .dev-bootstrap or the configured state folder", async () => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": "stateDir: .run-state\n",
      "docs/setup.md": AZ,
      "node_modules/pkg/README.md": AZ,
      "docs/node_modules/pkg/README.md": AZ,
      ".git/description.md": AZ,
      "dist/README.md": AZ,
      "coverage/index.md": AZ,
      ".dev-bootstrap/backups/setup.md": AZ,
      ".run-state/backups/setup.md": AZ,
      // Only the configured folder itself: one of the same name elsewhere is scanned.
      "docs/.run-state/kept.md": AZ,
      "distribution/README.md": AZ,
    });
    const r = await lint(ws.dir);
    expect(r.at).toEqual([
      "distribution/README.md:4 az-keyvault-command",
      "docs/.run-state/kept.md:4 az-keyvault-command",
      "docs/setup.md:4 az-keyvault-command",
    ]);
    expect(r.files).toBe(4); // the three above and dev-bootstrap.yaml
  });

  it("follows no symlink, to a file or to a folder", async () => {
    const outside = makeWorkspace({ "elsewhere.md": AZ, "tree/deep.md": AZ });
    const ws = makeWorkspace({ "docs/own.md": "# Fine\n" });
    symlinkSync(join(outside.dir, "elsewhere.md"), join(ws.dir, "docs/linked.md"));
    symlinkSync(join(outside.dir, "tree"), join(ws.dir, "docs/tree"));
    const r = await lint(ws.dir);
    expect(r).toEqual({ files: 1, at: [] });
  });

  it("reports findings in path order, relative to the folder scanned, which may be a subfolder", async () => {
    const ws = makeWorkspace({
      "docs/b/two.md": AZ,
      "docs/a.md": `# Intro\n\n${AZ}`,
      "docs/c.md": AZ,
      "top.md": AZ,
    });
    // Listed in reverse: the order comes from the walk's sort, not from the disk.
    const reversed: FsPort = { ...nodeFs, list: (dir) => nodeFs.list(dir).reverse() };
    const r = await lint(ws.dir, reversed, join(ws.dir, "docs"));
    expect(r.at).toEqual([
      "a.md:6 az-keyvault-command",
      "b/two.md:4 az-keyvault-command",
      "c.md:4 az-keyvault-command",
    ]);
    expect(r.files).toBe(3);
  });

  it("a folder it cannot list is passed over: nothing to read, no error", async () => {
    const ws = makeWorkspace({ "docs/setup.md": AZ });
    mkdirSync(join(ws.dir, "empty"));
    expect(await lint(ws.dir, nodeFs, join(ws.dir, "missing"))).toEqual({ files: 0, at: [] });
    const failing: FsPort = {
      ...nodeFs,
      list: (dir) => {
        if (dir.endsWith("docs")) throw Object.assign(new Error("EACCES"), { code: "EACCES" });
        return nodeFs.list(dir);
      },
    };
    expect(await lint(ws.dir, failing)).toEqual({ files: 0, at: [] });
  });
});
