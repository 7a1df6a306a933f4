/**
 * Config resolution in one function: defaults → file → env → flags.
 * Errors name where the bad value came from (file:line:column, the env var,
 * or the flag), the key, and what was expected; they never echo a value.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { type Config, configSchema } from "./schema.js";

export const CONFIG_FILE_NAME = "dev-bootstrap.yaml";
export const CONFIG_ENV = "DEV_BOOTSTRAP_CONFIG";

/** Environment variables that set config keys (after the file, before flags). */
export const ENV_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["VAULT_ADDR", "vault.addr"],
  ["VAULT_TOKEN", "vault.token"],
  ["VAULT_TOKEN_FILE", "vault.tokenFile"],
  ["KUBECONFIG", "kube.kubeconfig"],
  ["DEV_BOOTSTRAP_KUBE_CONTEXT", "kube.context"],
  ["DEV_BOOTSTRAP_NAMESPACE", "namespace"],
  ["DEV_BOOTSTRAP_SEED", "vault.seed"],
  ["DEV_BOOTSTRAP_STATE_DIR", "stateDir"],
  ["DEV_BOOTSTRAP_FIXTURES_DIR", "vault.fixturesDir"],
  ["DEV_BOOTSTRAP_LOG_FORMAT", "log.format"],
  ["DEV_BOOTSTRAP_MIGRATIONS_MODE", "migrations.mode"],
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
}

type Origin = { kind: "file" } | { kind: "env"; name: string } | { kind: "flag"; name: string };

function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The nearest directory at or above `cwd` holding `.git` (a directory, or a worktree's file). */
export function findGitRoot(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, ".git"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Where a workspace's relative paths resolve: nearest config file's directory, git root, cwd. */
export function workspaceRoot(cwd: string, configFile: string | undefined): string {
  if (configFile) return dirname(configFile);
  return findGitRoot(cwd) ?? resolve(cwd);
}

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

function loadFile(file: string): {
  values: Record<string, unknown>;
  locate(path: PropertyKey[]): string;
} {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(
      `${file}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      `check the path given by --config or ${CONFIG_ENV}`,
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const firstError = doc.errors[0];
  if (firstError) {
    throw new ConfigError(
      `${position(firstError.pos[0])}: invalid YAML: ${firstError.message.split("\n")[0]}`,
      "fix the YAML syntax in the config file",
    );
  }
  const values = doc.toJS() as unknown;
  if (
    values !== null &&
    values !== undefined &&
    (typeof values !== "object" || Array.isArray(values))
  ) {
    throw new ConfigError(`${file}:1:1: expected a mapping of config keys at the top level`);
  }
  return {
    values: (values ?? {}) as Record<string, unknown>,
    locate(path) {
      // Walk up to the deepest node that exists so a missing key points at its parent.
      for (let depth = path.length; depth >= 0; depth--) {
        const node =
          depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
        const range = (node as { range?: [number, number, number] } | undefined)?.range;
        if (range) return position(range[0]);
      }
      return `${file}:1:1`;
    },
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys")
    return `unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  if (issue.code === "invalid_type") return `expected ${issue.expected}`;
  return issue.message;
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

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = dotted(issue.path);
    const origin = origins.get(key);
    const where =
      origin?.kind === "env"
        ? `environment variable ${origin.name}`
        : origin?.kind === "flag"
          ? `flag ${origin.name}`
          : locate
            ? locate(issue.path)
            : "config";
    const more =
      parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    throw new ConfigError(`${where}: ${key}: ${describeIssue(issue)}${more}`);
  }

  const root = workspaceRoot(options.cwd, file);
  const path = (relative: string) => (isAbsolute(relative) ? relative : join(root, relative));
  const config = parsed.data;
  return {
    config,
    root,
    file,
    path,
    journalPath: path(config.log.journal ?? join(config.stateDir, "journal.jsonl")),
  };
}
