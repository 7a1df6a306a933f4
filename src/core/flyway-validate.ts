/**
 * `flyway validate` without a JVM: the error, if any, Flyway reports for each
 * line of `flyway info`, by flyway-core's `MigrationInfoImpl.validate()`
 * (Flyway 10). Pure.
 *
 * In order: Above Target and Deleted are fine; a state matched by an
 * ignoreMigrationPatterns pattern is fine; a failed migration is an error,
 * except Failed (Future) while future migrations are ignored; an applied
 * migration without its file (Missing, Future) is an error unless missing or
 * future ones are ignored; Ignored is an error (not for a baseline migration);
 * Pending and Outdated are errors unless pending ones are ignored (`*:pending`,
 * or `migrate`'s own check before it migrates); an applied migration whose file
 * differs in type, checksum or description is an error — only above the
 * baseline, and for a repeatable the checksum only when pending ones are
 * ignored. "Ignored" for a kind of state follows flyway-core
 * `ValidatePatternUtils`: the pattern `*:<state>`, or both
 * `versioned:<state>` and `repeatable:<state>`. The messages follow Flyway's,
 * on one line.
 */

import { compareVersions } from "./flyway-files.js";
import type { DiskMigration, HistoryRow, MigrationInfo } from "./flyway-info.js";
import { patternMatches, type ValidatePattern } from "./flyway-settings.js";
import { isBaselineType, isFailed, isSyntheticType, type MigrationState } from "./flyway-states.js";

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

interface ValidateError {
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

/** ValidatePatternUtils.is<State>Ignored: `*:<state>`, or a pattern for each kind. */
export function stateIgnored(patterns: readonly ValidatePattern[], state: MigrationState): boolean {
  return (
    // A `*` pattern also matches both kinds below; this line states Flyway's first rule.
    // Stryker disable next-line ArrowFunction,BooleanLiteral,StringLiteral: the rule below covers it
    patterns.some((p) => patternMatches(p, true, state) && p.type === "*") ||
    (patterns.some((p) => patternMatches(p, true, state)) &&
      patterns.some((p) => patternMatches(p, false, state)))
  );
}

/**
 * MigrationInfo.isChecksumMatching (Flyway >= 10.17.2): a NULL on either side
 * matches; else the file's checksum (after placeholders, for a repeatable) must
 * equal the row's.
 */
export function checksumMatching(resolved: DiskMigration, row: HistoryRow): boolean {
  return row.checksum === null || resolved.checksum === row.checksum;
}

export function validateMigration(
  info: MigrationInfo,
  options: ValidateOptions,
): ValidateError | undefined {
  const { state, resolved, applied } = info;
  // Stryker disable next-line OptionalChaining: a line without a row always has its file
  const version = applied ? (applied.version ?? undefined) : resolved?.version;
  // Stryker disable next-line OptionalChaining,StringLiteral: a line without a row always has its file, whose description is a string
  const description = applied ? applied.description : (resolved?.description ?? "");
  if (state === "ABOVE_TARGET" || state === "DELETED") return undefined;
  if (options.ignorePatterns.some((p) => patternMatches(p, version !== undefined, state)))
    return undefined;
  // `migrate` validates with pending ones allowed (DbValidate with *:pending added).
  const pendingIgnored = options.allowPending || stateIgnored(options.ignorePatterns, "PENDING");
  const futureIgnored = stateIgnored(options.ignorePatterns, "FUTURE_SUCCESS");
  const missingIgnored = stateIgnored(options.ignorePatterns, "MISSING_SUCCESS");

  if (isFailed(state) && !(futureIgnored && state === "FUTURE_FAILED")) {
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

  if (
    !resolved &&
    applied &&
    !isSyntheticType(applied.type) &&
    state !== "SUPERSEDED" &&
    !(missingIgnored && (state === "MISSING_SUCCESS" || state === "MISSING_FAILED")) &&
    !(futureIgnored && (state === "FUTURE_SUCCESS" || state === "FUTURE_FAILED"))
  ) {
    return {
      code:
        version === undefined
          ? "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED"
          : "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
      message: `Detected applied migration not resolved locally: ${version ?? description}. If you removed this migration intentionally, run repair to mark the migration as deleted.`,
    };
  }

  if (state === "IGNORED" && !(resolved && isBaselineType(resolved.type))) {
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

  if (!pendingIgnored && state === "PENDING") {
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

  if (!pendingIgnored && state === "OUTDATED") {
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
      if (applied.type !== resolved.type)
        return {
          code: "TYPE_MISMATCH",
          message: mismatch("type", id, applied.type, resolved.type),
        };
      const checkChecksum =
        resolved.version !== undefined ||
        (pendingIgnored && state !== "OUTDATED" && state !== "SUPERSEDED");
      if (checkChecksum && !checksumMatching(resolved, applied))
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
