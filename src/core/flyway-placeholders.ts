/**
 * Placeholder replacement as Flyway 10 does it before it checksums a repeatable
 * migration (flyway-core SqlMigrationResolver.getChecksumForLoadableResource):
 * the checksum Flyway records for a repeatable is of its text after replacement,
 * and the one before replacement is accepted too (equivalentChecksum,
 * ResolvedMigrationImpl.checksumMatches). Versioned and baseline migrations are
 * checksummed as written. Pure.
 *
 * The replacement is flyway-core's PlaceholderReplacingReader, character by
 * character, quirks included: names are matched without case; after a partial
 * prefix (`$` then not `{`) the characters read ahead are passed through without
 * another look for a prefix (so `$${x}` stays as written); an unknown name stops
 * Flyway ("No value provided for placeholder"); an empty value removes the
 * placeholder.
 */

import { flywayChecksum } from "./flyway-files.js";
import type { DiskMigration } from "./flyway-info.js";
import type { FlywayPlaceholderSettings } from "./flyway-settings.js";

/** Flyway's default placeholderSeparator: built-in names are `flyway:<name>`. */
const PLACEHOLDER_SEPARATOR = ":";

/**
 * What the built-in `flyway:` placeholders stand for (flyway-core
 * ParsingContext.populate), as the database and settings give them.
 */
export interface BuiltinPlaceholders {
  /** defaultSchema, else the first of schemas, else the connection's current schema. */
  defaultSchema?: string | undefined;
  /** The connection's catalog: current_database() on PostgreSQL. */
  database?: string | undefined;
  /** SELECT current_user. */
  user?: string | undefined;
  /** The history table's name (Flyway's `table`). */
  table: string;
  /** The current environment's name ("default" unless one is chosen). */
  environment: string;
  /** Flyway's working directory. */
  workingDirectory: string;
  /** "yyyy-MM-dd HH:mm:ss", now. */
  timestamp: string;
}

/** Something that stops Flyway while it resolves migrations (an unknown placeholder). */
export class PlaceholderError extends Error {}

/** SimpleDateFormat("yyyy-MM-dd HH:mm:ss") in local time. */
export function placeholderTimestamp(now: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())} ${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
}

/**
 * The placeholders a repeatable is read with: the user's, then the built-in ones
 * over them (PlaceholderReplacingReader.create), keyed without case.
 */
export function placeholderValues(
  settings: FlywayPlaceholderSettings,
  builtins: BuiltinPlaceholders,
  filename: string,
  separator = PLACEHOLDER_SEPARATOR,
): Map<string, string | undefined> {
  const values = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(settings.placeholders))
    values.set(name.toLowerCase(), value);
  const put = (name: string, value: string | undefined) =>
    values.set(`flyway${separator}${name}`.toLowerCase(), value);
  if (builtins.defaultSchema !== undefined) put("defaultSchema", builtins.defaultSchema);
  if (builtins.database !== undefined) put("database", builtins.database);
  put("user", builtins.user);
  put("timestamp", builtins.timestamp);
  put("workingDirectory", builtins.workingDirectory);
  put("table", builtins.table);
  put("environment", builtins.environment);
  put("filename", filename);
  return values;
}

/** PlaceholderReplacingReader.read(), over a whole text. */
export function replacePlaceholders(
  text: string,
  prefix: string,
  suffix: string,
  values: ReadonlyMap<string, string | undefined>,
  separator = PLACEHOLDER_SEPARATOR,
): string {
  // Text without the prefix's first character has nothing to replace.
  if (prefix !== "" && !text.includes(prefix)) return text;
  let out = "";
  let i = 0;
  let buffer = "";
  for (;;) {
    if (buffer.length > 0) {
      out += buffer[0];
      buffer = buffer.slice(1);
      continue;
    }
    // Read ahead while what was read could still be the prefix.
    do {
      if (i >= text.length) break;
      buffer += text[i++];
    } while (buffer.length < prefix.length && prefix.startsWith(buffer));
    if (!buffer.endsWith(prefix)) {
      if (buffer.length === 0) return out;
      continue;
    }
    buffer = "";
    let name = "";
    do {
      if (i >= text.length) break;
      name += text[i++];
    } while (!name.endsWith(suffix));
    if (name.length < suffix.length)
      // Java's StringBuilder.deleteCharAt fails here: a prefix at the very end.
      throw new PlaceholderError(
        `Unable to parse placeholder at the end of the script: ${prefix}${name}`,
      );
    name = name.slice(0, name.length - suffix.length);
    const key = name.toLowerCase();
    if (!values.has(key)) {
      const canonical = `${prefix}${name}${suffix}`;
      throw new PlaceholderError(
        name.startsWith(`flyway${separator}`)
          ? `Failed to populate value for default placeholder: ${canonical}`
          : `No value provided for placeholder: ${canonical}.  Check your configuration!`,
      );
    }
    out += values.get(key) ?? "";
  }
}

/**
 * The repeatables' checksums as Flyway computes them: of the text after
 * replacement when placeholder replacement is on, with the checksum before it
 * kept as the equivalent one. Others are returned as they are.
 */
export function withPlaceholderChecksums(
  files: readonly DiskMigration[],
  settings: FlywayPlaceholderSettings,
  builtins: BuiltinPlaceholders,
): DiskMigration[] {
  return files.map((file) => {
    if (file.kind !== "repeatable" || file.text === undefined) return file;
    const equivalentChecksum = flywayChecksum(file.text);
    // ParserSqlScript.placeholderReplacement: the script's own .conf over the setting.
    if (!(file.placeholderReplacement ?? settings.placeholderReplacement))
      return { ...file, equivalentChecksum };
    const filename = file.script.slice(file.script.lastIndexOf("/") + 1);
    const values = placeholderValues(settings, builtins, filename);
    const replaced = replacePlaceholders(
      file.text,
      settings.placeholderPrefix,
      settings.placeholderSuffix,
      values,
    );
    return { ...file, checksum: flywayChecksum(replaced), equivalentChecksum };
  });
}
