/**
 * The Feature `init` copies into a workspace, and the installed package it came
 * from: where each lives, and whether the copy has fallen behind the package.
 * Small on purpose: post-start loads it on every container start.
 */
import { dirname, join } from "node:path";
import type { FsPort } from "./host.js";

/** Where init copies the Feature, workspace-relative (local Features live under .devcontainer/). */
export const FEATURE_COPY = ".devcontainer/dev-bootstrap";

export function packageFeatureDir(packageRoot: string): string {
  return join(packageRoot, "devcontainer-feature/src/dev-bootstrap");
}

/**
 * The installed package's root: the nearest folder above `file` whose package.json is
 * dev-bootstrap's (by its name, scoped or not). Searched, not assumed, since the
 * bundler decides which file the code is in. Without one (a copy under another name),
 * the folder two above the file's own: dist/<bin|run>/<file>.js.
 */
export function findPackageRoot(fs: Pick<FsPort, "readText">, file: string): string {
  let dir = dirname(file);
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readText(join(dir, "package.json"))) as { name?: string };
      // Stryker disable next-line OptionalChaining: without a name, the call throws and the catch below keeps looking, as a false answer does
      if (pkg.name === "dev-bootstrap" || pkg.name?.endsWith("/dev-bootstrap")) return dir;
    } catch {
      // no package.json here: keep looking upward
    }
    const parent = dirname(dir);
    if (parent === dir) return dirname(dirname(dirname(file)));
    dir = parent;
  }
}

/** The `version` of a Feature's devcontainer-feature.json, or undefined when unreadable. */
function featureVersion(fs: Pick<FsPort, "readText">, file: string): string | undefined {
  try {
    const version = (JSON.parse(fs.readText(file)) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } /* Stryker disable next-line BlockStatement: an emptied catch falls out of the function, which returns undefined all the same */ catch {
    return undefined;
  }
}

/** Compares dotted version numbers (1.2.10 > 1.2.9); a pre-release suffix is ignored. */
function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .split(/[-+]/)[0]!
      .split(".")
      .map((p) => Number(p) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether the Feature init copied into this workspace is older than the installed
 * package's: its version is lower. A copy the package does not know (no copy, no
 * version) is no concern of ours. Returns the one line to warn with, or undefined.
 */
export function staleFeature(
  fs: Pick<FsPort, "readText" | "exists">,
  root: string,
  packageRoot: string,
): string | undefined {
  const copied = join(root, FEATURE_COPY, "devcontainer-feature.json");
  const shipped = join(packageFeatureDir(packageRoot), "devcontainer-feature.json");
  // Stryker disable next-line LogicalOperator: a fast path: an unreadable file has no version, and a file is never older than itself
  if (copied === shipped || !fs.exists(copied) || !fs.exists(shipped)) return undefined;
  const have = featureVersion(fs, copied);
  const want = featureVersion(fs, shipped);
  if (!have || !want || compareVersions(have, want) >= 0) return undefined;
  return `the copied Feature in ${FEATURE_COPY}/ is version ${have}, older than the installed package's ${want}`;
}

/** The hint that goes with staleFeature's line. */
export const STALE_FEATURE_HINT =
  "run 'dev-bootstrap init --upgrade --dry-run' to see the difference, then 'dev-bootstrap init --upgrade' to refresh it";
