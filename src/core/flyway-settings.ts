/**
 * The Flyway settings that change what `flyway info` and `flyway validate`
 * report, read the way Flyway 10 reads them, one resolver for every command
 * (run-flyway-cli, run-migrations and the chart's Job, flyway-status): FLYWAY_*
 * environment variables, then flyway.toml (its selected environment) or
 * flyway.conf, then this project's config file (migrations.flyway), then Flyway's
 * defaults. Pure; bad values throw ConfigError naming the variable or file:line.
 */
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "./errors.js";
import type { ConfigMode, FileEntry } from "./flyway-config-files.js";
import { displayName, type MigrationState } from "./flyway-states.js";
import { counts, environmentSource, Layers, type Sourced, source } from "./precedence.js";
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
function parseVersion(text: string, source: string): string {
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

function parseBoolean(text: string, source: string): boolean {
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

/** What Flyway's config files say, as flyway-config-files.ts reads them. */
interface FlywayFileSettings {
  mode: ConfigMode;
  /** `flyway.environment` (TOML mode): the `[environments.<name>]` read. */
  environment: string;
  /** Every setting in file order: a later file overrides an earlier one, as in Flyway. */
  entries: readonly FileEntry[];
  /** The files read, lowest precedence first. */
  files: readonly string[];
  /** FLYWAY_CONFIG_FILES entries Flyway skips because they do not exist. */
  missing: readonly string[];
}

/** Where a setting's value came from. */
export interface SettingOrigin {
  kind: "env" | "file" | "config" | "default";
  /** The variable, `file:line`, the config key, or "Flyway's default". */
  where: string;
}

/** Everything Flyway 10 reads that decides which history table, schema and files it compares. */
export interface ResolvedFlywaySettings extends FlywaySettings {
  /** The history table's name (`table`, default flyway_schema_history). */
  table: string;
  /** `schemas`, in order (empty when not set). */
  schemas: string[];
  /** `defaultSchema` as set (undefined when not set). */
  defaultSchema: string | undefined;
  /**
   * The schema the history table is in: defaultSchema, else the first of schemas
   * (flyway-core Flyway#prepare via SchemaHistoryFactory); undefined: the
   * connection's current schema.
   */
  historySchema: string | undefined;
  /** `locations` when the environment or a Flyway config file sets them; undefined: ours (migrations.sqlDir). */
  locations: { value: string[]; origin: SettingOrigin; dirs: string[] } | undefined;
  naming: FlywayNamingSettings;
  placeholders: FlywayPlaceholderSettings;
  /** `connectRetries` when set outside our defaults. */
  connectRetries: string | undefined;
  /** The TOML environment read, or undefined in CONF mode. */
  environment: string | undefined;
  /** The Flyway config files read. */
  files: string[];
  /** Where each setting that is not Flyway's default came from, by Flyway's key. */
  origins: Record<string, SettingOrigin>;
  /** Settings we read but cannot apply as Flyway does, and files Flyway skips. */
  warnings: string[];
}

/** The settings we model, by Flyway's key (FlywayModel / EnvironmentModel field names). */
const STRING_KEYS = [
  "table",
  "defaultSchema",
  "encoding",
  "target",
  "outOfOrder",
  "baselineVersion",
  "validateMigrationNaming",
  "placeholderReplacement",
  "placeholderPrefix",
  "placeholderSuffix",
  "sqlMigrationPrefix",
  "sqlMigrationSeparator",
  "repeatableSqlMigrationPrefix",
  "undoSqlMigrationPrefix",
  "baselineMigrationPrefix",
  "connectRetries",
] as const;
const LIST_KEYS = [
  "schemas",
  "locations",
  "ignoreMigrationPatterns",
  "sqlMigrationSuffixes",
] as const;
/** Read by Flyway, changing what info/validate find, and not applied by flyway-status. */
const UNHONOURED_KEYS = [
  "detectEncoding",
  "placeholderSeparator",
  "skipDefaultResolvers",
  "resolvers",
  "failOnMissingLocations",
  "cherryPick",
] as const;
/** EnvironmentModel's own fields: in TOML they live in [environments.<name>], not [flyway]. */
const ENVIRONMENT_KEYS = new Set(["schemas", "connectRetries"]);

type Key = (typeof STRING_KEYS)[number] | (typeof LIST_KEYS)[number];

/** Flyway's environment variable for a key (ConfigUtils.convertKey): FLYWAY_ and the key in upper snake case. */
const envNameOf = (key: string) =>
  `FLYWAY_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;

const ENV_KEYS = new Map<string, string>(
  [...STRING_KEYS, ...LIST_KEYS, ...UNHONOURED_KEYS].map((k) => [envNameOf(k), k]),
);

type Value = string | readonly string[];
type Candidate = Sourced<Value, SettingOrigin>;

/**
 * flyway_<key> as TomlUtils.loadConfigurationFromEnvironment reads it: `_` for `.`
 * (flyway_environment names no setting: it selects the environment, flyway-config-files.ts).
 */
const lowerCaseDotted = (name: string): string | undefined =>
  name.startsWith("flyway_") ? name.slice("flyway_".length).replace(/_/g, ".") : undefined;

const KNOWN_KEYS: readonly (string | undefined)[] = [
  ...STRING_KEYS,
  ...LIST_KEYS,
  ...UNHONOURED_KEYS,
];
const isUnhonoured = (key: string | undefined): key is string =>
  (UNHONOURED_KEYS as readonly (string | undefined)[]).includes(key);

/** StringUtils.tokenizeToStringArray: comma separated, trimmed, empties dropped. */
const tokens = (v: string | readonly string[]): string[] =>
  (typeof v === "string" ? v.split(",") : [...v]).map((s) => s.trim()).filter(Boolean);
const text = (v: string | readonly string[]): string => (typeof v === "string" ? v : v.join(","));

/**
 * Defaults → config file (migrations.flyway) → flyway.toml / flyway.conf → FLYWAY_*
 * environment (ModernConfigurationManager / LegacyConfigurationManager: environment
 * variables override config files), with TOML's `[environments.<name>.flyway]` over
 * all of them (ClassicConfiguration's getters read the environment's overrides first).
 * The stacking and the empty-value rule are core/precedence.ts's, as for our own config.
 */
export function resolveFlywaySettings(options: {
  env: NodeJS.ProcessEnv;
  config?: FlywayConfigSettings;
  allowPending?: boolean;
  files?: FlywayFileSettings;
  /** Where Flyway runs: relative `filesystem:` locations resolve against it. */
  cwd?: string;
}): ResolvedFlywaySettings {
  const { env, config = {}, files } = options;
  const mode = files?.mode ?? "toml";
  const warnings: string[] = [];

  const fromConfig = source<Value, SettingOrigin>(
    (
      [
        ["ignoreMigrationPatterns", config.ignoreMigrationPatterns],
        ["target", config.target],
        ["outOfOrder", config.outOfOrder === undefined ? undefined : String(config.outOfOrder)],
      ] as const
    ).map(([key, value]) => [key, value, { kind: "config", where: `migrations.flyway.${key}` }]),
  );

  // The files' entries in file order (a later file wins), split by where Flyway reads them.
  type Entry = readonly [string, Value, SettingOrigin];
  // Stryker disable next-line ArrayDeclaration: a stray string reads as a one-letter key no setting has
  const overrideEntries: Entry[] = [];
  // Stryker disable next-line ArrayDeclaration: as above
  const fileEntries: Entry[] = [];
  const overridePlaceholders: Entry[] = [];
  const filePlaceholders: Entry[] = [];
  for (const e of files?.entries ?? []) {
    const origin: SettingOrigin = { kind: "file", where: e.where };
    const override = e.level === "environment-flyway";
    if (e.key.startsWith("placeholders.")) {
      const name = e.key.slice("placeholders.".length);
      (override ? overridePlaceholders : filePlaceholders).push([name, e.value, origin]);
      continue;
    }
    if ((UNHONOURED_KEYS as readonly string[]).includes(e.key)) {
      warnings.push(unhonoured(e.where, e.key));
      continue;
    }
    // So schemas and connectRetries never reach the overrides: FLYWAY_SCHEMAS merges into the environment.
    if (mode === "toml" && ENVIRONMENT_KEYS.has(e.key) && e.level !== "environment") {
      warnings.push(
        `${e.where}: Flyway 10 reads ${e.key} from [environments.<name>], not from a [flyway] table: ignored, as Flyway ignores it`,
      );
      continue;
    }
    (override ? overrideEntries : fileEntries).push([e.key, e.value, origin]);
  }

  /** The key a variable names: FLYWAY_<KEY>, or in TOML mode also flyway_<key>. */
  const keyOf = (name: string): string | undefined => {
    const lower = mode === "toml" ? lowerCaseDotted(name) : undefined;
    return ENV_KEYS.get(name) ?? (KNOWN_KEYS.includes(lower) ? lower : undefined);
  };
  /** The setting a variable sets: one flyway-status applies. */
  const settingOf = (name: string): string | undefined => {
    const key = keyOf(name);
    return isUnhonoured(key) ? undefined : key;
  };
  /** The placeholder a variable names: FLYWAY_PLACEHOLDERS_<NAME>, or flyway_placeholders_<name>. */
  const placeholderOf = (name: string): string | undefined => {
    // ConfigUtils.convertKey lower-cases the name; placeholders match case-insensitively anyway.
    if (name.startsWith("FLYWAY_PLACEHOLDERS_") && name.length > "FLYWAY_PLACEHOLDERS_".length)
      return name.slice("FLYWAY_PLACEHOLDERS_".length).toLowerCase();
    const dotted = mode === "toml" ? lowerCaseDotted(name) : undefined;
    return dotted?.startsWith("placeholders.") ? dotted.slice("placeholders.".length) : undefined;
  };
  const envOrigin = (name: string): SettingOrigin => ({ kind: "env", where: name });
  // An empty pattern list clears the default; a placeholder may be replaced by nothing.
  const fromEnv = environmentSource(
    env,
    settingOf,
    envOrigin,
    (key) => key === "ignoreMigrationPatterns",
  );
  const placeholdersFromEnv = environmentSource(env, placeholderOf, envOrigin, () => true);
  for (const [name, raw] of Object.entries(env)) {
    if (!counts(raw, "environment")) continue;
    const key = keyOf(name);
    if (isUnhonoured(key)) warnings.push(unhonoured(name, key));
    if (name === "FLYWAY_ENVIRONMENT")
      warnings.push(
        "FLYWAY_ENVIRONMENT is not read by Flyway 10 (ConfigUtils.convertKey has no such variable; it reads flyway_environment, in lower case): ignored, as Flyway ignores it",
      );
  }

  // ClassicConfiguration's getters read the TOML environment's overrides first.
  const layers = new Layers<Value, SettingOrigin>([
    source(overrideEntries),
    fromEnv,
    source(fileEntries),
    fromConfig,
  ]);
  const origins: Record<string, SettingOrigin> = {};
  const pick = (key: Key): Candidate | undefined => {
    const c = layers.pick(key);
    if (c) origins[key] = c.origin;
    return c;
  };
  const str = (key: Key, fallback: string): string => {
    const c = pick(key);
    return c ? text(c.value) : fallback;
  };
  const where = (key: Key) => origins[key]?.where ?? "Flyway's default";

  // Patterns: a list merges as "non-empty wins" (MergeUtils.merge), but an explicitly empty
  // variable clears the default (kept from before, documented in the README).
  const patterns = pick("ignoreMigrationPatterns");
  const patternsSource = patterns ? where("ignoreMigrationPatterns") : "Flyway's default";
  const targetC = pick("target");
  const outOfOrderC = pick("outOfOrder");
  const baselineC = pick("baselineVersion");
  const encodingC = pick("encoding");
  const namingC = pick("validateMigrationNaming");

  const schemasC = pick("schemas");
  const schemas = schemasC ? tokens(schemasC.value) : [];
  const defaultSchemaC = pick("defaultSchema");
  const defaultSchema = defaultSchemaC ? text(defaultSchemaC.value).trim() || undefined : undefined;
  const table = str("table", "flyway_schema_history").trim();
  if (table === "")
    throw new ConfigError(
      `${where("table")}: table: the history table needs a name`,
      "set a name, or remove it for flyway_schema_history",
    );

  const locationsC = pick("locations");
  const suffixesC = pick("sqlMigrationSuffixes");
  const naming: FlywayNamingSettings = {
    sqlMigrationPrefix: str("sqlMigrationPrefix", DEFAULT_NAMING.sqlMigrationPrefix),
    undoSqlMigrationPrefix: str("undoSqlMigrationPrefix", DEFAULT_NAMING.undoSqlMigrationPrefix),
    repeatableSqlMigrationPrefix: str(
      "repeatableSqlMigrationPrefix",
      DEFAULT_NAMING.repeatableSqlMigrationPrefix,
    ),
    baselineMigrationPrefix: str("baselineMigrationPrefix", DEFAULT_NAMING.baselineMigrationPrefix),
    sqlMigrationSeparator: str("sqlMigrationSeparator", DEFAULT_NAMING.sqlMigrationSeparator),
    sqlMigrationSuffixes: suffixesC ? tokens(suffixesC.value) : DEFAULT_NAMING.sqlMigrationSuffixes,
  };
  if (naming.sqlMigrationSeparator === "")
    throw new ConfigError(
      `${where("sqlMigrationSeparator")}: sqlMigrationSeparator must not be empty`,
      "Flyway's default is __",
    );
  if (naming.sqlMigrationSuffixes.length === 0)
    throw new ConfigError(
      `${where("sqlMigrationSuffixes")}: sqlMigrationSuffixes names no suffix`,
      "Flyway's default is .sql",
    );

  const replacementC = pick("placeholderReplacement");
  // The TOML environment's placeholders, when it has any, replace the others whole.
  const userPlaceholders = overridePlaceholders.length
    ? source(overridePlaceholders)
    : new Layers([placeholdersFromEnv, source(filePlaceholders)]).winners();
  const placeholderValues: Record<string, string> = {};
  for (const [name, c] of userPlaceholders) {
    placeholderValues[name] = text(c.value);
    origins[`placeholders.${name}`] = c.origin;
  }
  const placeholderSettings: FlywayPlaceholderSettings = {
    placeholderReplacement: replacementC
      ? parseBoolean(text(replacementC.value), where("placeholderReplacement"))
      : DEFAULT_PLACEHOLDERS.placeholderReplacement,
    placeholderPrefix: str("placeholderPrefix", DEFAULT_PLACEHOLDERS.placeholderPrefix),
    placeholderSuffix: str("placeholderSuffix", DEFAULT_PLACEHOLDERS.placeholderSuffix),
    placeholders: placeholderValues,
  };
  const connectRetriesC = pick("connectRetries");

  for (const f of files?.missing ?? [])
    warnings.push(
      `FLYWAY_CONFIG_FILES: ${printable(f)} does not exist; Flyway skips it (with a warning), and so does flyway-status`,
    );

  const locationsOf = (c: Candidate) => {
    const value = tokens(c.value);
    const { dirs, warnings: cannot } = locationDirs(value, options.cwd ?? ".", c.origin);
    warnings.push(...cannot);
    return { value, origin: c.origin, dirs };
  };
  const baseline = baselineC ? text(baselineC.value) : undefined;
  const targetText = targetC ? text(targetC.value) : undefined;
  const encodingText = encodingC ? text(encodingC.value) : undefined;
  return {
    encoding:
      encodingText === undefined || encodingText.trim() === ""
        ? "UTF-8"
        : parseEncoding(encodingText, where("encoding")),
    ignorePatterns: parseIgnorePatterns(
      patterns ? text(patterns.value) : DEFAULT_IGNORE_PATTERNS,
      patternsSource,
    ),
    ignorePatternsSource: patternsSource,
    target:
      targetText === undefined ? { kind: "latest" } : parseTarget(targetText, where("target")),
    outOfOrder: outOfOrderC ? parseBoolean(text(outOfOrderC.value), where("outOfOrder")) : false,
    ...(baseline !== undefined && baseline.trim() !== ""
      ? { baselineVersion: parseVersion(baseline, where("baselineVersion")) }
      : {}),
    allowPending: options.allowPending === true,
    validateMigrationNaming:
      namingC !== undefined && parseBoolean(text(namingC.value), where("validateMigrationNaming")),
    table,
    schemas,
    defaultSchema,
    historySchema: defaultSchema ?? schemas[0],
    locations: locationsC ? locationsOf(locationsC) : undefined,
    naming,
    placeholders: placeholderSettings,
    connectRetries: connectRetriesC ? text(connectRetriesC.value) : undefined,
    environment: mode === "toml" ? (files?.environment ?? "default") : undefined,
    files: [...(files?.files ?? [])],
    origins,
    warnings,
  };
}

const unhonoured = (where: string, key: string) =>
  `${where}: ${key} is applied by Flyway but not by flyway-status, whose report may differ from 'flyway info' (run-flyway-cli info asks Flyway itself)`;

/** A filesystem location as a directory; what flyway-status cannot read, as a warning. */
function locationDirs(
  locations: readonly string[],
  cwd: string,
  origin: SettingOrigin,
): { dirs: string[]; warnings: string[] } {
  const dirs: string[] = [];
  const warnings: string[] = [];
  for (const location of locations) {
    // flyway-core Location: a prefix before ':' names the kind; none means classpath.
    const m = /^([a-z0-9]+):(.*)$/i.exec(location);
    const prefix = m && m[1]!.length > 1 ? m[1]!.toLowerCase() : "classpath";
    const path = m && m[1]!.length > 1 ? m[2]! : location;
    if (prefix !== "filesystem") {
      warnings.push(
        `${origin.where}: location ${printable(location)} is not a filesystem: location; flyway-status reads only those (Flyway reads it, so their reports may differ)`,
      );
      continue;
    }
    if (/[*?]/.test(path)) {
      warnings.push(
        `${origin.where}: location ${printable(location)} has a wildcard, which flyway-status does not expand (Flyway does, so their reports may differ)`,
      );
      continue;
    }
    const trimmed = path.length > 1 ? path.replace(/[\\/]+$/, "") : path;
    dirs.push(isAbsolute(trimmed) ? trimmed : resolve(cwd, trimmed));
  }
  return { dirs, warnings };
}

/**
 * The FLYWAY_* variables that carry settings only our config file set (migrations.flyway)
 * to a Flyway that reads the environment and its own files: what the environment or a
 * Flyway config file sets, Flyway reads itself.
 */
export function flywayEnvFromSettings(settings: ResolvedFlywaySettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, origin] of Object.entries(settings.origins))
    if (origin.kind === "config") out[envNameOf(key)] = configValue(settings, key);
  return out;
}

function configValue(settings: ResolvedFlywaySettings, key: string): string {
  if (key === "ignoreMigrationPatterns")
    return settings.ignorePatterns.map((p) => p.text).join(",");
  if (key === "outOfOrder") return String(settings.outOfOrder);
  if (key === "target") {
    const t = settings.target;
    return t.kind === "version" ? `${t.version}${t.failOnMissing ? "" : "?"}` : t.kind;
  }
  return "";
}

/**
 * Every setting that is not Flyway's default, as the FLYWAY_* variables a Flyway with
 * no config file of its own (the chart's Job) needs to read the same. Locations are
 * left out: the Job reads the chart's copy of the migrations at its own paths.
 */
export function flywayEnvForJob(settings: ResolvedFlywaySettings): Record<string, string> {
  const out: Record<string, string> = {};
  const values: Record<string, string | undefined> = {
    table: settings.table,
    schemas: settings.schemas.join(","),
    defaultSchema: settings.defaultSchema,
    encoding: settings.encoding,
    ignoreMigrationPatterns: settings.ignorePatterns.map((p) => p.text).join(","),
    target: undefined,
    outOfOrder: String(settings.outOfOrder),
    baselineVersion: settings.baselineVersion,
    validateMigrationNaming: String(settings.validateMigrationNaming),
    placeholderReplacement: String(settings.placeholders.placeholderReplacement),
    placeholderPrefix: settings.placeholders.placeholderPrefix,
    placeholderSuffix: settings.placeholders.placeholderSuffix,
    ...Object.fromEntries(
      Object.entries(settings.naming).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.join(",") : (v as string),
      ]),
    ),
    connectRetries: settings.connectRetries,
  };
  const t = settings.target;
  values.target = t.kind === "version" ? `${t.version}${t.failOnMissing ? "" : "?"}` : t.kind;
  for (const key of Object.keys(settings.origins)) {
    if (key === "locations") continue;
    if (key.startsWith("placeholders.")) {
      const name = key.slice("placeholders.".length);
      out[`FLYWAY_PLACEHOLDERS_${name.toUpperCase()}`] = settings.placeholders.placeholders[name]!;
      continue;
    }
    const value = values[key];
    if (value !== undefined) out[envNameOf(key)] = value;
  }
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
