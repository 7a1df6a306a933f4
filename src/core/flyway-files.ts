/**
 * Flyway's own rules, reproduced without a JVM: migration file naming, version
 * parsing and ordering, descriptions, and the checksum Flyway stores.
 *
 * Naming (Flyway docs, "Migrations → Naming"): `V<version>__<description>.sql`
 * for versioned and `R__<description>.sql` for repeatable migrations. Version
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
import type { MigrationEncoding } from "./flyway-settings.js";
import { firstInvalidUtf8 } from "./printable.js";

export type MigrationKind = "versioned" | "repeatable";

export interface MigrationFile {
  kind: MigrationKind;
  script: string;
  /** Dotted version as Flyway writes it to the history table ("1.1"); undefined for repeatables. */
  version?: string;
  description: string;
}

const VERSIONED = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;

export type ParsedName =
  | { ok: true; file: MigrationFile }
  | { ok: false; reason: string }
  | { ok: "ignored" };

/** Parses a file name by Flyway's default conventions (prefixes V and R, separator "__", suffix ".sql"). */
export function parseMigrationName(script: string): ParsedName {
  if (!script.endsWith(".sql")) return { ok: "ignored" };
  const v = VERSIONED.exec(script);
  if (v)
    return {
      ok: true,
      file: {
        kind: "versioned",
        script,
        version: v[1]!.replace(/_/g, "."),
        description: v[2]!.replace(/_/g, " "),
      },
    };
  const r = REPEATABLE.exec(script);
  if (r)
    return {
      ok: true,
      file: { kind: "repeatable", script, description: r[1]!.replace(/_/g, " ") },
    };
  if (/^[VR]/.test(script)) {
    return {
      ok: false,
      reason: `${script}: not a valid Flyway migration name (expected V<version>__<description>.sql or R__<description>.sql)`,
    };
  }
  return { ok: "ignored" };
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

function decode(content: Buffer, encoding: MigrationEncoding): string {
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
  let text = typeof content === "string" ? content : decode(content, encoding);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Concatenating readLine() results is the text with every terminator removed;
  // every \r and \n belongs to a terminator, so none survives.
  const joined = text.replace(/[\r\n]/g, "");
  return crc32(Buffer.from(joined, "utf8")) | 0;
}
