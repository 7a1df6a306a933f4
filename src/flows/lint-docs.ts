/** lint-docs: walks a repository's Markdown and YAML and collects Azure Key Vault findings. */
import { relative } from "node:path";
import { type Finding, lintDocument } from "../core/docs-lint.js";
import type { FsPort, TreeEntry } from "./host.js";

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", ".dev-bootstrap", "coverage"]);
const DOC_FILE = /\.(md|markdown|mdx|ya?ml)$/i;

function collect(fs: Pick<FsPort, "list">, dir: string, out: string[]): void {
  let entries: TreeEntry[];
  try {
    entries = fs.list(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.isDirectory) {
      if (!SKIP_DIRS.has(e.name)) collect(fs, e.path, out);
      // Symlinks are not followed: a link into another tree is that tree's business.
    } else if (e.isFile && !e.isSymlink && DOC_FILE.test(e.name)) out.push(e.path);
  }
}

export async function lintDocs(
  fs: Pick<FsPort, "list" | "readText">,
  root: string,
): Promise<{ files: number; findings: Finding[] }> {
  const files: string[] = [];
  collect(fs, root, files);
  const findings = files
    .sort()
    .flatMap((file) => lintDocument(relative(root, file), fs.readText(file)));
  return { files: files.length, findings };
}
