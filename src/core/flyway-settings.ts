/**
 * The Flyway settings that change what `flyway info` and `flyway validate`
 * report, read the way Flyway reads them: `ignoreMigrationPatterns`, `target`,
 * `outOfOrder`, `baselineVersion` and `encoding`, from FLYWAY_* environment variables over
 * the config file over Flyway's defaults. Pure; bad values throw ConfigError.
 */
import { ConfigError } from "./errors.js";
import { displayName, type MigrationState } from "./flyway-states.js";
import { printable } from "./printable.js";

/**
 * One `<type>:<state>` pattern (flyway-core `ValidatePattern`). Types: `*`,
 * `versioned`, `repeatable`; states: `*`, `missing`, `pending`, `ignored`,
 * `future`, case-insensitive. A state matches by Flyway's display name, so
 * `missing` matches "Missing" but not "Failed (Missing)", and `*` matches any
 * state, failed ones included.
 */
export interface ValidatePattern {
  type: "*" | "versioned" | "repeatable";
  state: "*" | "missing" | "pending" | "ignored" | "future";
  text: string;
}

const PATTERN_TYPES = ["*", "versioned", "repeatable"] as const;
const PATTERN_STATES = ["*", "missing", "pending", "ignored", "future"] as const;

/** Flyway's default for ignoreMigrationPatterns (Flyway docs, "Ignore Migration Patterns"). */
export const DEFAULT_IGNORE_PATTERNS = "*:future";

export function parseIgnorePatterns(text: string, source: string): ValidatePattern[] {
  // Comma separated, blanks dropped: an empty value clears the default, as in Flyway.
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.map((item) => {
    const parts = item.split(":");
    if (parts.length !== 2)
      throw new ConfigError(
        `${source}: invalid pattern '${item}' (a pattern is <migration_type>:<migration_state>)`,
        "use e.g. *:future, *:missing or repeatable:missing; separate several with commas",
      );
    const type = parts[0]!.trim().toLowerCase();
    const state = parts[1]!.trim().toLowerCase();
    if (!(PATTERN_TYPES as readonly string[]).includes(type))
      throw new ConfigError(
        `${source}: invalid migration type '${parts[0]}' in '${item}'`,
        `valid types are ${PATTERN_TYPES.join(", ")}`,
      );
    if (!(PATTERN_STATES as readonly string[]).includes(state))
      throw new ConfigError(
        `${source}: invalid migration state '${parts[1]}' in '${item}'`,
        `valid states are ${PATTERN_STATES.join(", ")}`,
      );
    return {
      type: type as ValidatePattern["type"],
      state: state as ValidatePattern["state"],
      text: item,
    };
  });
}

/** flyway-core ValidatePattern.matchesMigration. */
export function patternMatches(
  pattern: ValidatePattern,
  versioned: boolean,
  state: MigrationState,
): boolean {
  if (pattern.state !== "*" && displayName(state).toLowerCase() !== pattern.state) return false;
  if (pattern.type === "*") return true;
  return versioned ? pattern.type === "versioned" : pattern.type === "repeatable";
}

/**
 * `target` (flyway-core MigrationVersion): `latest` (the default), `current`
 * (the current version: nothing above it is considered), `next` (only the
 * first pending migration), or a version. A version not found among the
 * migrations is an error unless written with a trailing `?`.
 */
export type Target =
  | { kind: "latest" }
  | { kind: "current" }
  | { kind: "next" }
  | { kind: "version"; version: string; failOnMissing: boolean };

const VERSION = /^\d+(?:[._]\d+)*$/;

/** A version as Flyway writes it: `_` reads as `.`. */
export function parseVersion(text: string, source: string): string {
  const v = text.trim();
  if (!VERSION.test(v))
    throw new ConfigError(
      `${source}: '${text}' is not a Flyway version (digits separated by '.' or '_')`,
      "use e.g. 3 or 1.2",
    );
  return v.replace(/_/g, ".");
}

