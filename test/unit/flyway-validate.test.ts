/**
 * `flyway validate`'s verdict on one line of `flyway info`, case by case, with
 * Flyway 10's messages (flyway-core MigrationInfoImpl.validate(), ErrorCode), and
 * the schema-missing verdict of DbValidate: what `flyway-status` and `verify`
 * report and exit on.
 */
import { describe, expect, it } from "vitest";
import type { DiskMigration, HistoryRow, MigrationInfo } from "../../src/core/flyway-info.js";
import type { ValidatePattern } from "../../src/core/flyway-settings.js";
import type { MigrationState } from "../../src/core/flyway-states.js";
import { computeStatus } from "../../src/core/flyway-status.js";
import {
  checksumMatching,
  stateIgnored,
  type ValidateOptions,
  validateMigration,
} from "../../src/core/flyway-validate.js";

const pattern = (text: string): ValidatePattern => {
  const [type, state] = text.split(":") as [ValidatePattern["type"], ValidatePattern["state"]];
  return { type, state, text };
};
const strict: ValidateOptions = {
  ignorePatterns: [],
  allowPending: false,
  appliedBaseline: undefined,
};
const ignoring = (...texts: string[]): ValidateOptions => ({
  ...strict,
  ignorePatterns: texts.map(pattern),
});

/** computeStatus's options: every migration up to the latest, in order, none ignored. */
const statusOptions = (allowPending: boolean) => ({
  target: { kind: "latest" } as const,
  outOfOrder: false,
  ignorePatterns: [],
  allowPending,
});
const file = (over: Partial<DiskMigration> = {}): DiskMigration => ({
  kind: "versioned",
  type: "SQL",
  script: "V2__Add_users.sql",
  version: "2",
  rawVersion: "2",
  description: "Add users",
  checksum: 100,
  ...over,
});
const repeatableFile = (over: Partial<DiskMigration> = {}): DiskMigration =>
  file({
    kind: "repeatable",
    script: "R__Views.sql",
    version: undefined,
    rawVersion: undefined,
    description: "Views",
    ...over,
  });
const row = (over: Partial<HistoryRow> = {}): HistoryRow => ({
  installed_rank: 2,
  version: "2",
  description: "Add users",
  type: "SQL",
  script: "V2__Add_users.sql",
  checksum: 100,
  success: true,
  ...over,
});
const repeatableRow = (over: Partial<HistoryRow> = {}): HistoryRow =>
  row({ version: null, description: "Views", script: "R__Views.sql", ...over });
const info = (
  state: MigrationState,
  resolved?: DiskMigration,
  applied?: HistoryRow,
): MigrationInfo => ({
  state,
  ...(resolved ? { resolved } : {}),
  ...(applied ? { applied } : {}),
  deleted: false,
  outOfOrder: false,
});

const REMOVE =
  "Please remove any half-completed changes then run repair to fix the schema history.";
const REVERT =
  "Either revert the changes to the migration, or run repair to update the schema history.";

describe("validateMigration: failed migrations", () => {
  it("a failed versioned migration names its version and description", () => {
    expect(validateMigration(info("FAILED", file(), row({ success: false })), strict)).toEqual({
      code: "FAILED_VERSIONED_MIGRATION",
      message: `Detected failed migration to version 2 (Add users). ${REMOVE}`,
    });
  });

  it("a failed repeatable migration names its description", () => {
    expect(
      validateMigration(
        info("FAILED", repeatableFile(), repeatableRow({ success: false })),
        strict,
      ),
    ).toEqual({
      code: "FAILED_REPEATABLE_MIGRATION",
      message: `Detected failed repeatable migration: Views. ${REMOVE}`,
    });
  });

  it("Failed (Future) is an error unless future migrations are ignored; Failed (Missing) always", () => {
    const future = info("FUTURE_FAILED", undefined, row({ version: "9", success: false }));
    expect(validateMigration(future, strict)?.code).toBe("FAILED_VERSIONED_MIGRATION");
    expect(validateMigration(future, ignoring("*:future"))).toBeUndefined();
    expect(
      validateMigration(future, ignoring("versioned:future", "repeatable:future")),
    ).toBeUndefined();
    expect(validateMigration(future, ignoring("versioned:future"))?.code).toBe(
      "FAILED_VERSIONED_MIGRATION",
    );
    const missing = info("MISSING_FAILED", undefined, row({ success: false }));
    expect(validateMigration(missing, ignoring("*:missing"))?.code).toBe(
      "FAILED_VERSIONED_MIGRATION",
    );
  });
});

