/**
 * init: scaffold a consumer's workspace. Writes only files that do not exist
 * (exclusive create, so a file appearing meanwhile is not overwritten either),
 * and reports what it did, or with `dryRun` what it would do.
 */
import { dirname, isAbsolute, join, relative } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { UsageError } from "../core/errors.js";
import {
  isDatabaseName,
  type ScaffoldDatabase,
  type ScaffoldFile,
  scaffold,
} from "../core/scaffold.js";
import type { FsPort } from "./host.js";

type InitFs = Pick<FsPort, "exists" | "readText" | "mkdirp" | "createExclusive">;

export interface InitOptions {
  resolved: ResolvedConfig;
  /** --database values; empty: the configured databases. */
  databases: string[];
  dryRun: boolean;
  /** The installed package's root folder (where the Tilt extension and the Feature ship). */
  packageRoot: string;
}

export interface InitResult {
  root: string;
  files: Array<{ path: string; action: "created" | "would create" | "exists, kept" }>;
  tiltfileLines: string[];
  devcontainerLines: string[];
}

/** The Feature's files, copied under .devcontainer/ where local Features must live. */
const FEATURE_FILES = ["devcontainer-feature.json", "install.sh", "post-start.sh"];

function featureFiles(fs: InitFs, packageRoot: string): Array<ScaffoldFile & { mode: number }> {
  const dir = join(packageRoot, "devcontainer-feature/src/dev-bootstrap");
  return FEATURE_FILES.filter((f) => fs.exists(join(dir, f))).map((f) => ({
    path: `.devcontainer/dev-bootstrap/${f}`,
    content: fs.readText(join(dir, f)),
    mode: f.endsWith(".sh") ? 0o755 : 0o644,
  }));
}

function chosenDatabases(options: InitOptions): ScaffoldDatabase[] {
  if (options.databases.length === 0)
    return options.resolved.config.migrations.databases.map((d) => ({
      name: d.name,
      vaultPath: d.vaultPath,
    }));
  const seen = new Set<string>();
  return options.databases.map((name) => {
    if (!isDatabaseName(name))
      throw new UsageError(
        `--database ${JSON.stringify(name)}: expected a lower-case name like 'billing' (letters and digits)`,
        "database names become Secret and Vault path names; use letters and digits only",
      );
    if (seen.has(name)) throw new UsageError(`--database ${name} given twice`);
    seen.add(name);
    return { name, vaultPath: `${name}/db` };
  });
}

/**
 * The installed package's root: the nearest folder above `file` whose package.json is
 * dev-bootstrap's. Searched, not assumed, since the bundler decides which file the code is in.
 */
export function findPackageRoot(fs: Pick<FsPort, "readText">, file: string): string {
  let dir = dirname(file);
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readText(join(dir, "package.json"))) as { name?: string };
      if (pkg.name === "@ameide/dev-bootstrap") return dir;
    } catch {
      // no package.json here: keep looking upward
    }
    const parent = dirname(dir);
    if (parent === dir) return dirname(dirname(file));
    dir = parent;
  }
}

export function initWorkspace(fs: InitFs, options: InitOptions): InitResult {
  const { resolved } = options;
  const root = resolved.root;
  // Relative when the package is installed in the workspace (node_modules), so the
  // line works in every clone; absolute for a global install.
  const extension = join(options.packageRoot, "tilt/dev_bootstrap/Tiltfile");
  const rel = relative(root, extension);
  const extensionTiltfile = rel.startsWith("..") || isAbsolute(rel) ? extension : `./${rel}`;
  const plan = scaffold({
    databases: chosenDatabases(options),
    namespace: resolved.config.namespace,
    fixturesDir: resolved.config.vault.fixturesDir,
    extensionTiltfile,
  });
  const files = [
    ...plan.files.map((f) => ({ ...f, mode: 0o644 })),
    ...featureFiles(fs, options.packageRoot),
  ];
  const result: InitResult = {
    root,
    files: [],
    tiltfileLines: plan.tiltfileLines,
    devcontainerLines: plan.devcontainerLines,
  };
  for (const file of files) {
    const target = join(root, file.path);
    if (fs.exists(target)) {
      result.files.push({ path: file.path, action: "exists, kept" });
      continue;
    }
    if (options.dryRun) {
      result.files.push({ path: file.path, action: "would create" });
      continue;
    }
    fs.mkdirp(dirname(target));
    try {
      fs.createExclusive(target, file.content, file.mode);
      result.files.push({ path: file.path, action: "created" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      result.files.push({ path: file.path, action: "exists, kept" });
    }
  }
  return result;
}
