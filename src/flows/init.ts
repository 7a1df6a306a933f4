/**
 * init: scaffold a consumer's workspace. Writes only files that do not exist
 * (exclusive create, so a file appearing meanwhile is not overwritten either),
 * and reports what it did, or with `dryRun` what it would do. `upgrade` is the one
 * exception: it replaces the copied Feature's files with the installed package's,
 * after showing the difference.
 *
 * Entered like every flow, `(host, resolved, log, options)`. init runs before the
 * workspace has a dev-bootstrap.yaml, yet a resolved config exists all the same: the
 * defaults, the environment and the flags, rooted at the workspace; that is what the
 * scaffold writes out. Only the Host's fs port is used.
 */
import { basename, dirname, isAbsolute, join, relative } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { UsageError } from "../core/errors.js";
import { unifiedDiff } from "../core/line-diff.js";
import {
  isDatabaseName,
  type ScaffoldDatabase,
  type ScaffoldFile,
  type ScaffoldLayer42,
  scaffold,
} from "../core/scaffold.js";
import type { CheckpointLogger } from "../log/logger.js";
import { FEATURE_COPY, packageFeatureDir } from "./feature-copy.js";
import type { FsPort, Host } from "./host.js";

export { findPackageRoot } from "./feature-copy.js";

type InitFs = Pick<
  FsPort,
  "exists" | "readText" | "writeText" | "mkdirp" | "createExclusive" | "symlink" | "list"
>;

interface InitOptions {
  /** --database values; empty: the configured databases. */
  databases: string[];
  /** --layer values; undefined: layer 42 when helm.layers names it. */
  layers?: string[];
  /** Settings given as flags (dotted key → value): written as real settings. */
  settings?: Record<string, string>;
  /** Replace the copied Feature's files with the installed package's (after showing the diff). */
  upgrade?: boolean;
  dryRun: boolean;
  /** The installed package's root folder (where the Tilt extension and the Feature ship). */
  packageRoot: string;
}

type InitAction =
  | "created"
  | "would create"
  | "exists, kept"
  | "linked"
  | "would link"
  | "updated"
  | "would update"
  | "up to date";

interface InitResult {
  root: string;
  files: Array<{ path: string; action: InitAction }>;
  /** With `upgrade`: the unified diff of each copied file that differs from the package's. */
  diffs: string[];
  /** Where the migrations go (migrations.sqlDir), and whether that is the default. */
  sqlDir: { path: string; isDefault: boolean };
  /** The layers scaffolded (["42"] or []). */
  layers: string[];
  tiltfileLines: string[];
  devcontainerLines: string[];
}

/** The Feature's files, copied under .devcontainer/ where local Features must live. */
const FEATURE_FILES = ["devcontainer-feature.json", "install.sh", "post-start.sh"];
const DEFAULT_SQL_DIR = "db/flyway/sql";
/** Layer 42 when the config does not name it but --layer 42 was given: the defaults. */
const DEFAULT_LAYER42 = { helmfile: "helmfile/42-db-migrations.yaml", environment: "local" };

function featureFiles(fs: InitFs, packageRoot: string): Array<ScaffoldFile & { mode: number }> {
  const dir = packageFeatureDir(packageRoot);
  return FEATURE_FILES.filter((f) => fs.exists(join(dir, f))).map((f) => ({
    path: `${FEATURE_COPY}/${f}`,
    content: fs.readText(join(dir, f)),
    mode: f.endsWith(".sh") ? 0o755 : 0o644,
  }));
}

