/**
 * Config resolution in one function: defaults → file → env → flags.
 * Errors name where the bad value came from (file:line:column, the env var,
 * or the flag), the key, and what was expected; they never echo a value.
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import { ConfigError } from "../core/errors.js";
import { printable } from "../core/printable.js";
import { describeIssue } from "../core/yaml-source.js";
import {
  CONFIG_ENV,
  CONFIG_FILE_NAME,
  findConfigFile,
  loadFile,
  MAX_NESTING,
  workspaceRoot,
} from "./config-file.js";
import { type Config, configSchema } from "./schema.js";

export { findGitRoot, workspaceRoot } from "./config-file.js";
export { CONFIG_ENV, CONFIG_FILE_NAME, MAX_NESTING };

/** Environment variables that set config keys (after the file, before flags). */
export const ENV_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["VAULT_ADDR", "vault.addr"],
  ["DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR", "vault.clusterAddress"],
  ["VAULT_TOKEN", "vault.token"],
  ["VAULT_TOKEN_FILE", "vault.tokenFile"],
  ["VAULT_CACERT", "vault.caCert"],
  ["VAULT_SKIP_VERIFY", "vault.skipVerify"],
  ["VAULT_NAMESPACE", "vault.namespace"],
  ["KUBECONFIG", "kube.kubeconfig"],
  ["DEV_BOOTSTRAP_KUBE_CONTEXT", "kube.context"],
  ["DEV_BOOTSTRAP_NAMESPACE", "namespace"],
  ["DEV_BOOTSTRAP_SEED", "vault.seed"],
  ["DEV_BOOTSTRAP_STATE_DIR", "stateDir"],
  ["DEV_BOOTSTRAP_FIXTURES_DIR", "vault.fixturesDir"],
  ["DEV_BOOTSTRAP_LOG_FORMAT", "log.format"],
  ["DEV_BOOTSTRAP_MIGRATIONS_MODE", "migrations.mode"],
  ["DEV_BOOTSTRAP_SEED_DATA", "migrations.seedData"],
];

export interface ResolveOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Flag overrides as dotted key → value, e.g. { "log.format": "json" }. */
  flags?: Record<string, unknown>;
  /** Explicit config path (the --config flag). */
  configPath?: string;
}

export interface ResolvedConfig {
  config: Config;
  /**
   * The consumer's workspace, which every relative path resolves against: the
   * config file's directory, else the git root above cwd, else cwd. Never the
   * package's own folder, so an installed package works in any repository.
   */
  root: string;
  /** The config file read, if any. */
  file: string | undefined;
  /** Absolute path of a workspace-relative config path. */
  path(relative: string): string;
  /** Where checkpoints are journaled. */
  journalPath: string;
  /** Things the user should know about the config, printed before the run (stderr). */
  warnings: string[];
}

type Origin = { kind: "file" } | { kind: "env"; name: string } | { kind: "flag"; name: string };
function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!next || typeof next !== "object" || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}
function dotted(path: PropertyKey[]): string {
  return path.map(String).join(".") || "(top level)";
}

export function resolveConfig(options: ResolveOptions): ResolvedConfig {
  const file =
    options.configPath !== undefined
      ? resolve(options.cwd, options.configPath)
      : options.env[CONFIG_ENV]
        ? resolve(options.cwd, options.env[CONFIG_ENV] as string)
        : findConfigFile(options.cwd);
  const origins = new Map<string, Origin>();
  let merged: Record<string, unknown> = {};
  let locate: ((path: PropertyKey[]) => string) | undefined;

  if (file) {
    const loaded = loadFile(file);
    merged = loaded.values;
    locate = loaded.locate;
    if (merged.vault && typeof merged.vault === "object" && "token" in merged.vault) {
      throw new ConfigError(
        `${loaded.locate(["vault", "token"])}: vault.token must not be stored in the config file`,
        "remove it; set VAULT_TOKEN, VAULT_TOKEN_FILE or vault.tokenFile instead",
      );
    }
  }
  let fromFile: Config | undefined;
  if (locate) {
    // The file is checked on its own too: a bad value there is reported even when an
    // environment variable or flag overrides it today, since it breaks once they are unset.
    const fileOnly = configSchema.safeParse(structuredClone(merged));
    if (!fileOnly.success) {
      const issue = fileOnly.error.issues[0]!;
      throw new ConfigError(
        `${locate(issue.path)}: ${dotted(issue.path)}: ${describeIssue(issue)}`,
      );
    }
    fromFile = fileOnly.data;
  }
  for (const [name, key] of ENV_KEYS) {
    const value = options.env[name];
    if (value === undefined || value === "") continue;
    setPath(merged, key, value);
    origins.set(key, { kind: "env", name });
  }
  for (const [key, value] of Object.entries(options.flags ?? {})) {
    if (value === undefined) continue;
    setPath(merged, key, value);
    origins.set(key, { kind: "flag", name: `--${key.split(".").pop()}` });
  }

  const whereOf = (path: PropertyKey[]): string => {
    const origin = origins.get(dotted(path));
    return origin?.kind === "env"
      ? `environment variable ${origin.name}`
      : origin?.kind === "flag"
        ? `flag ${origin.name}`
        : locate
          ? locate(path)
          : "config";
  };
  // Nothing from the environment or flags: the file's config, already checked, is the config.
  const parsed =
    fromFile && origins.size === 0
      ? { success: true as const, data: fromFile }
      : configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = dotted(issue.path);
    const where = whereOf(issue.path);
    const more =
      parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    throw new ConfigError(`${where}: ${key}: ${describeIssue(issue)}${more}`);
  }

  const root = workspaceRoot(options.cwd, file);
  const path = (relative: string) => (isAbsolute(relative) ? relative : join(root, relative));
  const config = parsed.data;
  // Run state (journal, locks, tilt.pid) belongs to this workspace: a path outside it
  // would be shared with, or clobber, something else. The config file is shared, so
  // it may not point outside; an env var or flag is this run's own choice (a test or
  // CI keeping state in a temporary directory), allowed but said loudly.
  const warnings: string[] = [];
  for (const [key, value] of [
    ["stateDir", config.stateDir],
    ["log.journal", config.log.journal],
  ] as const) {
    if (value === undefined) continue;
    const rel = relative(root, path(value));
    if (!(rel === ".." || rel.startsWith(`..${"/"}`) || isAbsolute(rel))) continue;
    const origin = origins.get(key);
    if (!origin || origin.kind === "file")
      throw new ConfigError(
        `${whereOf(key.split("."))}: ${key}: must stay inside the workspace (it resolves outside it)`,
        `use a path relative to ${root}, e.g. .dev-bootstrap`,
      );
    warnings.push(
      `${key} from ${origin.kind === "env" ? "environment variable" : "flag"} ${origin.name} is outside the workspace (${printable(path(value))}): runs elsewhere will not see its lock or journal`,
    );
  }
  return {
    config,
    root,
    file,
    path,
    journalPath: path(config.log.journal ?? join(config.stateDir, "journal.jsonl")),
    warnings,
  };
}