describe("validateMigration: applied, no file", () => {
  it("Missing is an error naming the version, or a repeatable's description", () => {
    expect(validateMigration(info("MISSING_SUCCESS", undefined, row()), strict)).toEqual({
      code: "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
      message:
        "Detected applied migration not resolved locally: 2. If you removed this migration intentionally, run repair to mark the migration as deleted.",
    });
    expect(validateMigration(info("MISSING_SUCCESS", undefined, repeatableRow()), strict)).toEqual({
      code: "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED",
      message:
        "Detected applied migration not resolved locally: Views. If you removed this migration intentionally, run repair to mark the migration as deleted.",
    });
  });

  it("Missing and Future are fine when ignored for their kind", () => {
    const missing = info("MISSING_SUCCESS", undefined, row());
    expect(validateMigration(missing, ignoring("*:missing"))).toBeUndefined();
    expect(validateMigration(missing, ignoring("versioned:missing"))).toBeUndefined();
    expect(validateMigration(missing, ignoring("repeatable:missing"))?.code).toBe(
      "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
    );
    const future = info("FUTURE_SUCCESS", undefined, row({ version: "9" }));
    expect(validateMigration(future, strict)?.code).toBe(
      "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
    );
    expect(validateMigration(future, ignoring("*:future"))).toBeUndefined();
  });

  it("rows without a file behind them (schema, baseline, delete) and superseded ones are fine", () => {
    for (const type of ["SCHEMA", "BASELINE"])
      expect(validateMigration(info("SUCCESS", undefined, row({ type })), strict)).toBeUndefined();
    expect(
      validateMigration(info("BASELINE", undefined, row({ type: "BASELINE" })), strict),
    ).toBeUndefined();
    expect(
      validateMigration(info("SUPERSEDED", undefined, repeatableRow({ checksum: 1 })), strict),
    ).toBeUndefined();
  });

  it("Deleted and Above Target are fine whatever else holds", () => {
    expect(validateMigration(info("DELETED", undefined, row()), strict)).toBeUndefined();
    expect(validateMigration(info("ABOVE_TARGET", file()), strict)).toBeUndefined();
  });
});

