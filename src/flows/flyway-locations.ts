/**
 * Where Flyway finds a database's migrations: <migrations.sqlDir>/<database>.
 * Flyway reads every location of a database into one set under one history
 * table; each location carries a group name so output can tell them apart.
 */
import { join, relative } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";

export type LocationGroup = "schema";

export interface MigrationLocation {
  group: LocationGroup;
  /** Absolute directory. */
  dir: string;
  /** As the user wrote it, relative to the workspace (for output). */
  display: string;
}

export function migrationLocations(
  resolved: ResolvedConfig,
  database: string,
): MigrationLocation[] {
  const dir = join(resolved.path(resolved.config.migrations.sqlDir), database);
  return [{ group: "schema", dir, display: relative(resolved.root, dir) || dir }];
}

/** The FLYWAY_LOCATIONS value for these locations. */
export const flywayLocations = (locations: readonly MigrationLocation[]): string =>
  locations.map((l) => `filesystem:${l.dir}`).join(",");