function chosenDatabases(resolved: ResolvedConfig, options: InitOptions): ScaffoldDatabase[] {
  if (options.databases.length === 0)
    return resolved.config.migrations.databases.map((d) => ({
      name: d.name,
      vaultPath: d.vaultPath,
      ...(d.baselineVersion ? { baselineVersion: d.baselineVersion } : {}),
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

/** The layers to scaffold: --layer's (only 42 has a scaffold), else 42 when the config names it. */
function chosenLayers(resolved: ResolvedConfig, options: InitOptions): string[] {
  if (options.layers === undefined) return "42" in resolved.config.helm.layers ? ["42"] : [];
  for (const layer of options.layers) {
    if (layer !== "42")
      throw new UsageError(
        `--layer ${JSON.stringify(layer)}: init scaffolds layer 42 only (the db-migrations chart this package ships)`,
        `layer ${layer}'s helmfile is your own: name it in dev-bootstrap.yaml under helm.layers`,
      );
  }
  return [...new Set(options.layers)];
}

/**
 * Whether anything is at `path`, a symlink whose target is missing included (exists
 * follows links): the exclusive create and the symlink refuse such a path too, so the
 * dry run must count it as there.
 */
function occupied(fs: InitFs, path: string): boolean {
  if (fs.exists(path)) return true;
  try {
    return fs.list(dirname(path)).some((e) => e.name === basename(path) && e.isSymlink);
  } /* Stryker disable next-line BlockStatement: an emptied catch returns undefined, which every caller reads as false */ catch {
    return false;
  }
}

/** A path of the package as the workspace names it: relative inside the workspace, else absolute. */
function asSeenFrom(root: string, target: string): string {
  const rel = relative(root, target);
  return rel.startsWith("..") || isAbsolute(rel) ? target : rel;
}

export function initWorkspace(
  host: Pick<Host, "fs">,
  resolved: ResolvedConfig,
  // What init did is its result (the command prints it); nothing here is a checkpoint.
  _log: CheckpointLogger,
  options: InitOptions,
): InitResult {
  const { fs } = host;
  const { config } = resolved;
  const root = resolved.root;
  // Relative when the package is installed in the workspace (node_modules), so the
  // line works in every clone; absolute for a global install.
  const extension = asSeenFrom(root, join(options.packageRoot, "tilt/dev_bootstrap/Tiltfile"));
  const extensionTiltfile = isAbsolute(extension) ? extension : `./${extension}`;
  const databases = chosenDatabases(resolved, options);
  const layers = options.upgrade ? [] : chosenLayers(resolved, options);
  let layer42: ScaffoldLayer42 | undefined;
  if (layers.includes("42")) {
    const layer = config.helm.layers["42"] ?? DEFAULT_LAYER42;
    layer42 = {
      helmfile: layer.helmfile,
      environment: layer.environment,
      chart: config.helm.chart,
      valuesFile: config.helm.valuesFile,
      release: config.helm.release,
      secretName: config.migrations.secretName,
      seedData: config.migrations.seedData,
      seedDir: config.migrations.seedDir,
      packageChart: asSeenFrom(root, join(options.packageRoot, "charts/db-migrations")),
    };
  }
  const plan = scaffold({
    databases,
    namespace: config.namespace,
    fixturesDir: config.vault.fixturesDir,
    sqlDir: config.migrations.sqlDir,
    extensionTiltfile,
    ...(options.settings ? { settings: options.settings } : {}),
    ...(layer42 ? { layer42 } : {}),
  });
  const result: InitResult = {
    root,
    files: [],
    diffs: [],
    sqlDir: {
      path: config.migrations.sqlDir,
      isDefault: config.migrations.sqlDir === DEFAULT_SQL_DIR,
    },
    layers,
    tiltfileLines: plan.tiltfileLines,
    devcontainerLines: plan.devcontainerLines,
  };
  const feature = featureFiles(fs, options.packageRoot);
  if (options.upgrade) {
    upgradeFeature(fs, root, feature, options.dryRun, result);
    return result;
  }
  const files = [...plan.files.map((f) => ({ ...f, mode: 0o644 })), ...feature];
  for (const file of files) {
    const target = join(root, file.path);
    if (occupied(fs, target)) {
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
  // A link into a folder that does not exist makes helm refuse the whole chart.
  for (const dir of plan.dirs) {
    const target = resolved.path(dir);
    if (fs.exists(target)) continue;
    if (!options.dryRun) fs.mkdirp(target);
    result.files.push({ path: `${dir}/`, action: options.dryRun ? "would create" : "created" });
  }
  for (const link of plan.links) {
    const target = join(root, link.path);
    if (options.dryRun) {
      result.files.push({
        path: link.path,
        action: occupied(fs, target) ? "exists, kept" : "would link",
      });
      continue;
    }
    fs.mkdirp(dirname(target));
    try {
      fs.symlink(link.target, target);
      result.files.push({ path: link.path, action: "linked" });
    } catch (error) {
      // Anything there (a file, a folder, a link of the user's) is theirs.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      result.files.push({ path: link.path, action: "exists, kept" });
    }
  }
  return result;
}

/**
 * --upgrade: the copied Feature made equal to the installed package's. Each file that
 * differs gets its diff (shown before anything is written); a missing one is created.
 */
function upgradeFeature(
  fs: InitFs,
  root: string,
  feature: Array<ScaffoldFile & { mode: number }>,
  dryRun: boolean,
  result: InitResult,
): void {
  for (const file of feature) {
    const target = join(root, file.path);
    if (!fs.exists(target)) {
      if (!dryRun) {
        fs.mkdirp(dirname(target));
        fs.createExclusive(target, file.content, file.mode);
      }
      result.files.push({ path: file.path, action: dryRun ? "would create" : "created" });
      continue;
    }
    const current = fs.readText(target);
    if (current === file.content) {
      result.files.push({ path: file.path, action: "up to date" });
      continue;
    }
    result.diffs.push(
      unifiedDiff(current, file.content, {
        from: `${file.path} (copied)`,
        to: `${file.path} (installed package)`,
      }),
    );
    if (!dryRun) fs.writeText(target, file.content);
    result.files.push({ path: file.path, action: dryRun ? "would update" : "updated" });
  }
}
