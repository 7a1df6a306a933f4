/**
 * The shapes `flyway info` works on: a history row, a file on disk, and the pair
 * with its state. Types only, below both flyway-info.ts and flyway-info-state.ts.
 */
import type { MigrationFile } from "./flyway-files.js";
import type { MigrationState } from "./flyway-states.js";

/** A row of flyway_schema_history, as Flyway 10 creates the table on PostgreSQL. */
export interface HistoryRow {
  installed_rank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  installed_by?: string;
  /** As stored (TIMESTAMP without time zone), e.g. "2026-01-31 10:00:00.123456". */
  installed_on?: string | null;
  execution_time?: number;
  success: boolean;
}

/** A migration file as Flyway resolves it: name, version, description and checksum. */
export interface DiskMigration extends MigrationFile {
  /** The checksum Flyway records: for a repeatable, of its text after placeholder replacement. */
  checksum: number;
  /**
   * A repeatable's checksum before placeholder replacement, which Flyway accepts
   * too (ResolvedMigrationImpl.equivalentChecksum); undefined for the others.
   */
  equivalentChecksum?: number;
  /** Where the file is on disk (Flyway's physicalLocation, info JSON `filepath`). */
  physicalLocation?: string;
  /** A repeatable's decoded text, for its checksum after placeholder replacement. */
  text?: string;
  /** Its `<script>.conf`'s placeholderReplacement, when set there (over the setting). */
  placeholderReplacement?: boolean;
  /** The group of the Flyway location it was found in (e.g. "schema"). */
  group?: string;
}

/** One line of `flyway info`: a file, a history row, or both. */
export interface MigrationInfo {
  state: MigrationState;
  resolved?: DiskMigration;
  applied?: HistoryRow;
  /** A later DELETE row (written by `repair`) marks this row deleted. */
  deleted: boolean;
  /** A row applied after a higher version had been (flyway-core AppliedMigrationAttributes.outOfOrder). */
  outOfOrder: boolean;
}
