/**
 * Flyway's own rules, reproduced without a JVM: migration file naming, version
 * parsing and ordering, descriptions, and the checksum Flyway stores.
 *
 * Naming (flyway-core ResourceNameParser): `V<version>__<description>.sql` for
 * versioned, `R__<description>.sql` for repeatable and `B<version>__<description>.sql`
 * for baseline migrations; the description may be empty (`V1.sql`, `V2__.sql`)
 * and the suffix is matched without case (`.SQL`). Version
 * parts are separated by `.` or `_` (an `_` reads as `.`), compared part by part
 * as whole numbers, missing parts counting as 0: so 1.10 > 1.9 and 1.0 = 1. The
 * description is the part after `__` with `_` read as a space.
 *
 * Checksum (flyway-core ChecksumCalculator.calculateChecksumForResource): a
 * java.util.zip.CRC32 updated with the UTF-8 bytes of each line as
 * BufferedReader.readLine() returns it — that is, without its terminator (`\n`,
 * `\r\n` or `\r`) — after stripping a byte-order mark from the first line, and
 * stored as a signed 32-bit int. Line endings and blank lines do not change it.
 */
import { crc32 } from "node:zlib";
import {
  DEFAULT_NAMING,
  type FlywayNamingSettings,
  type MigrationEncoding,
} from "./flyway-settings.js";
import { firstInvalidUtf8 } from "./printable.js";

export type MigrationKind = "versioned" | "repeatable" | "baseline";

/** The migration type Flyway records for a SQL file: SQL, or SQL_BASELINE for a baseline migration. */
export type FileMigrationType = "SQL" | "SQL_BASELINE";

export interface MigrationFile {
  kind: MigrationKind;
  /** What Flyway writes to the history table's `type` column for it. */
  type: FileMigrationType;
  script: string;
  /** Dotted version as Flyway writes it to the history table ("1.1"); undefined for repeatables. */
  version?: string;
  /** The version as written in the file name ("1_1"); Flyway's info JSON `rawVersion`. */
  rawVersion?: string;
  description: string;
}

type ParsedName =
  | { ok: true; file: MigrationFile }
  | { ok: false; reason: string }
  | { ok: "ignored" };

/**
 * The prefixes of SQL callbacks (flyway-core `Event` ids): a file named after one
 * is a callback, never a migration.
 */
const CALLBACK_PREFIXES = [
  "beforeClean",
  "afterClean",
  "afterCleanError",
  "beforeMigrate",
  "beforeEachMigrate",
  "beforeEachMigrateStatement",
  "afterEachMigrateStatement",
  "afterEachMigrateStatementError",
  "afterEachMigrate",
  "afterEachMigrateError",
  "beforeRepeatables",
  "afterVersioned",
  "afterMigrateApplied",
  "afterMigrate",
  "afterMigrateError",
  "beforeUndo",
  "beforeEachUndo",
  "beforeEachUndoStatement",
  "afterEachUndoStatement",
  "afterEachUndoStatementError",
  "afterEachUndo",
  "afterEachUndoError",
  "afterUndo",
  "afterUndoError",
  "beforeValidate",
  "afterValidate",
  "afterValidateError",
  "beforeBaseline",
  "afterBaseline",
  "afterBaselineError",
  "beforeRepair",
  "afterRepair",
  "afterRepairError",
  "beforeInfo",
  "afterInfo",
  "afterInfoError",
  "afterMigrateOperationFinish",
  "afterInfoOperationFinish",
  "createSchema",
  "beforeCreateSchema",
  "beforeConnect",
];

/**
 * A version as MigrationVersion.fromVersion accepts it once `_` reads as `.`:
 * parts split at a `.` followed by a digit, each a whole number.
 */
const VERSION_TEXT = /^\d+(?:\.\d+)*$/;

type Prefix = { prefix: string; kind: MigrationKind | "callback" };

// One list per naming settings object: a scan parses every file name with the same one.
const prefixLists = new WeakMap<FlywayNamingSettings, readonly Prefix[]>();

function prefixesOf(naming: FlywayNamingSettings): readonly Prefix[] {
  const known = prefixLists.get(naming);
  if (known) return known;
  const list: Prefix[] = [
    { prefix: naming.sqlMigrationPrefix, kind: "versioned" },
    { prefix: naming.repeatableSqlMigrationPrefix, kind: "repeatable" },
    ...CALLBACK_PREFIXES.map((prefix) => ({ prefix, kind: "callback" as const })),
    { prefix: naming.baselineMigrationPrefix, kind: "baseline" },
  ];
  // ResourceNameParser.populatePrefixes: the longest (hardest to match) first; a stable sort.
  list.sort((a, b) => b.prefix.length - a.prefix.length);
  prefixLists.set(naming, list);
  return list;
}

/** The suffix a name ends with, compared without case (StringUtils.startsAndEndsWith, ResourceNameParser.stripSuffix). */
function suffixOf(name: string, suffixes: readonly string[]): string | undefined {
  const upper = name.toUpperCase();
  return suffixes.find((s) => upper.endsWith(s.toUpperCase()) && name.length > s.length);
}

