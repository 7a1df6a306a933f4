/** lint-docs: walks a repository's Markdown and YAML and collects Azure Key Vault findings. */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { type Finding, lintDocument } from "../core/docs-lint.js";
import { mapPool } from "../core/retry.js";

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", ".dev-bootstrap", "coverage"]);
const DOC_FILE = /\.(md|markdown|mdx|ya?ml)$/i;

async function collect(dir: string, out: string[]): Promise<void> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  const subdirs: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) subdirs.push(join(dir, e.name));
    } else if (e.isFile() && DOC_FILE.test(e.name)) out.push(join(dir, e.name));
  }
  await Promise.all(subdirs.map((d) => collect(d, out)));
}

export async function lintDocs(root: string): Promise<{ files: number; findings: Finding[] }> {
  const files: string[] = [];
  await collect(root, files);
  const results = await mapPool(files.sort(), 32, async (file) =>
    lintDocument(relative(root, file), await readFile(file, "utf8")),
  );
  return { files: files.length, findings: results.flat() };
}
