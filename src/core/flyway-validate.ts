/**
 * `flyway validate` without a JVM: the error, if any, Flyway reports for each
 * line of `flyway info`, by flyway-core's `MigrationInfoImpl.validate()`
 * (Flyway 10). Pure.
 *
 * In order: Above Target and Deleted are fine; a state matched by an
 * ignoreMigrationPatterns pattern is fine; a failed migration is an error; an
 * applied migration without its file (Missing, Future) is an error; Ignored is
 * an error; Pending and Outdated are errors unless pending is allowed (the
 * validation `migrate` runs before it migrates); an applied migration whose
 * file differs in type, checksum or description is an error — only above the
 * baseline, and for a repeatable the checksum only when pending is allowed.
 * The messages follow Flyway's, on one line.
 */

import { compareVersions } from "./flyway-files.js";
import type { HistoryRow, MigrationInfo } from "./flyway-info.js";
import { patternMatches, type ValidatePattern } from "./flyway-settings.js";
import { isFailed, isSyntheticType } from "./flyway-states.js";

export type ValidateErrorCode =
  | "FAILED_VERSIONED_MIGRATION"
  | "FAILED_REPEATABLE_MIGRATION"
  | "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED"
  | "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED"
  | "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"
  | "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED"
  | "OUTDATED_REPEATABLE_MIGRATION"
  | "TYPE_MISMATCH"
  | "CHECKSUM_MISMATCH"
  | "DESCRIPTION_MISMATCH";

export interface ValidateError {
  code: ValidateErrorCode;
  message: string;
}

export interface ValidateOptions {
  ignorePatterns: readonly ValidatePattern[];
  allowPending: boolean;
  /** The highest BASELINE row's version: mismatches at or below it are not checked. */
  appliedBaseline: string | undefined;
}

/** SchemaHistory.NO_DESCRIPTION_MARKER: written where a database cannot store an empty description. */
const NO_DESCRIPTION = "<< no description >>";

/** AbbreviationUtils.abbreviateDescription: the history column holds 200 characters. */
const abbreviate = (d: string) => (d.length <= 200 ? d : `${d.slice(0, 197)}...`);

function descriptionMismatch(fileDescription: string, row: HistoryRow): boolean {
  if (row.description === NO_DESCRIPTION) return fileDescription !== "";
  return abbreviate(fileDescription) !== row.description;
}

const mismatch = (what: string, id: string, applied: unknown, resolved: unknown) =>
  `Migration ${what} mismatch for migration ${id}\n-> Applied to database : ${applied}\n-> Resolved locally    : ${resolved}. Either revert the changes to the migration, or run repair to update the schema history.`;

export function validateMigration(
  info: MigrationInfo,
  options: ValidateOptions,
): ValidateError | undefined {
  const { state, resolved, applied } = info;
  const version = applied ? (applied.version ?? undefined) : resolved?.version;
  const description = applied ? applied.description : (resolved?.description ?? "");
  if (state === "ABOVE_TARGET" || state === "DELETED") return undefined;
  if (options.ignorePatterns.some((p) => patternMatches(p, version !== undefined, state)))
    return undefined;

  if (isFailed(state)) {
    return version === undefined
      ? {
          code: "FAILED_REPEATABLE_MIGRATION",
          message: `Detected failed repeatable migration: ${description}. Please remove any half-completed changes then run repair to fix the schema history.`,
        }
      : {
          code: "FAILED_VERSIONED_MIGRATION",
          message: `Detected failed migration to version ${version} (${description}). Please remove any half-completed changes then run repair to fix the schema history.`,
        };
  }

  if (!resolved && applied && !isSyntheticType(applied.type) && state !== "SUPERSEDED") {
    return {
      code:
        version === undefined
          ? "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED"
          : "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
      message: `Detected applied migration not resolved locally: ${version ?? description}. If you removed this migration intentionally, run repair to mark the migration as deleted.`,
    };
  }

  if (state === "IGNORED") {
    return version === undefined
      ? {
          code: "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED",
          message: `Detected resolved repeatable migration not applied to database: ${description}. To ignore this migration, set -ignoreMigrationPatterns='*:ignored'.`,
        }
      : {
          code: "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
          message: `Detected resolved migration not applied to database: ${version}. To ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.`,
        };
  }

  if (!options.allowPending && state === "PENDING") {
    return version === undefined
      ? {
          code: "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED",
          message: `Detected resolved repeatable migration not applied to database: ${description}. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.`,
        }
      : {
          code: "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
          message: `Detected resolved migration not applied to database: ${version}. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.`,
        };
  }

  if (!options.allowPending && state === "OUTDATED") {
    return {
      code: "OUTDATED_REPEATABLE_MIGRATION",
      message: `Detected outdated resolved repeatable migration that should be re-applied to database: ${description}. Run migrate to execute this migration.`,
    };
  }

  if (resolved && applied && applied.type !== "DELETE") {
    const id = applied.version === null ? applied.script : `version ${applied.version}`;
    const aboveBaseline =
      applied.version === null ||
      options.appliedBaseline === undefined ||
      compareVersions(applied.version, options.appliedBaseline) > 0;
    if (aboveBaseline) {
      // Files on disk are SQL migrations.
      if (applied.type !== "SQL")
        return { code: "TYPE_MISMATCH", message: mismatch("type", id, applied.type, "SQL") };
      const checkChecksum =
        resolved.version !== undefined ||
        (options.allowPending && state !== "OUTDATED" && state !== "SUPERSEDED");
      if (checkChecksum && resolved.checksum !== applied.checksum)
        return {
          code: "CHECKSUM_MISMATCH",
          message: mismatch("checksum", id, applied.checksum, resolved.checksum),
        };
      if (descriptionMismatch(resolved.description, applied))
        return {
          code: "DESCRIPTION_MISMATCH",
          message: mismatch("description", id, applied.description, resolved.description),
        };
    }
  }
  return undefined;
}