/**
 * Parses a file name as flyway-core's ResourceNameParser does (Flyway 10), by the
 * naming settings (Flyway's defaults: prefixes V, R and B, separator "__",
 * suffix ".sql", any case). "ignored": not a SQL resource, or a callback, or a
 * valid name too short for the resolvers (`R.sql`); `ok: false` carries
 * Flyway's validity message.
 */
export function parseMigrationName(
  script: string,
  naming: FlywayNamingSettings = DEFAULT_NAMING,
): ParsedName {
  const suffix = suffixOf(script, naming.sqlMigrationSuffixes);
  if (suffix === undefined) return { ok: "ignored" };
  const bare = script.slice(0, script.length - suffix.length);
  const found = prefixesOf(naming).find((p) => p.prefix !== "" && bare.startsWith(p.prefix));
  if (!found) return { ok: false, reason: `Unrecognised migration name format: ${script}` };
  const { prefix, kind } = found;
  const name = bare.slice(prefix.length);
  const separator = naming.sqlMigrationSeparator;
  const at = name.indexOf(separator);
  const left = at >= 0 ? name.slice(0, at) : name;
  const right = at >= 0 ? name.slice(at + separator.length) : "";
  const example = right === "" ? "description" : right;
  const found_ = script.slice(script.length - suffix.length);
  const versioned = kind === "versioned" || kind === "baseline";
  if (!versioned) {
    if (left !== "")
      return {
        ok: false,
        reason: `Invalid repeatable migration / callback name format: ${script} (It cannot contain a version and should look like this: ${prefix}${separator}${example}${found_})`,
      };
  } else if (left === "") {
    return {
      ok: false,
      reason: `Invalid versioned migration name format: ${script} (It must contain a version and should look like this: ${prefix}1.2${separator}${example}${found_})`,
    };
  } else if (!VERSION_TEXT.test(left.replace(/_/g, "."))) {
    return {
      ok: false,
      reason: `Invalid versioned migration name format: ${script} (could not recognise version number ${left})`,
    };
  }
  if (kind === "callback") return { ok: "ignored" };
  // The resolvers take only names longer than prefix + suffix (StringUtils.startsAndEndsWith).
  if (script.length <= prefix.length + suffix.length) return { ok: "ignored" };
  const description = right.replace(/_/g, " ");
  if (!versioned) return { ok: true, file: { kind, type: "SQL", script, description } };
  return {
    ok: true,
    file: {
      kind,
      type: kind === "baseline" ? "SQL_BASELINE" : "SQL",
      script,
      version: left.replace(/_/g, "."),
      rawVersion: left,
      description,
    },
  };
}

// Versions are compared many times each (sorting, matching history rows to files):
// parse each once. Bounded by the distinct versions one process sees.
const parsedVersions = new Map<string, bigint[]>();

function parts(version: string): bigint[] {
  let p = parsedVersions.get(version);
  if (!p) {
    p = version.split(/[._]/).map((x) => BigInt(x));
    parsedVersions.set(version, p);
  }
  return p;
}

/** Flyway's MigrationVersion ordering: numeric per part, missing parts are 0. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// ignoreBOM keeps a BOM in the text, as Java's UTF-8 decoder does; Flyway then drops
// exactly one (a second BOM counts), so the decoder must not drop one of its own. fatal
// makes malformed input an error, as Flyway's decoder reports it. One decoder serves
// every file (decode() without `stream` keeps no state between calls).
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });

/**
 * A migration its encoding cannot decode. Flyway reads migrations through a decoder
 * that reports malformed input (FileSystemResource.read: charset.newDecoder()), so it
 * stops with "Unable to calculate checksum of <file>" (a MalformedInputException)
 * where a replacing decoder would have given a checksum.
 */
export class MalformedInputError extends Error {
  constructor(
    readonly offset: number,
    encoding: MigrationEncoding,
  ) {
    super(`not valid ${encoding} at byte ${offset}`);
    this.name = "MalformedInputError";
  }
}

/** A migration file's text as Flyway decodes it; a MalformedInputError where it cannot. */
export function decodeMigration(content: Buffer, encoding: MigrationEncoding): string {
  if (encoding === "UTF-8") {
    try {
      return utf8.decode(content);
    } catch {
      throw new MalformedInputError(firstInvalidUtf8(content), encoding);
    }
  }
  if (encoding === "US-ASCII") {
    const bad = content.findIndex((b) => b > 0x7f);
    if (bad >= 0) throw new MalformedInputError(bad, encoding);
  }
  // Node's latin1 is ISO-8859-1: every byte is the code point of the same number.
  return content.toString("latin1");
}

/**
 * The checksum Flyway stores for a SQL migration, as a signed 32-bit integer; a
 * MalformedInputError where Flyway cannot compute one.
 */
export function flywayChecksum(
  content: Buffer | string,
  encoding: MigrationEncoding = "UTF-8",
): number {
  let text = typeof content === "string" ? content : decodeMigration(content, encoding);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Concatenating readLine() results is the text with every terminator removed;
  // every \r and \n belongs to a terminator, so none survives.
  const joined = text.replace(/[\r\n]/g, "");
  // Stryker disable next-line StringLiteral: Buffer.from takes an empty encoding name as UTF-8
  return crc32(Buffer.from(joined, "utf8")) | 0;
}