export function parseTarget(text: string, source: string): Target {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (lower === "" || lower === "latest") return { kind: "latest" };
  if (lower === "current") return { kind: "current" };
  if (lower === "next") return { kind: "next" };
  const lenient = t.endsWith("?");
  return {
    kind: "version",
    version: parseVersion(lenient ? t.slice(0, -1) : t, source),
    failOnMissing: !lenient,
  };
}

export function parseBoolean(text: string, source: string): boolean {
  const v = text.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ConfigError(`${source}: expected true or false, got '${text}'`);
}

/** How migration files are decoded: Flyway's `encoding` (FLYWAY_ENCODING), UTF-8 by default. */
export type MigrationEncoding = "UTF-8" | "ISO-8859-1" | "US-ASCII";

// Java's names for them (Charset.forName is case-insensitive and takes these aliases).
const ENCODINGS: Record<string, MigrationEncoding> = {
  "utf-8": "UTF-8",
  utf8: "UTF-8",
  "iso-8859-1": "ISO-8859-1",
  iso8859_1: "ISO-8859-1",
  "iso8859-1": "ISO-8859-1",
  latin1: "ISO-8859-1",
  "us-ascii": "US-ASCII",
  ascii: "US-ASCII",
};

export function parseEncoding(text: string, source: string): MigrationEncoding {
  const encoding = ENCODINGS[text.trim().toLowerCase()];
  if (encoding) return encoding;
  throw new ConfigError(
    `${source}: flyway-status reads migrations in UTF-8, ISO-8859-1 or US-ASCII, not '${printable(text)}'`,
    "for UTF-16 files, ask Flyway itself: dev-bootstrap run-flyway-cli info",
  );
}

export interface FlywaySettings {
  /** How migration files are decoded before their checksum is taken. */
  encoding: MigrationEncoding;
  ignorePatterns: ValidatePattern[];
  /** Where the patterns came from (an env var, the config key, or Flyway's default). */
  ignorePatternsSource: string;
  target: Target;
  outOfOrder: boolean;
  /** FLYWAY_BASELINE_VERSION, when set: the version a baseline would record. */
  baselineVersion?: string;
  /**
   * Validate as `migrate` does before it migrates (flyway-core DbValidate with
   * allowPending): pending and outdated migrations are no errors.
   */
  allowPending: boolean;
  /**
   * FLYWAY_VALIDATE_MIGRATION_NAMING: file names Flyway cannot read are an
   * error; by default (false) Flyway skips them.
   */
  validateMigrationNaming: boolean;
}

/** What the config file may set (migrations.flyway). */
export interface FlywayConfigSettings {
  ignoreMigrationPatterns?: readonly string[] | undefined;
  target?: string | undefined;
  outOfOrder?: boolean | undefined;
}

