/**
 * Config resolution in one function: defaults → file → env → flags (the layering and
 * what an empty value means: core/precedence.ts, shared with Flyway's settings).
 * Errors name where the bad value came from (file:line:column, the env var,
 * or the flag), the key, and what was expected; they never echo a value.
 */
import { isAbsolute, join, resolve } from "node:path";
import type { core } from "zod/mini";
import { ConfigError } from "../core/errors.js";
import { environmentSource, Layers, source } from "../core/precedence.js";
import { printable } from "../core/printable.js";
import { describeIssue } from "../core/yaml-source.js";
import { CONFIG_ENV, findConfigFile, loadFile, workspaceRoot } from "./config-file.js";
import { type Conflict, findConflicts } from "./conflicts.js";
import { isWithin, realTarget } from "./real-path.js";
import { type Config, configSchema } from "./schema.js";

/** Environment variables that set config keys (after the file, before flags). */
const ENV_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["VAULT_ADDR", "vault.addr"],
  ["DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR", "vault.clusterAddress"],
  ["VAULT_TOKEN", "vault.token"],
  ["VAULT_TOKEN_FILE", "vault.tokenFile"],
  ["VAULT_CACERT", "vault.caCert"],
  ["VAULT_CACERT_BYTES", "vault.caCertBytes"],
  ["VAULT_CAPATH", "vault.caPath"],
  ["VAULT_CLIENT_CERT", "vault.clientCert"],
  ["VAULT_CLIENT_KEY", "vault.clientKey"],
  ["VAULT_TLS_SERVER_NAME", "vault.tlsServerName"],
  ["VAULT_SKIP_VERIFY", "vault.skipVerify"],
  ["VAULT_CLIENT_TIMEOUT", "vault.clientTimeout"],
  ["VAULT_MAX_RETRIES", "vault.maxRetries"],
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
  ["DEV_BOOTSTRAP_SANDBOX", "sandbox"],
  ["DEV_BOOTSTRAP_WATCH_POLL", "watch.poll"],
];
const ENV_KEY_OF = new Map(ENV_KEYS);

interface ResolveOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Flag overrides as dotted key → value, e.g. { "log.format": "json" }. */
  flags?: Record<string, unknown>;
  /** The flag each override was given as, by dotted key (e.g. "stateDir" → "--state-dir"). */
  flagNames?: Record<string, string>;
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

