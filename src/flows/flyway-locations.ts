/**
 * Where Flyway finds a database's migrations: its schema migrations
 * (<migrations.sqlDir>/<database>) and, when demo seed data is enabled and the
 * database has any, its seed migrations (<migrations.seedDir>/<database>).
 * Flyway treats every location as one set under one history table, so seed
 * scripts must not reuse a schema migration's version or description;
 * repeatable R__ scripts are the natural fit (they run after the versioned ones).
 */
import { join, relative, sep } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { flywayChecksum, MalformedInputError, parseMigrationName } from "../core/flyway-files.js";
import type { MigrationEncoding, ResolvedFlywaySettings } from "../core/flyway-settings.js";
import type { DiskMigration } from "../core/flyway-status.js";
import type { FsPort, TreeEntry } from "./host.js";

export type LocationGroup = "schema" | "seed";

export interface MigrationLocation {
  group: LocationGroup;
  /** Absolute directory. */
  dir: string;
  /** As the user wrote it, relative to the workspace (for output). */
  display: string;
}

export function migrationLocations(
  fs: Pick<FsPort, "exists">,
  resolved: Pick<ResolvedConfig, "config" | "path" | "root">,
  database: string,
  settings?: Pick<ResolvedFlywaySettings, "locations">,
): MigrationLocation[] {
  // Locations the environment or a Flyway config file sets are what Flyway reads, for
  // every database alike (it has no notion of ours); migrations.sqlDir is the default.
  if (settings?.locations)
    return settings.locations.dirs.map((dir) => ({
      group: "schema",
      dir,
      display: relative(resolved.root, dir) || dir,
    }));
  const { sqlDir, seedDir, seedData } = resolved.config.migrations;
  const at = (group: LocationGroup, base: string): MigrationLocation => {
    const dir = join(resolved.path(base), database);
    return { group, dir, display: relative(resolved.root, dir) || dir };
  };
  const out = [at("schema", sqlDir)];
  const seed = at("seed", seedDir);
  if (seedData && fs.exists(seed.dir)) out.push(seed);
  return out;
}

/** The FLYWAY_LOCATIONS value for these locations. */
export const flywayLocations = (locations: readonly MigrationLocation[]): string =>
  locations.map((l) => `filesystem:${l.dir}`).join(",");

export interface LocationFiles {
  migrations: DiskMigration[];
  /** File names Flyway would not read as migrations. */
  invalid: string[];
  /** Migrations Flyway cannot read (it stops on the first): why, per file. */
  unreadable: string[];
}

/** The files of one Flyway filesystem location; like Flyway, subdirectories are read too. */
export function readMigrationDir(
  fs: Pick<FsPort, "listTree" | "readBytes">,
  dir: string,
  encoding: MigrationEncoding = "UTF-8",
): LocationFiles {
  let entries: TreeEntry[];
  try {
    entries = fs.listTree(dir);
  } catch {
    return { migrations: [], invalid: [], unreadable: [] };
  }
  const files = entries
    .map((entry) => ({ entry, full: entry.path }))
    .sort((a, b) => (a.full < b.full ? -1 : a.full > b.full ? 1 : 0));
  const found: LocationFiles = { migrations: [], invalid: [], unreadable: [] };
  for (const { entry, full } of files) {
    const parsed = parseMigrationName(entry.name);
    if (parsed.ok === "ignored") continue;
    if (!entry.isFile) continue;
    if (parsed.ok === false) {
      found.invalid.push(parsed.reason);
      continue;
    }
    // Flyway records a script by its path relative to the location. The listing's paths
    // start with `dir` as given, so cutting it off is relative() without its cost per file.
    const script = (full.startsWith(dir + sep) ? full.slice(dir.length + 1) : relative(dir, full))
      .split(sep)
      .join("/");
    try {
      found.migrations.push({
        ...parsed.file,
        script,
        checksum: flywayChecksum(fs.readBytes(full), encoding),
      });
    } catch (error) {
      if (!(error instanceof MalformedInputError)) throw error;
      // Flyway names the file alone (Resource.getFilename), wherever in the location it is.
      found.unreadable.push(`Unable to calculate checksum of ${entry.name}: ${error.message}`);
    }
  }
  return found;
}
