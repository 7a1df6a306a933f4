/**
 * Schema status from flyway_schema_history and the files on disk: what
 * `flyway info` lists (every migration with Flyway's state) and what
 * `flyway validate` says about it (one error per offending migration). The
 * verdict is validate's. Pure.
 */
import {
  computeInfo,
  type DiskMigration,
  FlywayInfoError,
  type HistoryRow,
  type MigrationInfo,
} from "./flyway-info.js";
import {
  type BuiltinPlaceholders,
  PlaceholderError,
  withPlaceholderChecksums,
} from "./flyway-placeholders.js";
import type { FlywayPlaceholderSettings, Target, ValidatePattern } from "./flyway-settings.js";
import {
  displayName,
  isBaselineType,
  isSyntheticType,
  type MigrationState,
} from "./flyway-states.js";
import { stateIgnored, type ValidateErrorCode, validateMigration } from "./flyway-validate.js";

export type { DiskMigration, HistoryRow } from "./flyway-info.js";

/** One line of `flyway info`, with validate's verdict on it. */
export interface MigrationStatus {
  /** As `flyway info` prints it (MigrationInfoDumper.getCategory): "" for SCHEMA, BASELINE and DELETE rows. */
  category: "Versioned" | "Repeatable" | "Baseline" | "";
  /** The table's Undoable column: "No" for a versioned line (no undo migrations are read), else "". */
  undoable: "No" | "";
  /** The version as written (a file's name, else the row's): Flyway's info JSON `rawVersion`. */
  rawVersion?: string;
  version?: string;
  description: string;
  /** The history row's type (SQL, BASELINE, DELETE…), else the file's (SQL). */
  type: string;
  script: string;
  /** Flyway's display name, as `flyway info` prints it ("Success", "Ignored (Baseline)"). */
  state: string;
  /** Flyway's MigrationState constant ("SUCCESS", "BASELINE_IGNORED"). */
  stateCode: MigrationState;
  checksumOnDisk: number | null;
  checksumInHistory: number | null;
  installedRank: number | null;
  installedOn: string | null;
  installedBy: string | null;
  executionTime: number | null;
  /** The group of the location its file is in; none for a history row without a file. */
  group?: string;
  /** Where its file is on disk; none for a history row without a file. */
  filepath?: string;
  /** What `flyway validate` reports for this migration, when anything. */
  validateError?: string;
}

interface StatusOptions {
  target: Target;
  outOfOrder: boolean;
  ignorePatterns: readonly ValidatePattern[];
  allowPending: boolean;
  /**
   * How repeatables' placeholders are replaced before their checksum is taken;
   * without it, repeatables are checksummed as written.
   */
  replacing?: { settings: FlywayPlaceholderSettings; builtins: BuiltinPlaceholders };
  /** The schema the history is read in, when it does not exist yet (Flyway creates it on migrate). */
  missingSchema?: string;
}

export interface StatusError {
  code: ValidateErrorCode | "INFO" | "INVALID_MIGRATION_NAME" | "SCHEMA_DOES_NOT_EXIST";
  message: string;
  /** The state of the migration it is about. */
  stateCode?: MigrationState;
}

export interface DatabaseStatus {
  /** The current schema version (flyway-core current()), undefined before any. */
  currentVersion: string | undefined;
  migrations: MigrationStatus[];
  /** How many migrations are in each state, by Flyway's display name. */
  counts: Record<string, number>;
  /** validate's errors, and anything that stops Flyway from reporting at all (code INFO). */
  errors: StatusError[];
  /** True when `flyway validate` would pass. */
  healthy: boolean;
}

function toStatus(info: MigrationInfo, validateError: string | undefined): MigrationStatus {
  const { applied, resolved } = info;
  // Stryker disable next-line OptionalChaining: a line without a row always has its file
  const version = applied ? (applied.version ?? undefined) : resolved?.version;
  const type = applied ? applied.type : resolved!.type;
  return {
    category: isSyntheticType(type)
      ? ""
      : version === undefined
        ? "Repeatable"
        : isBaselineType(type)
          ? "Baseline"
          : "Versioned",
    undoable: version !== undefined && type !== "DELETE" && info.state !== "DELETED" ? "No" : "",
    ...(version !== undefined
      ? // Stryker disable next-line OptionalChaining: a line without a row always has its file
        { version, rawVersion: applied ? version : (resolved?.rawVersion ?? version) }
      : {}),
    description: applied ? applied.description : resolved!.description,
    type,
    script: applied ? applied.script : resolved!.script,
    state: displayName(info.state),
    stateCode: info.state,
    checksumOnDisk: resolved?.checksum ?? null,
    checksumInHistory: applied?.checksum ?? null,
    installedRank: applied?.installed_rank ?? null,
    installedOn: applied?.installed_on ?? null,
    installedBy: applied?.installed_by ?? null,
    executionTime: applied?.execution_time ?? null,
    ...(resolved?.group ? { group: resolved.group } : {}),
    ...(resolved?.physicalLocation ? { filepath: resolved.physicalLocation } : {}),
    ...(validateError ? { validateError } : {}),
  };
}

function countStates(migrations: readonly MigrationStatus[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of migrations) counts[m.state] = (counts[m.state] ?? 0) + 1;
  return counts;
}

export function computeStatus(
  history: readonly HistoryRow[],
  disk: readonly DiskMigration[],
  options: StatusOptions,
): DatabaseStatus {
  let info: ReturnType<typeof computeInfo>;
  try {
    const files = options.replacing
      ? withPlaceholderChecksums(disk, options.replacing.settings, options.replacing.builtins)
      : disk;
    info = computeInfo(history, files, options);
  } catch (error) {
    if (!(error instanceof FlywayInfoError) && !(error instanceof PlaceholderError)) throw error;
    return {
      currentVersion: undefined,
      migrations: [],
      counts: {},
      errors: [{ code: "INFO", message: error.message }],
      healthy: false,
    };
  }
  const errors: StatusError[] = [];
  if (options.missingSchema !== undefined) {
    // DbValidate.validate: without its schema, validate compares nothing; one error when
    // there are migrations to apply and pending ones are not ignored.
    const pendingIgnored = options.allowPending || stateIgnored(options.ignorePatterns, "PENDING");
    if (disk.length > 0 && !pendingIgnored)
      errors.push({
        code: "SCHEMA_DOES_NOT_EXIST",
        message: `Schema "${options.missingSchema}" doesn't exist yet`,
      });
    const migrations = info.migrations.map((m) => toStatus(m, undefined));
    return {
      currentVersion: info.currentVersion,
      migrations,
      counts: countStates(migrations),
      errors,
      healthy: errors.length === 0,
    };
  }
  const migrations = info.migrations.map((m) => {
    const error = validateMigration(m, {
      ignorePatterns: options.ignorePatterns,
      allowPending: options.allowPending,
      appliedBaseline: info.appliedBaseline,
    });
    if (error) errors.push({ ...error, stateCode: m.state });
    return toStatus(m, error?.message);
  });
  return {
    currentVersion: info.currentVersion,
    migrations,
    counts: countStates(migrations),
    errors,
    healthy: errors.length === 0,
  };
}