/** The value at a dotted path of plain data, or undefined. */
function valueAt(values: unknown, path: readonly PropertyKey[]): unknown {
  let node = values;
  for (const key of path) {
    if (!node || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The hint an issue carries for where its value came from (a control character in a path). */
function issueHint(issue: { code: string }, origin: Origin["kind"]): string | undefined {
  const hints =
    issue.code === "custom"
      ? (issue as { params?: { hints?: { file: string; other: string } } }).params?.hints
      : undefined;
  return hints && (origin === "file" ? hints.file : hints.other);
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
  let fileValues: Record<string, unknown> = {};
  let locate: ((path: PropertyKey[]) => string) | undefined;

  if (file) {
    const loaded = loadFile(file);
    merged = loaded.values;
    fileValues = structuredClone(loaded.values);
    locate = loaded.locate;
    if (merged.vault && typeof merged.vault === "object" && "token" in merged.vault) {
      throw new ConfigError(
        `${loaded.locate(["vault", "token"])}: vault.token must not be stored in the config file`,
        "remove it; set VAULT_TOKEN, VAULT_TOKEN_FILE or vault.tokenFile instead",
      );
    }
    if ("sandbox" in merged) {
      throw new ConfigError(
        `${loaded.locate(["sandbox"])}: sandbox is set by 'dev-bootstrap sandbox' for what it starts, not in the config file`,
        "remove it; the sandbox sets DEV_BOOTSTRAP_SANDBOX=1 itself",
      );
    }
  }
  /** Where a key's value came from: the variable or flag, its place in the file, or the default. */
  const originOf = (path: readonly PropertyKey[]): Origin | undefined =>
    origins.get(dotted([...path])) ??
    (locate && valueAt(fileValues, path) !== undefined ? { kind: "file" } : undefined);
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
  const warnings: string[] = [];
  /** Conflicting entries: the first error stops the run, warnings are kept (once each). */
  const checkConflicts = (config: Config) => {
    for (const c of findConflicts(config)) {
      const message = describeConflict(c);
      if (c.severity === "warning") {
        if (!warnings.includes(message)) warnings.push(message);
        continue;
      }
      throw new ConfigError(message, c.hint);
    }
  };
  const describeConflict = (c: Conflict): string => {
    // Reported where the user wrote it: the later entry, else the one it collides with.
    const [at, other] =
      originOf(c.path) || !originOf(c.other) ? [c.path, c.other] : [c.other, c.path];
    const otherOrigin = originOf(other);
    const otherWhere =
      otherOrigin === undefined
        ? "its default"
        : otherOrigin.kind === "file" && locate
          ? locate(other).replace(`${file}:`, "line ")
          : whereOf(other);
    const namespace = origins.get("namespace");
    const viaNamespace =
      c.usesNamespace && namespace && namespace.kind !== "file"
        ? `; namespace ${namespace.kind === "env" ? "from environment variable" : "from flag"} ${namespace.name}`
        : "";
    return `${whereOf(at)}: ${dotted(at)}: ${c.what} (see ${dotted(other)}, ${otherWhere}${viaNamespace})`;
  };
  const schemaError = (issues: ReadonlyArray<core.$ZodIssue>, more = "") => {
    const issue = issues[0]!;
    const origin = origins.get(dotted(issue.path))?.kind ?? "file";
    return new ConfigError(
      `${whereOf(issue.path)}: ${dotted(issue.path)}: ${describeIssue(issue)}${more}`,
      issueHint(issue, origin),
    );
  };

  let fromFile: Config | undefined;
  if (locate) {
    // The file is checked on its own too: a bad value there is reported even when an
    // environment variable or flag overrides it today, since it breaks once they are unset.
    const fileOnly = configSchema.safeParse(structuredClone(merged));
    if (!fileOnly.success) throw schemaError(fileOnly.error.issues);
    fromFile = fileOnly.data;
    checkConflicts(fromFile);
  }
  // Flags over the environment over the file (the base they are set on), by the one engine.
  const overrides = new Layers<unknown, Origin>([
    source(
      Object.entries(options.flags ?? {}).map(([key, value]) => [
        key,
        value,
        { kind: "flag", name: options.flagNames?.[key] ?? `--${key.split(".").pop()}` },
      ]),
    ),
    environmentSource(
      options.env,
      (name) => ENV_KEY_OF.get(name),
      (name) => ({ kind: "env", name }),
    ),
  ]);
  for (const [key, { value, origin }] of overrides.winners()) {
    setPath(merged, key, value);
    origins.set(key, origin);
  }

  // Nothing from the environment or flags: the file's config, already checked, is the config.
  const parsed =
    fromFile && origins.size === 0
      ? { success: true as const, data: fromFile }
      : configSchema.safeParse(merged);
  if (!parsed.success) {
    const more =
      parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    throw schemaError(parsed.error.issues, more);
  }
  const config = parsed.data;
  if (config !== fromFile) checkConflicts(config);

  const root = workspaceRoot(options.cwd, file);
  const path = (relative: string) => (isAbsolute(relative) ? relative : join(root, relative));
  const journalPath = path(config.log.journal ?? join(config.stateDir, "journal.jsonl"));
  checkRunState(config, root, path, journalPath, {
    originOf,
    whereOf,
    warn: (w) => warnings.push(w),
  });
  return { config, root, file, path, journalPath, warnings };
}

/**
 * Run state (journal, locks, tilt.pid) belongs to this workspace: a path outside it
 * would be shared with, or clobber, something else. The config file is shared, so
 * neither it nor a default may lead outside, also not through a symbolic link on
 * the way (a `.dev-bootstrap` linked elsewhere); an env var or flag is this run's
 * own choice (a test or CI keeping state in a temporary directory), allowed but
 * said loudly.
 */
function checkRunState(
  config: Config,
  root: string,
  path: (relative: string) => string,
  journalPath: string,
  at: {
    originOf(path: readonly PropertyKey[]): Origin | undefined;
    whereOf(path: PropertyKey[]): string;
    warn(warning: string): void;
  },
): void {
  const realRoot = realTarget(root) ?? root;
  const journalKey = config.log.journal === undefined ? "stateDir" : "log.journal";
  const checked = new Set<string>();
  for (const [key, target] of [
    ["stateDir", path(config.stateDir)],
    [journalKey, journalPath],
  ] as const) {
    if (checked.has(key)) continue;
    const value = key === "stateDir" ? config.stateDir : (config.log.journal ?? "");
    const lexicallyOutside = !isWithin(root, target);
    const real = lexicallyOutside ? target : realTarget(target);
    if (real !== undefined && !lexicallyOutside && isWithin(realRoot, real)) continue;
    checked.add(key);
    const keyPath = key.split(".");
    const origin = at.originOf(keyPath);
    const through =
      real === undefined
        ? "its symbolic links loop"
        : lexicallyOutside
          ? "it resolves outside it"
          : `a symbolic link on the way leads to ${printable(real)}`;
    if (origin === undefined || origin.kind === "file") {
      const where =
        origin === undefined
          ? `${printable(target)}: ${key} (default ${printable(value)})`
          : `${at.whereOf(keyPath)}: ${key}`;
      throw new ConfigError(
        `${where}: must stay inside the workspace (${through})`,
        lexicallyOutside
          ? `use a path relative to ${root}, e.g. .dev-bootstrap`
          : `replace the link by a directory, or set DEV_BOOTSTRAP_STATE_DIR to keep run state elsewhere for one run`,
      );
    }
    at.warn(
      `${key} from ${origin.kind === "env" ? "environment variable" : "flag"} ${origin.name} is outside the workspace (${printable(real ?? target)}): runs elsewhere will not see its lock or journal`,
    );
  }
}
