/**
 * The migrations in one Flyway filesystem location, found the way flyway-core's
 * FileSystemScanner finds them (Flyway 10): every subdirectory is read, a hidden
 * one (its name starts with ".") is skipped, a symbolic link to a directory is
 * followed (java.io.File.isDirectory follows links), and an entry that cannot be
 * read is passed over. Names are read by ResourceNameParser's rules
 * (core/flyway-files.ts). Unlike Flyway, an entry that is neither a regular file
 * nor a directory (a FIFO) is skipped rather than opened, so a scan never waits.
 */
import { sep } from "node:path";
import { ConfigError } from "../core/errors.js";
import {
  decodeMigration,
  flywayChecksum,
  MalformedInputError,
  parseMigrationName,
} from "../core/flyway-files.js";
import type { DiskMigration } from "../core/flyway-info.js";
import { parseScriptConfig, type ScriptConfig } from "../core/flyway-script-config.js";
import {
  DEFAULT_NAMING,
  type FlywayNamingSettings,
  type MigrationEncoding,
} from "../core/flyway-settings.js";
import type { FsPort, TreeEntry } from "./host.js";

/**
 * How deep links may lead. A link to a directory above it is a loop; Flyway's
 * recursion never ends there (a StackOverflowError), we stop and say so.
 */
const MAX_DEPTH = 40;
/** Two links to a parent would make the walk exponential before MAX_DEPTH: a bound on directories too. */
const MAX_DIRECTORIES = 5_000;

interface ScannedLocation {
  migrations: DiskMigration[];
  /** Flyway's validity message for each SQL file whose name it cannot read. */
  invalid: string[];
  /** Migrations Flyway cannot read (it stops on the first): why, per file. */
  unreadable: string[];
}

class ScanError extends Error {}

/** Every file under dir, following links to directories, hidden directories left out. */
function filesUnder(
  fs: Pick<FsPort, "list">,
  dir: string,
  depth: number,
  out: TreeEntry[],
  seen: { root: string; directories: number },
): void {
  if (depth > MAX_DEPTH || ++seen.directories > MAX_DIRECTORIES)
    throw new ScanError(
      `${seen.root}: more than ${MAX_DEPTH} directories deep or ${MAX_DIRECTORIES} directories in all (a symbolic link loop?); Flyway's scan of it would not end either`,
    );
  let entries: TreeEntry[];
  try {
    entries = fs.list(dir);
  } catch {
    // FileSystemScanner: a folder it cannot list is skipped.
    return;
  }
  for (const entry of entries) {
    if (entry.isFile) {
      out.push(entry);
      continue;
    }
    const directory = entry.isDirectory || entry.isSymlink;
    if (!directory) continue;
    // #1807 in Flyway: hidden directories (Kubernetes' ..data mounts) are skipped.
    if (entry.name.startsWith(".")) continue;
    // A link that is not to a directory (dangling, or to a FIFO) lists nothing.
    filesUnder(fs, entry.path, depth + 1, out, seen);
  }
}

export function scanLocation(
  fs: Pick<FsPort, "list" | "readBytes">,
  dir: string,
  options: { encoding?: MigrationEncoding; naming?: FlywayNamingSettings } = {},
): ScannedLocation {
  const encoding = options.encoding ?? "UTF-8";
  const naming = options.naming ?? DEFAULT_NAMING;
  const found: ScannedLocation = { migrations: [], invalid: [], unreadable: [] };
  const entries: TreeEntry[] = [];
  try {
    filesUnder(fs, dir, 0, entries, { root: dir, directories: 0 });
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    found.unreadable.push(error.message);
    return found;
  }
  // Flyway keeps resources in a TreeSet of paths.
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const paths = new Set(entries.map((e) => e.path));
  for (const entry of entries) {
    const parsed = parseMigrationName(entry.name, naming);
    if (parsed.ok === "ignored") continue;
    if (parsed.ok === false) {
      found.invalid.push(parsed.reason);
      continue;
    }
    // Flyway records a script by its path relative to the location.
    const script = entry.path
      .slice(dir.length + 1)
      .split(sep)
      .join("/");
    let bytes: Buffer;
    try {
      bytes = fs.readBytes(entry.path);
    } catch {
      // FileSystemScanner reads only files it can read (File.canRead).
      continue;
    }
    // SqlScriptMetadata: a <script>.conf beside it may set its encoding and placeholderReplacement.
    let config: ScriptConfig = {};
    let confBytes: Buffer | undefined;
    if (paths.has(`${entry.path}.conf`)) {
      try {
        confBytes = fs.readBytes(`${entry.path}.conf`);
      } catch {
        // A .conf it cannot read is no resource to Flyway either: the script's defaults apply.
      }
    }
    if (confBytes) {
      try {
        config = parseScriptConfig(decodeMigration(confBytes, encoding), `${script}.conf`);
      } catch (error) {
        if (!(error instanceof ConfigError) && !(error instanceof MalformedInputError)) throw error;
        found.unreadable.push(
          error instanceof ConfigError
            ? error.message
            : `Unable to read ${entry.name}.conf: ${error.message}`,
        );
        continue;
      }
    }
    try {
      const text = decodeMigration(bytes, config.encoding ?? encoding);
      found.migrations.push({
        ...parsed.file,
        ...(config.placeholderReplacement !== undefined
          ? { placeholderReplacement: config.placeholderReplacement }
          : {}),
        script,
        checksum: flywayChecksum(text),
        physicalLocation: entry.path,
        // Repeatables are checksummed again once the placeholders' values are known.
        ...(parsed.file.kind === "repeatable" ? { text } : {}),
      });
    } catch (error) {
      if (!(error instanceof MalformedInputError)) throw error;
      // Flyway names the file alone (Resource.getFilename), wherever in the location it is.
      found.unreadable.push(`Unable to calculate checksum of ${entry.name}: ${error.message}`);
    }
  }
  return found;
}
