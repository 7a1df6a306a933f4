/**
 * One table of Flyway situations, shared by the pure unit test of the state
 * machine and the test over a real PostgreSQL. Each case gives the files on
 * disk, the flyway_schema_history rows (as Flyway writes them), the settings,
 * and what Flyway 10 reports: the `flyway info` state of every line, in
 * Flyway's order, and the `flyway validate` outcome (ok, or the error codes of
 * flyway-core's ErrorCode) — with the rule of flyway-core it follows.
 */
import { flywayChecksum } from "../../src/core/flyway-files.js";

export interface CaseRow {
  version: string | null;
  description: string;
  /** SQL unless stated. */
  type?: string;
  script: string;
  /**
   * The checksum of that file's content; of a text (what Flyway checksummed: a
   * repeatable after placeholder replacement); a number; or null (BASELINE, DELETE
   * of a null, rows written before checksums).
   */
  checksum: { of: string } | { text: string } | number | null;
  success?: boolean;
}

export interface FlywayCase {
  name: string;
  /** The flyway-core rule (class.method) or Flyway doc the expectation follows. */
  rule: string;
  files: Record<string, string>;
  /** Rows in installed_rank order (rank = index + 1). */
  rows: CaseRow[];
  env?: Record<string, string>;
  allowPending?: boolean;
  /** `flyway info`: [version or description, state display name], in Flyway's order. */
  info: Array<[string, string]>;
  /** `flyway validate`: "ok" or the error codes, in order. */
  validate: "ok" | string[];
}

const sql = (n: string) => `create table t_${n} (id int);\n`;
const ok = (script: string, version: string | null, description: string): CaseRow => ({
  version,
  description,
  script,
  checksum: { of: script },
});

export const BASELINE_DESCRIPTION = "<< Flyway Baseline >>";
const baselineRow = (version: string): CaseRow => ({
  version,
  description: BASELINE_DESCRIPTION,
  type: "BASELINE",
  script: BASELINE_DESCRIPTION,
  checksum: null,
});

const V1 = "V1__First.sql";
const V1_1 = "V1_1__Between.sql";
const V2 = "V2__Second.sql";
const V3 = "V3__Third.sql";
const V4 = "V4__Fourth.sql";
const R = "R__Summary_view.sql";
const three = { [V1]: sql("1"), [V2]: sql("2"), [V3]: sql("3") };

