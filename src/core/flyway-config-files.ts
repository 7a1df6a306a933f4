/**
 * Which Flyway config files Flyway 10 reads, and their settings as flat entries
 * (`table`, `placeholders.name`, ...) that name the file and line they came from.
 * Pure: the caller says which files exist and hands over their text (and a TOML
 * file's parsed document, see flyway-toml.ts, which alone loads the TOML parser).
 *
 * The rules follow flyway-commandline 10.22.0: ConfigurationManagerImpl.useModernConfig
 * (TOML or CONF mode), ConfigUtils.getDefaultTomlConfigFileLocations /
 * getDefaultLegacyConfigurationFiles (where), CommandLineArguments.getConfigFilePathsFromEnv
 * (FLYWAY_CONFIG_FILES), ConfigUtils.loadConfigurationFromString (the CONF syntax).
 */
import { isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "./errors.js";
import { counts } from "./precedence.js";
import { printable } from "./printable.js";

/** One setting as a file wrote it: `key` without the `flyway.` prefix. */
export interface FileEntry {
  key: string;
  value: string | readonly string[];
  /** `file:line`. */
  where: string;
  /** From `[environments.<name>]` itself (schemas, connectRetries) rather than a flyway section. */
  level: "flyway" | "environment" | "environment-flyway";
}

export type ConfigMode = "toml" | "conf";

interface ConfigFilePlan {
  mode: ConfigMode;
  /** The files Flyway reads, lowest precedence first, absolute. */
  files: string[];
  /** FLYWAY_CONFIG_FILES entries Flyway skips (TOML files that do not exist), for a warning. */
  missing: string[];
}

/**
 * The files Flyway reads, from where it runs (`cwd`), the user's home, its
 * installation directory (when known) and FLYWAY_CONFIG_FILES. No `-configFiles`
 * or `-workingDirectory` here: dev-bootstrap never passes them.
 */
export function planConfigFiles(options: {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  home: string | undefined;
  installDir: string | undefined;
  exists: (path: string) => boolean;
}): ConfigFilePlan {
  const { env, cwd, home, installDir, exists } = options;
  // StringUtils.tokenizeToStringArray: comma separated, trimmed, empties dropped.
  const fromEnv = (env.FLYWAY_CONFIG_FILES ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((f) => (isAbsolute(f) ? f : resolve(cwd, f)));
  const envToml = fromEnv.filter((f) => f.endsWith(".toml"));
  const envConf = fromEnv.filter((f) => !f.endsWith(".toml"));
  const dirs = [...(installDir ? [join(installDir, "conf")] : []), ...(home ? [home] : []), cwd];
  const defaultToml = dirs.flatMap((d) => [join(d, "flyway.toml"), join(d, "flyway.user.toml")]);
  const defaultConf = dirs.map((d) => join(d, "flyway.conf"));
  const mode: ConfigMode = (() => {
    // FLYWAY_CONFIG_FILES decides when it names any file; naming both kinds is an error in Flyway.
    if (envToml.length && envConf.length)
      throw new ConfigError(
        `FLYWAY_CONFIG_FILES names both TOML and CONF files (${[...envToml, ...envConf].map(printable).join(", ")}): Flyway refuses to read both`,
        "keep one kind: flyway.toml files, or flyway.conf files",
      );
    if (envToml.length) return "toml";
    if (envConf.length) return "conf";
    if (defaultToml.some(exists)) return "toml";
    if (defaultConf.some(exists)) return "conf";
    return "toml";
  })();
  if (mode === "toml") {
    return {
      mode,
      files: [...defaultToml.filter(exists), ...envToml.filter(exists)],
      missing: envToml.filter((f) => !exists(f)),
    };
  }
  // CONF mode: a FLYWAY_CONFIG_FILES file that is missing stops Flyway (loadConfigurationFile, failIfMissing).
  for (const f of envConf)
    if (!exists(f))
      throw new ConfigError(
        `FLYWAY_CONFIG_FILES: Unable to load config file: ${printable(f)}`,
        "create it, or remove it from FLYWAY_CONFIG_FILES",
      );
  return { mode, files: [...defaultConf.filter(exists), ...envConf], missing: [] };
}

/**
 * A flyway.conf (Java properties, as ConfigUtils.loadConfigurationFromString reads
 * them): `flyway.key=value` (or `:` or a blank), `#`/`!` comments, a line ending in
 * `\` continued on the next unless that is blank or a new `flyway.` property,
 * backslashes otherwise literal, `${VAR}` replaced by the environment variable (or
 * nothing). Keys that do not start with `flyway.` are not Flyway's and are dropped.
 */
export function confEntries(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): FileEntry[] {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const out: FileEntry[] = [];
  let pending: { text: string; line: number } | undefined;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const next = lines[i + 1];
    const continues =
      line.endsWith("\\") &&
      next !== undefined &&
      next !== "" &&
      !(next.trim().startsWith("flyway.") && next.includes("="));
    const piece = continues ? line.slice(0, -1) : line;
    if (pending) pending.text += piece;
    else pending = { text: piece, line: i + 1 };
    if (continues) continue;
    const { text: logical, line: at } = pending;
    pending = undefined;
    if (logical === "" || logical.startsWith("#") || logical.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(logical) ?? /^([^=:\s]+)()$/.exec(logical);
    if (!m) continue;
    const key = m[1]!;
    if (!key.startsWith("flyway.")) continue;
    const value = m[2]!.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => env[name] ?? "");
    out.push({ key: key.slice("flyway.".length), value, where: `${file}:${at}`, level: "flyway" });
  }
  return out;
}

type TomlValue = unknown;

/** The line a dotted key is written on in TOML text (for messages; 0 when not found). */
function tomlLine(text: string, path: readonly string[]): number {
  const want = path.join(".");
  const unquote = (s: string) =>
    s
      .split(".")
      .map((p) => p.trim().replace(/^"(.*)"$|^'(.*)'$/, "$1$2"))
      .join(".");
  let table = "";
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    const header = /^\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$/.exec(line);
    if (header) {
      table = unquote(header[1]!);
      continue;
    }
    const key = /^\s*([A-Za-z0-9_\-."' ]+?)\s*=/.exec(line);
    if (!key) continue;
    const full = table ? `${table}.${unquote(key[1]!)}` : unquote(key[1]!);
    if (full === want || want.startsWith(`${full}.`)) return i + 1;
  }
  // A table written as a header only ([flyway.placeholders]) locates its keys' table.
  for (const [i, line] of lines.entries()) {
    const header = /^\s*\[([^\]]+)\]/.exec(line);
    if (header && want.startsWith(`${unquote(header[1]!)}.`)) return i + 1;
  }
  return 0;
}

const isTable = (v: TomlValue): v is Record<string, TomlValue> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

function scalar(v: TomlValue): string | readonly string[] | undefined {
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "bigint") return v.toString();
  return undefined;
}

