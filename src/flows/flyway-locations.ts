/**
 * Where Flyway finds a database's migrations: its schema migrations
 * (<migrations.sqlDir>/<database>) and, when demo seed data is enabled and the
 * database has any, its seed migrations (<migrations.seedDir>/<database>).
 * Flyway treats every location as one set under one history table, so seed
 * scripts must not reuse a schema migration's version or description;
 * repeatable R__ scripts are the natural fit (they run after the versioned ones).
 */
import { join, relative } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import type { ResolvedFlywaySettings } from "../core/flyway-settings.js";
import type { FsPort } from "./host.js";

type LocationGroup = "schema" | "seed";

interface MigrationLocation {
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