export const FLYWAY_CASES: FlywayCase[] = [
  {
    name: "nothing applied yet: everything Pending; validate fails without --allow-pending",
    rule: "ResolvedMigration.getState → PENDING; MigrationInfoImpl.validate: PENDING is RESOLVED_*_MIGRATION_NOT_APPLIED unless pending is allowed",
    files: { [V1]: sql("1"), [V2]: sql("2"), [R]: "create view v as select 1;\n" },
    rows: [],
    info: [
      ["1", "Pending"],
      ["2", "Pending"],
      ["Summary view", "Pending"],
    ],
    validate: [
      "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
      "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
      "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED",
    ],
  },
  {
    name: "nothing applied yet, --allow-pending: the check migrate runs before migrating passes",
    rule: "DbValidate with allowPending (ValidationMatch.PENDING): MigrationInfoImpl.validate skips PENDING",
    files: { [V1]: sql("1"), [R]: "create view v as select 1;\n" },
    rows: [],
    allowPending: true,
    info: [
      ["1", "Pending"],
      ["Summary view", "Pending"],
    ],
    validate: "ok",
  },
  {
    name: "FLYWAY_IGNORE_MIGRATION_PATTERNS=*:pending: pending is ignored by pattern",
    rule: "ValidatePattern.matchesMigration('*:pending', PENDING); MigrationInfoImpl.validate returns early on a matching pattern",
    files: { [V1]: sql("1") },
    rows: [],
    env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:pending" },
    info: [["1", "Pending"]],
    validate: "ok",
  },
  {
    name: "all applied with matching checksums: Success",
    rule: "BaseAppliedMigration.getState → SUCCESS; validate: no mismatch",
    files: { ...three, [R]: "create view v as select 1;\n" },
    rows: [
      ok(V1, "1", "First"),
      ok(V2, "2", "Second"),
      ok(V3, "3", "Third"),
      ok(R, null, "Summary view"),
    ],
    info: [
      ["1", "Success"],
      ["2", "Success"],
      ["3", "Success"],
      ["Summary view", "Success"],
    ],
    validate: "ok",
  },
  {
    name: "a failed row: Failed",
    rule: "BaseAppliedMigration.getState: !success → FAILED; validate: FAILED_VERSIONED_MIGRATION",
    files: three,
    rows: [ok(V1, "1", "First"), { ...ok(V2, "2", "Second"), success: false }],
    info: [
      ["1", "Success"],
      ["2", "Failed"],
      ["3", "Pending"],
    ],
    validate: ["FAILED_VERSIONED_MIGRATION", "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"],
  },
  {
    name: "an applied file gone, below the latest file: Missing",
    rule: "BaseAppliedMigration.getMissingState: no file, version < lastResolved → MISSING_SUCCESS; validate: APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
    files: { [V2]: sql("2") },
    rows: [{ ...ok(V1, "1", "First"), checksum: 12345 }, ok(V2, "2", "Second")],
    info: [
      ["1", "Missing"],
      ["2", "Success"],
    ],
    validate: ["APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED"],
  },
  {
    name: "Missing with FLYWAY_IGNORE_MIGRATION_PATTERNS=*:missing: validate passes",
    rule: "ValidatePattern '*:missing' matches the display name 'Missing'",
    files: { [V2]: sql("2") },
    rows: [{ ...ok(V1, "1", "First"), checksum: 12345 }, ok(V2, "2", "Second")],
    env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:missing" },
    info: [
      ["1", "Missing"],
      ["2", "Success"],
    ],
    validate: "ok",
  },
  {
    name: "a failed row whose file is gone, below the latest file: Failed (Missing), not ignored by *:missing",
    rule: "getMissingState → MISSING_FAILED (display 'Failed (Missing)'); validate: isFailed → FAILED_VERSIONED_MIGRATION; '*:missing' matches only 'Missing'",
    files: { [V2]: sql("2") },
    rows: [{ ...ok(V1, "1", "First"), checksum: 12345, success: false }, ok(V2, "2", "Second")],
    env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:missing" },
    info: [
      ["1", "Failed (Missing)"],
      ["2", "Success"],
    ],
    validate: ["FAILED_VERSIONED_MIGRATION"],
  },
  {
    name: "a newer branch migrated this database: Future, ignored by the default *:future",
    rule: "getMissingState: no file, version ≥ lastResolved → FUTURE_SUCCESS; ignoreMigrationPatterns defaults to *:future (Flyway docs)",
    files: { [V1]: sql("1"), [V2]: sql("2") },
    rows: [ok(V1, "1", "First"), ok(V2, "2", "Second"), { ...ok(V3, "3", "Third"), checksum: 777 }],
    info: [
      ["1", "Success"],
      ["2", "Success"],
      ["3", "Future"],
    ],
    validate: "ok",
  },
  {
    name: "Future with the patterns cleared (FLYWAY_IGNORE_MIGRATION_PATTERNS=''): validate fails",
    rule: "an empty ignoreMigrationPatterns clears the default (Flyway docs); validate: APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
    files: { [V1]: sql("1") },
    rows: [ok(V1, "1", "First"), { ...ok(V2, "2", "Second"), checksum: 777 }],
    env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "" },
    info: [
      ["1", "Success"],
      ["2", "Future"],
    ],
    validate: ["APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED"],
  },
  {
    name: "a newer branch's migration failed here: Failed (Future), passed over under the default *:future",
    rule: "getMissingState → FUTURE_FAILED (display 'Failed (Future)'); MigrationInfoImpl.validate: isFailed && (!context.isFutureIgnored() || FUTURE_FAILED != state) — *:future ignores it, and the not-resolved check skips FUTURE_* too",
    files: { [V1]: sql("1") },
    rows: [ok(V1, "1", "First"), { ...ok(V2, "2", "Second"), checksum: 777, success: false }],
    info: [
      ["1", "Success"],
      ["2", "Failed (Future)"],
    ],
    validate: "ok",
  },
  {
    name: "Failed (Future) with the patterns cleared: a failed migration",
    rule: "MigrationInfoImpl.validate: isFailed and future not ignored (ValidatePatternUtils.isFutureIgnored is false for no patterns) → FAILED_VERSIONED_MIGRATION",
    files: { [V1]: sql("1") },
    rows: [ok(V1, "1", "First"), { ...ok(V2, "2", "Second"), checksum: 777, success: false }],
    env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "" },
    info: [
      ["1", "Success"],
      ["2", "Failed (Future)"],
    ],
    validate: ["FAILED_VERSIONED_MIGRATION"],
  },
  {
    name: "a file older than the current version, never applied: Ignored, an error even with --allow-pending",
    rule: "ResolvedMigration.getState: version < lastApplied and !outOfOrder → IGNORED; validate: RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
    files: { [V1]: sql("1"), [V1_1]: sql("11"), [V2]: sql("2") },
    rows: [ok(V1, "1", "First"), ok(V2, "2", "Second")],
    allowPending: true,
    info: [
      ["1", "Success"],
      ["2", "Success"],
      ["1.1", "Ignored"],
    ],
    validate: ["RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"],
  },
  {
    name: "the same file with FLYWAY_OUT_OF_ORDER=true: Pending",
    rule: "ResolvedMigration.getState: IGNORED only when !outOfOrder (config outOfOrder)",
    files: { [V1]: sql("1"), [V1_1]: sql("11"), [V2]: sql("2") },
    rows: [ok(V1, "1", "First"), ok(V2, "2", "Second")],
    env: { FLYWAY_OUT_OF_ORDER: "true" },
    info: [
      ["1", "Success"],
      ["2", "Success"],
      ["1.1", "Pending"],
    ],
    validate: ["RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"],
  },
  {
    name: "a row applied after a higher version: Out of Order",
    rule: "MigrationInfoServiceImpl.updateContextFromAppliedVersionedMigrations marks outOfOrder; BaseAppliedMigration.getState → OUT_OF_ORDER",
    files: { [V1]: sql("1"), [V1_1]: sql("11"), [V2]: sql("2") },
    rows: [ok(V1, "1", "First"), ok(V2, "2", "Second"), ok(V1_1, "1.1", "Between")],
    info: [
      ["1", "Success"],
      ["2", "Success"],
      ["1.1", "Out of Order"],
    ],
    validate: "ok",
  },
  {
    name: "a baselined schema: Below Baseline strictly below, Ignored (Baseline) at it, both before the rows",
    rule: "ResolvedMigration.getState: version < appliedBaseline → BELOW_BASELINE, = → BASELINE_IGNORED; the BASELINE row → BASELINE; neither fails validate; MigrationInfoImpl.compareTo puts BELOW_BASELINE and BASELINE_IGNORED before applied rows",
    files: { [V1]: sql("1"), [V2]: sql("2"), [V3]: sql("3"), [V4]: sql("4") },
    rows: [baselineRow("3")],
    allowPending: true,
    info: [
      ["1", "Below Baseline"],
      ["2", "Below Baseline"],
      ["3", "Ignored (Baseline)"],
      ["3", "Baseline"],
      ["4", "Pending"],
    ],
    validate: "ok",
  },
  {
    name: "FLYWAY_TARGET=2: files above the target are Above Target and out of validate's scope",
    rule: "ResolvedMigration.getState: version > target → ABOVE_TARGET; MigrationInfoImpl.validate returns early on ABOVE_TARGET",
    files: three,
    rows: [ok(V1, "1", "First")],
    env: { FLYWAY_TARGET: "2" },
    info: [
      ["1", "Success"],
      ["2", "Pending"],
      ["3", "Above Target"],
    ],
    validate: ["RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED"],
  },
  {
    name: "FLYWAY_TARGET=current: nothing above the current version is considered",
    rule: "MigrationInfoServiceImpl.refresh: target CURRENT becomes lastApplied",
    files: three,
    rows: [ok(V1, "1", "First")],
    env: { FLYWAY_TARGET: "current" },
    info: [
      ["1", "Success"],
      ["2", "Above Target"],
      ["3", "Above Target"],
    ],
    validate: "ok",
  },
  {
    name: "FLYWAY_TARGET=next: only the first pending migration",
    rule: "MigrationInfoServiceImpl.refresh: target NEXT becomes the first pending version",
    files: three,
    rows: [ok(V1, "1", "First")],
    env: { FLYWAY_TARGET: "next" },
    allowPending: true,
    info: [
      ["1", "Success"],
      ["2", "Pending"],
      ["3", "Above Target"],
    ],
    validate: "ok",
  },
  {
    name: "FLYWAY_TARGET=9, a version no migration has: Flyway refuses",
    rule: "MigrationInfoServiceImpl.validateTarget (failOnMissingTarget): 'No migration with a target version 9 could be found'",
    files: three,
    rows: [ok(V1, "1", "First")],
    env: { FLYWAY_TARGET: "9" },
    info: [],
    validate: ["INFO"],
  },
  {
    name: "a repeatable changed since it ran: the row is Outdated and the file Pending",
    rule: "BaseAppliedMigration.getRepeatableState: latest run, checksum differs → OUTDATED; getPendingResolvedRepeatableMigrations keeps the file; validate: OUTDATED_REPEATABLE_MIGRATION and RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED",
    files: { [V1]: sql("1"), [R]: "create view v as select 2;\n" },
    rows: [ok(V1, "1", "First"), { ...ok(R, null, "Summary view"), checksum: 1 }],
    info: [
      ["1", "Success"],
      ["Summary view", "Outdated"],
      ["Summary view", "Pending"],
    ],
    validate: ["OUTDATED_REPEATABLE_MIGRATION", "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED"],
  },
  {
    name: "the outdated repeatable with --allow-pending: migrate would re-apply it",
    rule: "MigrationInfoImpl.validate: OUTDATED and PENDING are errors only when pending is not allowed",
    files: { [V1]: sql("1"), [R]: "create view v as select 2;\n" },
    rows: [ok(V1, "1", "First"), { ...ok(R, null, "Summary view"), checksum: 1 }],
    allowPending: true,
    info: [
      ["1", "Success"],
      ["Summary view", "Outdated"],
      ["Summary view", "Pending"],
    ],
    validate: "ok",
  },
  {
    name: "an older run of a repeatable: Superseded",
    rule: "BaseAppliedMigration.getRepeatableState: not the latest run of its description → SUPERSEDED",
    files: { [R]: "create view v as select 2;\n" },
    rows: [{ ...ok(R, null, "Summary view"), checksum: 1 }, ok(R, null, "Summary view")],
    info: [
      ["Summary view", "Superseded"],
      ["Summary view", "Success"],
    ],
    validate: "ok",
  },
  {
    name: "a row repair marked deleted: Deleted; the versioned DELETE row itself is not listed",
    rule: "MigrationInfoServiceImpl.getAppliedVersionedMigrations: a successful DELETE row calls markAsDeleted and `continue`s (never listed) → the earlier row DELETED; validate returns early on DELETED",
    files: { [V1]: sql("1"), [V3]: sql("3") },
    rows: [
      ok(V1, "1", "First"),
      { ...ok(V2, "2", "Second"), checksum: 4242 },
      ok(V3, "3", "Third"),
      { version: "2", description: "Second", type: "DELETE", script: V2, checksum: 4242 },
    ],
    info: [
      ["1", "Success"],
      ["2", "Deleted"],
      ["3", "Success"],
    ],
    validate: "ok",
  },
  {
    name: "a repeatable repair marked deleted: Deleted, and its DELETE row listed as Success",
    rule: "getAppliedRepeatableMigrations adds every repeatable row, DELETE ones too, then markRepeatableAsDeleted; BaseAppliedMigration.getState: DELETE → SUCCESS",
    files: { [V1]: sql("1") },
    rows: [
      ok(V1, "1", "First"),
      { ...ok(R, null, "Summary view"), checksum: 4242 },
      { version: null, description: "Summary view", type: "DELETE", script: R, checksum: 4242 },
    ],
    info: [
      ["1", "Success"],
      ["Summary view", "Deleted"],
      ["Summary view", "Success"],
    ],
    validate: "ok",
  },
  {
    name: "a file edited after it was applied: Success, but a checksum mismatch",
    rule: "MigrationInfoImpl.validate: resolved and applied checksums differ above the baseline → CHECKSUM_MISMATCH",
    files: { [V1]: sql("1") },
    rows: [{ ...ok(V1, "1", "First"), checksum: 99 }],
    info: [["1", "Success"]],
    validate: ["CHECKSUM_MISMATCH"],
  },
  {
    name: "a file renamed after it was applied: Success, but a description mismatch",
    rule: "MigrationInfoImpl.validate: abbreviated file description ≠ row description → DESCRIPTION_MISMATCH",
    files: { [V1]: sql("1") },
    rows: [{ ...ok(V1, "1", "Old name"), script: "V1__Old_name.sql", checksum: { of: V1 } }],
    info: [["1", "Success"]],
    validate: ["DESCRIPTION_MISMATCH"],
  },
  {
    name: "a repeatable recorded with another type: a type mismatch",
    rule: "MigrationInfoImpl.validate: resolved type (SQL) ≠ applied type → TYPE_MISMATCH (repeatables pair by description)",
    files: { [R]: "create view v as select 1;\n" },
    rows: [{ ...ok(R, null, "Summary view"), type: "JDBC" }],
    info: [["Summary view", "Success"]],
    validate: ["TYPE_MISMATCH"],
  },
  {
    name: "an applied repeatable whose file is gone: Missing; repeatable:missing ignores it",
    rule: "getMissingState: repeatable without file → MISSING_SUCCESS; ValidatePattern type 'repeatable'",
    files: { [V1]: sql("1") },
    rows: [ok(V1, "1", "First"), { ...ok(R, null, "Summary view"), checksum: 5 }],
    env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "repeatable:missing" },
    info: [
      ["1", "Success"],
      ["Summary view", "Missing"],
    ],
    validate: "ok",
  },
  {
    name: "FLYWAY_IGNORE_MIGRATION_PATTERNS=*:pending: an Outdated repeatable is no error either",
    rule: "MigrationInfoImpl.validate: OUTDATED is an error only when !context.isPendingIgnored() (ValidatePatternUtils.isPendingIgnored: *:pending)",
    files: { [V1]: sql("1"), [R]: "create view v as select 2;\n" },
    rows: [ok(V1, "1", "First"), { ...ok(R, null, "Summary view"), checksum: 1 }],
    env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:pending" },
    info: [
      ["1", "Success"],
      ["Summary view", "Outdated"],
      ["Summary view", "Pending"],
    ],
    validate: "ok",
  },
  {
    name: "repeatable:pending alone silences the Pending file but not the Outdated row",
    rule: "ValidatePatternUtils.isPendingIgnored needs *:pending or both versioned:pending and repeatable:pending; ValidatePattern.matchesMigration('repeatable:pending') matches only the Pending line",
    files: { [V1]: sql("1"), [R]: "create view v as select 2;\n" },
    rows: [ok(V1, "1", "First"), { ...ok(R, null, "Summary view"), checksum: 1 }],
    env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "repeatable:pending" },
    info: [
      ["1", "Success"],
      ["Summary view", "Outdated"],
      ["Summary view", "Pending"],
    ],
    validate: ["OUTDATED_REPEATABLE_MIGRATION"],
  },
  {
    name: "a versioned row with a NULL checksum matches its file",
    rule: "MigrationInfo.isChecksumMatching (Flyway >= 10.17.2): getAppliedChecksum() == null matches; MigrationInfoImpl.validate finds no CHECKSUM_MISMATCH",
    files: { [V1]: sql("1"), [V2]: sql("2") },
    rows: [{ ...ok(V1, "1", "First"), checksum: null }, ok(V2, "2", "Second")],
    info: [
      ["1", "Success"],
      ["2", "Success"],
    ],
    validate: "ok",
  },
  {
    name: "a repeatable with built-in placeholders after a migrate: Success, not Outdated",
    rule: "SqlMigrationResolver.getChecksumForLoadableResource: a repeatable's checksum is of its text after PlaceholderReplacingReader (ParsingContext.populate: flyway:defaultSchema = the current schema, flyway:user = current_user, flyway:database = the catalog, flyway:filename); BaseAppliedMigration.getRepeatableState: checksumMatches → SUCCESS",
    files: {
      [V1]: sql("1"),
      "R__Grants.sql":
        "grant select on ${flyway:defaultSchema}.t_1 to ${FLYWAY:USER}; -- ${flyway:database} ${flyway:filename}\n",
    },
    rows: [
      ok(V1, "1", "First"),
      {
        version: null,
        description: "Grants",
        script: "R__Grants.sql",
        checksum: { text: "grant select on public.t_1 to cases; -- cases R__Grants.sql\n" },
      },
    ],
    info: [
      ["1", "Success"],
      ["Grants", "Success"],
    ],
    validate: "ok",
  },
  {
    name: "a repeatable applied before it had placeholders' values recorded (checksum of the text as written): Success",
    rule: "ResolvedMigrationImpl.checksumMatches: equal to the checksum after replacement, or to equivalentChecksum (before replacement, SqlMigrationResolver.getEquivalentChecksumForLoadableResource)",
    files: { "R__Grants.sql": "grant select on ${flyway:defaultSchema}.t to public;\n" },
    rows: [
      {
        version: null,
        description: "Grants",
        script: "R__Grants.sql",
        checksum: { text: "grant select on ${flyway:defaultSchema}.t to public;\n" },
      },
    ],
    info: [["Grants", "Success"]],
    validate: "ok",
  },
  {
    name: "a repeatable using ${flyway:timestamp}: Outdated after every migrate, as in Flyway",
    rule: "ParsingContext.populate: flyway:timestamp is now (yyyy-MM-dd HH:mm:ss), so the checksum after replacement never equals the recorded one",
    files: { "R__Stamp.sql": "comment on table t is 'built ${flyway:timestamp}';\n" },
    rows: [
      {
        version: null,
        description: "Stamp",
        script: "R__Stamp.sql",
        checksum: { text: "comment on table t is 'built 2020-01-01 00:00:00';\n" },
      },
    ],
    info: [
      ["Stamp", "Outdated"],
      ["Stamp", "Pending"],
    ],
    validate: ["OUTDATED_REPEATABLE_MIGRATION", "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED"],
  },
  {
    name: "a repeatable naming a placeholder with no value: Flyway cannot resolve the migrations",
    rule: "PlaceholderReplacingReader.read: 'No value provided for placeholder: ${owner}.  Check your configuration!' while SqlMigrationResolver computes the checksum",
    files: { [V1]: sql("1"), "R__Owner.sql": "alter table t_1 owner to ${owner};\n" },
    rows: [ok(V1, "1", "First")],
    info: [],
    validate: ["INFO"],
  },
  {
    name: "a baseline migration on an empty history: it is Pending, the files up to it are not",
    rule: "MigrationInfoServiceImpl.getPendingResolvedVersionedMigrations sets context.pendingBaseline; ResolvedMigration.getState compares with pendingBaseline while lastApplied is EMPTY; BaselineResolvedMigration.getState: BASELINE_IGNORED at pendingBaseline on an empty history → PENDING; MigrationInfoImpl.compareVersion: a baseline after the regular migration of its version",
    files: {
      [V1]: sql("1"),
      [V2]: sql("2"),
      "B1__Old_base.sql": sql("b1"),
      "B2__Base.sql": sql("b2"),
      [V3]: sql("3"),
    },
    rows: [],
    allowPending: true,
    info: [
      ["1", "Below Baseline"],
      ["1", "Below Baseline"],
      ["2", "Ignored (Baseline)"],
      ["2", "Pending"],
      ["3", "Pending"],
    ],
    validate: "ok",
  },
  {
    name: "an applied baseline migration: its row is Baseline and resolved; the files up to it are skipped",
    rule: "BaselineAppliedMigration (type SQL_BASELINE) pairs with the B file of its version and type (getResolvedVersionedMigrations keys on version and type); getAppliedVersionedMigrations: isBaseline → context.appliedBaseline; validate: no mismatch at or below the baseline",
    files: { [V1]: sql("1"), [V2]: sql("2"), "B2__Base.sql": sql("b2"), [V3]: sql("3") },
    rows: [
      {
        version: "2",
        description: "Base",
        type: "SQL_BASELINE",
        script: "B2__Base.sql",
        checksum: { of: "B2__Base.sql" },
      },
      ok(V3, "3", "Third"),
    ],
    info: [
      ["1", "Below Baseline"],
      ["2", "Ignored (Baseline)"],
      ["2", "Baseline"],
      ["3", "Success"],
    ],
    validate: "ok",
  },
  {
    name: "an applied baseline migration whose file is gone: Missing, and validate says so",
    rule: "BaselineAppliedMigration.getState: BASELINE with getMissingState → MISSING_SUCCESS (version < lastResolved); validate: SQL_BASELINE is not synthetic → APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
    files: { [V1]: sql("1"), [V2]: sql("2"), [V3]: sql("3") },
    rows: [
      {
        version: "2",
        description: "Base",
        type: "SQL_BASELINE",
        script: "B2__Base.sql",
        checksum: 99,
      },
      ok(V3, "3", "Third"),
    ],
    info: [
      ["1", "Below Baseline"],
      ["2", "Ignored (Baseline)"],
      ["2", "Missing"],
      ["3", "Success"],
    ],
    validate: ["APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED"],
  },
  {
    name: "a baseline migration added after migrations ran: Ignored, and no error",
    rule: "BaselineResolvedMigration.getState: PENDING once migrations are applied → IGNORED; MigrationInfoImpl.validate: IGNORED is an error only when !resolvedMigration.getType().isBaseline()",
    files: { [V1]: sql("1"), [V2]: sql("2"), "B2__Base.sql": sql("b2") },
    rows: [ok(V1, "1", "First"), ok(V2, "2", "Second")],
    info: [
      ["1", "Success"],
      ["2", "Success"],
      ["2", "Ignored"],
    ],
    validate: "ok",
  },
  {
    name: "names Flyway accepts: V1.sql, V2__.sql (empty descriptions) and an upper-case .SQL",
    rule: "ResourceNameParser.parse: StringUtils.splitAtFirstSeparator without a separator gives (version, ''); stripSuffix and StringUtils.startsAndEndsWith compare the suffix upper-cased",
    files: { [V1]: sql("1"), "V2.sql": sql("2"), "V3__.sql": sql("3"), "V4__Fourth.SQL": sql("4") },
    rows: [ok(V1, "1", "First")],
    info: [
      ["1", "Success"],
      ["2", "Pending"],
      ["3", "Pending"],
      ["4", "Pending"],
    ],
    validate: [
      "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
      "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
      "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
    ],
  },
  {
    name: "an applied V1.sql (empty description): Success",
    rule: "ResourceNameParser.parse → description ''; MigrationInfoImpl.descriptionMismatch: '' equals the row's ''",
    files: { "V1.sql": sql("1") },
    rows: [{ version: "1", description: "", script: "V1.sql", checksum: { of: "V1.sql" } }],
    info: [["1", "Success"]],
    validate: "ok",
  },
];

/** A case's files as Flyway resolves them would read them: name → checksum. */
export const checksumOf = (files: Record<string, string>, name: string): number =>
  flywayChecksum(files[name] ?? "");

export function rowChecksum(c: FlywayCase, row: CaseRow): number | null {
  if (row.checksum === null || typeof row.checksum === "number") return row.checksum;
  if ("text" in row.checksum) return flywayChecksum(row.checksum.text);
  return checksumOf(c.files, row.checksum.of);
}

/**
 * The built-in placeholders of the case database: the test logs in as "cases" to
 * the database "cases", whose current schema is public.
 */
export const CASE_DATABASE = { user: "cases", database: "cases", schema: "public" };