describe("validateMigration: files not applied", () => {
  it("Ignored is an error, with how to ignore it or apply it out of order", () => {
    expect(validateMigration(info("IGNORED", file()), strict)).toEqual({
      code: "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
      message:
        "Detected resolved migration not applied to database: 2. To ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
    });
    expect(validateMigration(info("IGNORED", repeatableFile()), strict)).toEqual({
      code: "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED",
      message:
        "Detected resolved repeatable migration not applied to database: Views. To ignore this migration, set -ignoreMigrationPatterns='*:ignored'.",
    });
    expect(validateMigration(info("IGNORED", file()), ignoring("*:ignored"))).toBeUndefined();
    // Ignored is an error even when pending ones are allowed.
    expect(
      validateMigration(info("IGNORED", file()), { ...strict, allowPending: true })?.code,
    ).toBe("RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
  });

  it("an ignored baseline migration is not an error", () => {
    expect(
      validateMigration(info("IGNORED", file({ type: "SQL_BASELINE" })), strict),
    ).toBeUndefined();
  });

  it("Pending is an error unless pending ones are allowed or ignored", () => {
    expect(validateMigration(info("PENDING", file()), strict)).toEqual({
      code: "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
      message:
        "Detected resolved migration not applied to database: 2. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
    });
    expect(validateMigration(info("PENDING", repeatableFile()), strict)).toEqual({
      code: "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED",
      message:
        "Detected resolved repeatable migration not applied to database: Views. To fix this error, either run migrate, or set -ignoreMigrationPatterns='*:pending'.",
    });
    expect(
      validateMigration(info("PENDING", file()), { ...strict, allowPending: true }),
    ).toBeUndefined();
    expect(validateMigration(info("PENDING", file()), ignoring("*:pending"))).toBeUndefined();
  });

  it("Outdated is an error unless pending ones are allowed", () => {
    const outdated = info("OUTDATED", repeatableFile({ checksum: 7 }), repeatableRow());
    expect(validateMigration(outdated, strict)).toEqual({
      code: "OUTDATED_REPEATABLE_MIGRATION",
      message:
        "Detected outdated resolved repeatable migration that should be re-applied to database: Views. Run migrate to execute this migration.",
    });
    expect(validateMigration(outdated, { ...strict, allowPending: true })).toBeUndefined();
    // Versioned and repeatable patterns for pending together ignore it; one alone does not.
    expect(
      validateMigration(outdated, ignoring("versioned:pending", "repeatable:pending")),
    ).toBeUndefined();
    expect(validateMigration(outdated, ignoring("repeatable:pending"))?.code).toBe(
      "OUTDATED_REPEATABLE_MIGRATION",
    );
  });
});

describe("validateMigration: an applied migration against its file", () => {
  it("a changed type is reported before a changed checksum", () => {
    expect(
      validateMigration(info("SUCCESS", file({ checksum: 5 }), row({ type: "JDBC" })), strict),
    ).toEqual({
      code: "TYPE_MISMATCH",
      message: `Migration type mismatch for migration version 2\n-> Applied to database : JDBC\n-> Resolved locally    : SQL. ${REVERT}`,
    });
  });

  it("a changed checksum names both checksums", () => {
    expect(validateMigration(info("SUCCESS", file({ checksum: 5 }), row()), strict)).toEqual({
      code: "CHECKSUM_MISMATCH",
      message: `Migration checksum mismatch for migration version 2\n-> Applied to database : 100\n-> Resolved locally    : 5. ${REVERT}`,
    });
  });

  it("a changed description names both descriptions; a repeatable is named by its script", () => {
    expect(
      validateMigration(info("SUCCESS", file({ description: "Add people" }), row()), strict),
    ).toEqual({
      code: "DESCRIPTION_MISMATCH",
      message: `Migration description mismatch for migration version 2\n-> Applied to database : Add users\n-> Resolved locally    : Add people. ${REVERT}`,
    });
    expect(
      validateMigration(
        info("SUCCESS", repeatableFile({ description: "Views2" }), repeatableRow()),
        strict,
      )?.message,
    ).toMatch(/^Migration description mismatch for migration R__Views\.sql\n/);
  });

  it("a row without a checksum matches any file", () => {
    expect(
      validateMigration(info("SUCCESS", file(), row({ checksum: null })), strict),
    ).toBeUndefined();
    expect(checksumMatching(file(), row({ checksum: null }))).toBe(true);
    expect(checksumMatching(file({ checksum: 1 }), row())).toBe(false);
    expect(checksumMatching(file(), row())).toBe(true);
  });

  it("a repeatable's changed checksum is Outdated, not a mismatch, unless pending ones are allowed", () => {
    const changed = repeatableFile({ checksum: 5 });
    expect(validateMigration(info("SUCCESS", changed, repeatableRow()), strict)).toBeUndefined();
    expect(
      validateMigration(info("SUCCESS", changed, repeatableRow()), {
        ...strict,
        allowPending: true,
      })?.code,
    ).toBe("CHECKSUM_MISMATCH");
    for (const state of ["OUTDATED", "SUPERSEDED"] as const)
      expect(
        validateMigration(info(state, changed, repeatableRow()), { ...strict, allowPending: true }),
      ).toBeUndefined();
  });

  it("checks nothing at or below the applied baseline, and everything above it", () => {
    const changed = info("SUCCESS", file({ checksum: 5, description: "Other" }), row());
    expect(validateMigration(changed, { ...strict, appliedBaseline: "2" })).toBeUndefined();
    expect(validateMigration(changed, { ...strict, appliedBaseline: "2.0" })).toBeUndefined();
    expect(validateMigration(changed, { ...strict, appliedBaseline: "3" })).toBeUndefined();
    expect(validateMigration(changed, { ...strict, appliedBaseline: "1.9" })?.code).toBe(
      "CHECKSUM_MISMATCH",
    );
    // A repeatable has no version: the baseline does not cover it.
    expect(
      validateMigration(info("SUCCESS", repeatableFile({ description: "X" }), repeatableRow()), {
        ...strict,
        appliedBaseline: "3",
      })?.code,
    ).toBe("DESCRIPTION_MISMATCH");
  });

  it("a DELETE row is not compared with a file", () => {
    expect(
      validateMigration(info("SUCCESS", file({ checksum: 5 }), row({ type: "DELETE" })), strict),
    ).toBeUndefined();
  });

  it("an empty description matches Flyway's no-description marker, and only an empty one", () => {
    const marker = row({ description: "<< no description >>" });
    expect(
      validateMigration(info("SUCCESS", file({ description: "" }), marker), strict),
    ).toBeUndefined();
    expect(
      validateMigration(info("SUCCESS", file({ description: "x" }), marker), strict)?.code,
    ).toBe("DESCRIPTION_MISMATCH");
  });

  it("compares a long description as the history column holds it: 197 characters and '...'", () => {
    const long = "d".repeat(201);
    const stored = row({ description: `${"d".repeat(197)}...` });
    expect(
      validateMigration(info("SUCCESS", file({ description: long }), stored), strict),
    ).toBeUndefined();
    const exactly200 = "e".repeat(200);
    expect(
      validateMigration(
        info("SUCCESS", file({ description: exactly200 }), row({ description: exactly200 })),
        strict,
      ),
    ).toBeUndefined();
  });
});

describe("stateIgnored (ValidatePatternUtils)", () => {
  it("*:<state>, or a pattern for each kind; one kind alone or another state does not", () => {
    expect(stateIgnored([pattern("*:pending")], "PENDING")).toBe(true);
    expect(stateIgnored([pattern("*:*")], "PENDING")).toBe(true);
    expect(
      stateIgnored([pattern("versioned:pending"), pattern("repeatable:pending")], "PENDING"),
    ).toBe(true);
    expect(stateIgnored([pattern("versioned:pending")], "PENDING")).toBe(false);
    expect(stateIgnored([pattern("repeatable:pending")], "PENDING")).toBe(false);
    expect(stateIgnored([pattern("*:missing")], "PENDING")).toBe(false);
    expect(stateIgnored([], "PENDING")).toBe(false);
  });
});

describe("computeStatus when the schema does not exist yet", () => {
  const options = {
    ...statusOptions(false),
    missingSchema: "app",
  };

  it("is one error when there are migrations to apply, and lists them as pending", () => {
    const s = computeStatus([], [file()], options);
    expect(s.errors).toEqual([
      { code: "SCHEMA_DOES_NOT_EXIST", message: 'Schema "app" doesn\'t exist yet' },
    ]);
    expect(s.healthy).toBe(false);
    expect(s.migrations.map((m) => [m.script, m.state])).toEqual([
      ["V2__Add_users.sql", "Pending"],
    ]);
    expect(s.migrations[0]?.validateError).toBeUndefined();
    expect(s.counts).toEqual({ Pending: 1 });
  });

  it("is healthy with no migrations, or when pending ones are allowed or ignored", () => {
    expect(computeStatus([], [], options)).toMatchObject({
      errors: [],
      healthy: true,
      migrations: [],
    });
    expect(computeStatus([], [file()], { ...options, allowPending: true })).toMatchObject({
      errors: [],
      healthy: true,
    });
    expect(
      computeStatus([], [file()], { ...options, ignorePatterns: [pattern("*:pending")] }).healthy,
    ).toBe(true);
  });
});

describe("computeStatus when Flyway could not list the migrations", () => {
  it("reports the one error, no lines and no counts", () => {
    const options = statusOptions(true);
    const s = computeStatus(
      [],
      [file(), file({ script: "V2__Other.sql", description: "Other" })],
      options,
    );
    expect(s).toEqual({
      currentVersion: undefined,
      migrations: [],
      counts: {},
      errors: [
        {
          code: "INFO",
          message: expect.stringMatching(/^Found more than one migration with version 2 /),
        },
      ],
      healthy: false,
    });
  });

  it("counts each state of the lines it lists, and keeps each error's state", () => {
    const options = statusOptions(false);
    const s = computeStatus(
      [row({ installed_rank: 1, version: "1", script: "V1__A.sql", description: "A" })],
      [
        file({ version: "1", rawVersion: "1", script: "V1__A.sql", description: "A" }),
        file(),
        file({ version: "3", rawVersion: "3", script: "V3__C.sql", description: "C" }),
      ],
      options,
    );
    expect(s.counts).toEqual({ Success: 1, Pending: 2 });
    expect(s.errors.map((e) => [e.code, e.stateCode])).toEqual([
      ["RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED", "PENDING"],
      ["RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED", "PENDING"],
    ]);
    expect(s.healthy).toBe(false);
  });
});

describe("computeStatus: where each line's file is", () => {
  it("a line with a file carries its location's group and its path; a row without a file neither", () => {
    const options = statusOptions(true);
    const s = computeStatus(
      [row({ installed_rank: 1, version: "1", script: "V1__A.sql", description: "A" })],
      [file({ group: "schema", physicalLocation: "/w/db/flyway/sql/app/V2__Add_users.sql" })],
      { ...options, ignorePatterns: [pattern("*:missing")] },
    );
    const [missing, pendingLine] = s.migrations;
    expect(pendingLine).toMatchObject({
      group: "schema",
      filepath: "/w/db/flyway/sql/app/V2__Add_users.sql",
    });
    expect(missing).not.toHaveProperty("group");
    expect(missing).not.toHaveProperty("filepath");
  });
});

describe("computeStatus: flyway info's Category, Version and Undoable columns", () => {
  it("fills them per kind of line: a file's version as written, no undo for a deleted or repeatable line", () => {
    const options = statusOptions(true);
    const s = computeStatus(
      [
        row({
          installed_rank: 1,
          version: "0",
          type: "SCHEMA",
          script: '"app"',
          description: "<< Flyway Schema Creation >>",
          checksum: null,
        }),
        row({
          installed_rank: 2,
          version: "1",
          type: "BASELINE",
          script: "<< Flyway Baseline >>",
          description: "<< Flyway Baseline >>",
          checksum: null,
        }),
        row({ installed_rank: 3, version: "2.1", script: "V2_1__Add_users.sql" }),
        row({ installed_rank: 4, version: "3", script: "V3__Gone.sql", description: "Gone" }),
        row({
          installed_rank: 5,
          version: "3",
          script: "V3__Gone.sql",
          description: "Gone",
          type: "DELETE",
        }),
        repeatableRow({ installed_rank: 6 }),
      ],
      [
        file({ version: "2.1", rawVersion: "2_1", script: "V2_1__Add_users.sql" }),
        file({ version: "4", rawVersion: "04", script: "V04__Next.sql", description: "Next" }),
        file({
          kind: "baseline",
          type: "SQL_BASELINE",
          version: "5",
          rawVersion: "5",
          script: "B5__Base.sql",
          description: "Base",
        }),
        repeatableFile(),
      ],
      options,
    );
    expect(
      s.migrations.map((m) => [m.script, m.category, m.version, m.rawVersion, m.undoable, m.state]),
    ).toEqual([
      ['"app"', "", "0", "0", "No", "Success"],
      ["<< Flyway Baseline >>", "", "1", "1", "No", "Baseline"],
      ["V2_1__Add_users.sql", "Versioned", "2.1", "2.1", "No", "Success"],
      ["V3__Gone.sql", "Versioned", "3", "3", "", "Deleted"],
      ["R__Views.sql", "Repeatable", undefined, undefined, "", "Success"],
      ["V04__Next.sql", "Versioned", "4", "04", "No", "Pending"],
      ["B5__Base.sql", "Baseline", "5", "5", "No", "Ignored"],
    ]);
  });
});

describe("computeStatus: what is not Flyway's own error", () => {
  it("is thrown, not reported as a Flyway finding", () => {
    const options = statusOptions(true);
    // A version parseMigrationName would never give: a bug, not a finding.
    expect(() =>
      computeStatus(
        [row({ installed_rank: 1, version: "1" })],
        [file({ version: "x.1" })],
        options,
      ),
    ).toThrow(SyntaxError);
  });
});