/**
 * A flyway.toml's settings for the selected environment: `[flyway]` (ModernConfigurationManager
 * via ConfigurationModel), `[environments.<name>]` (schemas, connectRetries: EnvironmentModel)
 * and `[environments.<name>.flyway]` (FlywayEnvironmentModel: overrides for that environment).
 */
function tomlEntries(
  doc: Record<string, TomlValue>,
  text: string,
  file: string,
  environment: string,
): FileEntry[] {
  const out: FileEntry[] = [];
  const at = (path: string[]) => `${file}:${tomlLine(text, path)}`;
  const flat = (table: Record<string, TomlValue>, base: string[], level: FileEntry["level"]) => {
    for (const [key, value] of Object.entries(table)) {
      if (isTable(value)) {
        // Only placeholders nest (and plugin namespaces, which are not ours).
        if (key === "placeholders")
          for (const [name, v] of Object.entries(value)) {
            const s = scalar(v);
            if (typeof s === "string")
              out.push({
                key: `placeholders.${name}`,
                value: s,
                where: at([...base, key, name]),
                level,
              });
          }
        continue;
      }
      const s = scalar(value);
      if (s !== undefined) out.push({ key, value: s, where: at([...base, key]), level });
    }
  };
  if (isTable(doc.flyway)) flat(doc.flyway, ["flyway"], "flyway");
  const envs = doc.environments;
  const env = isTable(envs) ? envs[environment] : undefined;
  if (isTable(env)) {
    const base = ["environments", environment];
    for (const key of ["schemas", "connectRetries"]) {
      const s = env[key] === undefined ? undefined : scalar(env[key]);
      if (s !== undefined)
        out.push({ key, value: s, where: at([...base, key]), level: "environment" });
    }
    if (isTable(env.flyway)) flat(env.flyway, [...base, "flyway"], "environment-flyway");
  }
  return out;
}

/** `[flyway] environment` of a TOML document, if set. */
function tomlEnvironment(doc: Record<string, TomlValue>): string | undefined {
  const flyway = doc.flyway;
  return isTable(flyway) && typeof flyway.environment === "string" ? flyway.environment : undefined;
}

/**
 * The settings of the files in `plan`, for the environment Flyway selects: the
 * lower-case variable flyway_environment, else the last `[flyway] environment` of
 * the TOML files, else "default" (FlywayModel.defaults).
 */
export function fileSettings(options: {
  plan: ConfigFilePlan;
  texts: ReadonlyMap<string, string>;
  /** Each TOML file's document (flyway-toml.ts). */
  docs: ReadonlyMap<string, Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
}) {
  const { plan, texts, docs, env } = options;
  let environment = "default";
  if (plan.mode === "toml") {
    for (const f of plan.files) environment = tomlEnvironment(docs.get(f) ?? {}) ?? environment;
    const fromEnv = env.flyway_environment;
    if (counts(fromEnv, "environment")) environment = fromEnv as string;
  }
  const entries = plan.files.flatMap((f) =>
    plan.mode === "toml"
      ? tomlEntries(docs.get(f) ?? {}, texts.get(f) ?? "", f, environment)
      : confEntries(texts.get(f) ?? "", f, env),
  );
  return { mode: plan.mode, environment, entries, files: plan.files, missing: plan.missing };
}