/** Defaults → config file → FLYWAY_* environment (Flyway: environment variables override config files) → flags. */
export function resolveFlywaySettings(options: {
  env: NodeJS.ProcessEnv;
  config?: FlywayConfigSettings;
  allowPending?: boolean;
}): FlywaySettings {
  const { env, config = {} } = options;
  let patternsText = DEFAULT_IGNORE_PATTERNS;
  let patternsSource = "Flyway's default";
  if (config.ignoreMigrationPatterns !== undefined) {
    patternsText = config.ignoreMigrationPatterns.join(",");
    patternsSource = "migrations.flyway.ignoreMigrationPatterns";
  }
  if (env.FLYWAY_IGNORE_MIGRATION_PATTERNS !== undefined) {
    patternsText = env.FLYWAY_IGNORE_MIGRATION_PATTERNS;
    patternsSource = "FLYWAY_IGNORE_MIGRATION_PATTERNS";
  }
  const targetText = env.FLYWAY_TARGET ?? config.target;
  const targetSource =
    env.FLYWAY_TARGET !== undefined ? "FLYWAY_TARGET" : "migrations.flyway.target";
  const outOfOrder =
    env.FLYWAY_OUT_OF_ORDER !== undefined
      ? parseBoolean(env.FLYWAY_OUT_OF_ORDER, "FLYWAY_OUT_OF_ORDER")
      : (config.outOfOrder ?? false);
  const baseline = env.FLYWAY_BASELINE_VERSION;
  return {
    encoding:
      env.FLYWAY_ENCODING === undefined || env.FLYWAY_ENCODING.trim() === ""
        ? "UTF-8"
        : parseEncoding(env.FLYWAY_ENCODING, "FLYWAY_ENCODING"),
    ignorePatterns: parseIgnorePatterns(patternsText, patternsSource),
    ignorePatternsSource: patternsSource,
    target: targetText === undefined ? { kind: "latest" } : parseTarget(targetText, targetSource),
    outOfOrder,
    ...(baseline !== undefined && baseline.trim() !== ""
      ? { baselineVersion: parseVersion(baseline, "FLYWAY_BASELINE_VERSION") }
      : {}),
    allowPending: options.allowPending === true,
    validateMigrationNaming:
      env.FLYWAY_VALIDATE_MIGRATION_NAMING !== undefined &&
      parseBoolean(env.FLYWAY_VALIDATE_MIGRATION_NAMING, "FLYWAY_VALIDATE_MIGRATION_NAMING"),
  };
}

/** The settings as FLYWAY_* variables for the Flyway CLI, for those the environment does not already set. */
export function flywayEnvFromConfig(
  config: FlywayConfigSettings | undefined,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!config) return out;
  if (
    config.ignoreMigrationPatterns !== undefined &&
    env.FLYWAY_IGNORE_MIGRATION_PATTERNS === undefined
  )
    out.FLYWAY_IGNORE_MIGRATION_PATTERNS = config.ignoreMigrationPatterns.join(",");
  if (config.target !== undefined && env.FLYWAY_TARGET === undefined)
    out.FLYWAY_TARGET = config.target;
  if (config.outOfOrder !== undefined && env.FLYWAY_OUT_OF_ORDER === undefined)
    out.FLYWAY_OUT_OF_ORDER = String(config.outOfOrder);
  return out;
}

/**
 * How Flyway names migration resources (flyway-core `ResourceNameParser`, the
 * `sqlMigration*` settings). Defaults are Flyway 10's.
 */
export interface FlywayNamingSettings {
  sqlMigrationPrefix: string;
  undoSqlMigrationPrefix: string;
  repeatableSqlMigrationPrefix: string;
  baselineMigrationPrefix: string;
  sqlMigrationSeparator: string;
  sqlMigrationSuffixes: readonly string[];
}

export const DEFAULT_NAMING: FlywayNamingSettings = {
  sqlMigrationPrefix: "V",
  undoSqlMigrationPrefix: "U",
  repeatableSqlMigrationPrefix: "R",
  baselineMigrationPrefix: "B",
  sqlMigrationSeparator: "__",
  sqlMigrationSuffixes: [".sql"],
};

/**
 * How Flyway replaces placeholders in SQL before it checksums and runs it
 * (flyway-core `PlaceholderReplacingReader`, the `placeholder*` settings). The
 * built-in `flyway:` placeholders are computed per database, not set here.
 */
export interface FlywayPlaceholderSettings {
  placeholderReplacement: boolean;
  placeholderPrefix: string;
  placeholderSuffix: string;
  /** User placeholders by name (FLYWAY_PLACEHOLDERS_<NAME>, flyway.placeholders.<name>). */
  placeholders: Readonly<Record<string, string>>;
}

export const DEFAULT_PLACEHOLDERS: FlywayPlaceholderSettings = {
  placeholderReplacement: true,
  placeholderPrefix: "${",
  placeholderSuffix: "}",
  placeholders: {},
};
