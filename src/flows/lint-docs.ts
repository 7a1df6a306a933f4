/**
 * lint-docs: walks a repository's Markdown and YAML and collects Azure Key Vault findings.
 * Entered like every flow, `(host, resolved, log, options)`: the files come through the
 * Host's fs port, and the resolved config names the state folder, which is never scanned.
 */
import { relative } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { type Finding, lintDocument } from "../core/docs-lint.js";
import type { CheckpointLogger } from "../log/logger.js";
import type { FsPort, Host, TreeEntry } from "./host.js";

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", ".dev-bootstrap", "coverage"]);
const DOC_FILE = /\.(md|markdown|mdx|ya?ml)$/i;

function collect(fs: Pick<FsPort, "list">, dir: string, skip: Set<string>, out: string[]): void {
  let entries: TreeEntry[];
  try {
    entries = fs.list(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.isDirectory) {
      if (!SKIP_DIRS.has(e.name) && !skip.has(e.path)) collect(fs, e.path, skip, out);
      // Symlinks are not followed: a link into another tree is that tree's business.
    } else if (e.isFile && !e.isSymlink && DOC_FILE.test(e.name)) out.push(e.path);
  }
}

export async function lintDocs(
  host: Pick<Host, "fs">,
  resolved: Pick<ResolvedConfig, "config" | "path">,
  // Findings are the result (the command prints them); nothing here is a checkpoint.
  _log: CheckpointLogger,
  /** `root`: the folder scanned (absolute). */
  options: { root: string },
): Promise<{ files: number; findings: Finding[] }> {
  const { root } = options;
  // The configured state folder holds the run's own files (journal, backups), not docs,
  // whatever it is called.
  const skip = new Set([resolved.path(resolved.config.stateDir)]);
  const files: string[] = [];
  collect(host.fs, root, skip, files);
  const findings = files
    .sort()
    .flatMap((file) => lintDocument(relative(root, file), host.fs.readText(file)));
  return { files: files.length, findings };
}
