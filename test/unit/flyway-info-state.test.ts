/**
 * The order and the current version of `flyway info`'s lines, by flyway-core's
 * MigrationInfoImpl.compareTo() and MigrationInfoServiceImpl.current() (Flyway 10):
 * `flyway-status` prints its lines in Flyway's order and names Flyway's current version.
 */
import { describe, expect, it } from "vitest";
import type { DiskMigration, HistoryRow, MigrationInfo } from "../../src/core/flyway-info.js";
import {
  type Context,
  checksumMatches,
  cmp,
  compareInfos,
  current,
  stateOf,
  versionKey,
} from "../../src/core/flyway-info-state.js";
import type { MigrationState } from "../../src/core/flyway-states.js";

const file = (version: string | undefined, description: string, type = "SQL"): DiskMigration => ({
  kind: version === undefined ? "repeatable" : type.endsWith("BASELINE") ? "baseline" : "versioned",
  type: type as DiskMigration["type"],
  script: version === undefined ? `R__${description}.sql` : `V${version}__${description}.sql`,
  ...(version === undefined ? {} : { version, rawVersion: version }),
  description,
  checksum: 1,
});
const row = (
  rank: number,
  version: string | null,
  description: string,
  type = "SQL",
): HistoryRow => ({
  installed_rank: rank,
  version,
  description,
  type,
  script: `${description}.sql`,
  checksum: 1,
  success: true,
});
const pending = (version: string | undefined, description = "d", type = "SQL"): MigrationInfo => ({
  state: "PENDING",
  resolved: file(version, description, type),
  deleted: false,
  outOfOrder: false,
});
const applied = (
  rank: number,
  version: string | null,
  state: MigrationState = "SUCCESS",
  description = "d",
  type = "SQL",
): MigrationInfo => ({
  state,
  applied: row(rank, version, description, type),
  deleted: state === "DELETED",
  outOfOrder: false,
});
const fileIn = (state: MigrationState, version: string): MigrationInfo => ({
  ...pending(version),
  state,
});

const sorted = (infos: MigrationInfo[]) =>
  [...infos].sort(compareInfos).map((i) => i.applied?.installed_rank ?? i.resolved?.script);

describe("cmp: versions with EMPTY (undefined) below every version", () => {
  it("orders undefined first and compares versions numerically", () => {
    expect(cmp(undefined, undefined)).toBe(0);
    expect(cmp(undefined, "1")).toBe(-1);
    expect(cmp("1", undefined)).toBe(1);
    expect(cmp("1.10", "1.9")).toBeGreaterThan(0);
    expect(cmp("1.0", "1")).toBe(0);
  });

  it("versionKey gives equal versions one key", () => {
    expect(versionKey("1.0.0")).toBe("1");
    expect(versionKey("01.2")).toBe("1.2");
    expect(versionKey("0")).toBe("0");
    expect(versionKey("1.0.3")).toBe("1.0.3");
  });
});

describe("compareInfos: flyway info's order", () => {
  it("applied rows by installed rank, before files not applied", () => {
    expect(sorted([pending("1"), applied(3, "3"), applied(1, "5"), pending("0")])).toEqual([
      1,
      3,
      "V0__d.sql",
      "V1__d.sql",
    ]);
  });

  it("files below or at the baseline before applied rows", () => {
    const below = fileIn("BELOW_BASELINE", "1");
    const atBaseline = fileIn("BASELINE_IGNORED", "2");
    const baseline = applied(1, "2", "BASELINE", "<< Flyway Baseline >>", "BASELINE");
    expect(sorted([baseline, below])).toEqual(["V1__d.sql", 1]);
    expect(sorted([atBaseline, baseline])).toEqual(["V2__d.sql", 1]);
    expect(compareInfos(baseline, atBaseline)).toBe(1);
    expect(compareInfos(atBaseline, baseline)).toBe(-1);
    // A pending file is not below the baseline: it comes after.
    expect(compareInfos(pending("9"), baseline)).toBe(1);
    expect(compareInfos(baseline, pending("9"))).toBe(-1);
  });

  it("files by version, a baseline migration after the regular one at the same version", () => {
    expect(sorted([pending("2"), pending("1.1"), pending("1.10")])).toEqual([
      "V1.1__d.sql",
      "V1.10__d.sql",
      "V2__d.sql",
    ]);
    const regular = pending("2", "r");
    const baselineFile = pending("2", "b", "SQL_BASELINE");
    expect(compareInfos(baselineFile, regular)).toBe(1);
    expect(compareInfos(regular, baselineFile)).toBe(-1);
    expect(compareInfos(regular, pending("2.0", "other"))).toBe(0);
  });

  it("versioned before repeatable; repeatables by description, as Java compares strings", () => {
    expect(
      sorted([
        pending(undefined, "b"),
        pending("1"),
        pending(undefined, "B"),
        pending(undefined, "a"),
      ]),
    ).toEqual(["V1__d.sql", "R__B.sql", "R__a.sql", "R__b.sql"]);
    expect(compareInfos(pending(undefined, "a"), pending("1"))).toBe(1);
    expect(compareInfos(pending(undefined, "same"), pending(undefined, "same"))).toBe(0);
    expect(compareInfos(pending(undefined, "a"), pending(undefined, "b"))).toBe(-1);
    expect(compareInfos(pending(undefined, "b"), pending(undefined, "a"))).toBe(1);
  });
});

describe("current: the highest applied versioned migration", () => {
  it("skips deleted rows, DELETE rows, repeatables and files not applied", () => {
    expect(
      current([
        applied(1, "1"),
        applied(2, "3", "DELETED"),
        applied(3, "4", "SUCCESS", "d", "DELETE"),
        applied(4, null),
        pending("9"),
        applied(5, "2"),
      ]),
    ).toBe("2");
    expect(current([pending("1")])).toBeUndefined();
    expect(current([])).toBeUndefined();
  });

  it("keeps the first of two rows at one version, as written", () => {
    expect(current([applied(1, "1.0", "FAILED"), applied(2, "1")])).toBe("1.0");
  });

  it("counts failed, out-of-order and baseline rows as applied", () => {
    expect(current([applied(1, "1"), applied(2, "5", "FAILED")])).toBe("5");
    expect(
      current([applied(1, "7", "BASELINE", "b", "BASELINE"), applied(2, "3", "OUT_OF_ORDER")]),
    ).toBe("7");
  });
});

describe("checksumMatches", () => {
  it("the checksum after placeholders, or a repeatable's before", () => {
    const f = { ...file(undefined, "v"), checksum: 10, equivalentChecksum: 20 };
    expect(checksumMatches(f, 10)).toBe(true);
    expect(checksumMatches(f, 20)).toBe(true);
    expect(checksumMatches(f, 30)).toBe(false);
    expect(checksumMatches(f, null)).toBe(false);
    expect(checksumMatches({ ...file("1", "v"), checksum: 10 }, 20)).toBe(false);
  });
});

describe("stateOf: Flyway's state for a file without a row (ResolvedMigration.getState)", () => {
  const ctx = (over: Partial<Context> = {}): Context => ({
    outOfOrder: false,
    target: { kind: "none" },
    appliedBaseline: undefined,
    pendingBaseline: undefined,
    lastResolved: undefined,
    lastApplied: undefined,
    latestRepeatableRuns: new Map(),
    ...over,
  });
  const stateOfFile = (version: string | undefined, c: Context, type = "SQL") =>
    stateOf(pending(version, "d", type), c);

  it("a repeatable is always pending", () => {
    expect(stateOfFile(undefined, ctx({ lastApplied: "9", appliedBaseline: "9" }))).toBe("PENDING");
  });

  it("on an empty history, against the pending baseline migration: below, at, above", () => {
    const c = ctx({ pendingBaseline: "3" });
    expect(stateOfFile("2", c)).toBe("BELOW_BASELINE");
    expect(stateOfFile("3", c)).toBe("BASELINE_IGNORED");
    expect(stateOfFile("4", c)).toBe("PENDING");
  });

  it("once something is applied, against the applied baseline only", () => {
    expect(stateOfFile("6", ctx({ lastApplied: "5", pendingBaseline: "7" }))).toBe("PENDING");
    const c = ctx({ lastApplied: "5", appliedBaseline: "3" });
    expect(stateOfFile("2", c)).toBe("BELOW_BASELINE");
    expect(stateOfFile("3.0", c)).toBe("BASELINE_IGNORED");
  });

  it("below the last applied version: ignored, unless out of order is allowed; at it or above: pending", () => {
    expect(stateOfFile("4", ctx({ lastApplied: "5" }))).toBe("IGNORED");
    expect(stateOfFile("4", ctx({ lastApplied: "5", outOfOrder: true }))).toBe("PENDING");
    expect(stateOfFile("5", ctx({ lastApplied: "5" }))).toBe("PENDING");
    expect(stateOfFile("6", ctx({ lastApplied: "5" }))).toBe("PENDING");
  });

  it("above a target version: Above Target; at it: pending; target EMPTY puts every version above", () => {
    const c = ctx({ target: { kind: "version", version: "4" } });
    expect(stateOfFile("5", c)).toBe("ABOVE_TARGET");
    expect(stateOfFile("4", c)).toBe("PENDING");
    expect(stateOfFile("1", ctx({ target: { kind: "version", version: undefined } }))).toBe(
      "ABOVE_TARGET",
    );
    expect(stateOfFile("9", ctx({ target: { kind: "next" } }))).toBe("PENDING");
  });

  it("a baseline migration runs only on an empty history, and only the highest", () => {
    const empty = ctx({ pendingBaseline: "3" });
    expect(stateOfFile("3", empty, "SQL_BASELINE")).toBe("PENDING");
    expect(stateOfFile("2", empty, "SQL_BASELINE")).toBe("BELOW_BASELINE");
    // History started: a baseline migration is ignored, at the applied baseline too.
    expect(stateOfFile("6", ctx({ lastApplied: "1" }), "SQL_BASELINE")).toBe("IGNORED");
    expect(stateOfFile("6", ctx({ appliedBaseline: "1" }), "SQL_BASELINE")).toBe("IGNORED");
    expect(
      stateOfFile(
        "3",
        ctx({ lastApplied: "3", appliedBaseline: "3", pendingBaseline: "3" }),
        "SQL_BASELINE",
      ),
    ).toBe("BASELINE_IGNORED");
    // Above a target it stays Above Target, even at the pending baseline's version.
    expect(
      stateOfFile(
        "3",
        ctx({ lastApplied: "1", pendingBaseline: "3", target: { kind: "version", version: "2" } }),
        "SQL_BASELINE",
      ),
    ).toBe("ABOVE_TARGET");
  });
});

describe("stateOf: Flyway's state for a row (BaseAppliedMigration.getState)", () => {
  const ctx = (over: Partial<Context> = {}): Context => ({
    outOfOrder: false,
    target: { kind: "none" },
    appliedBaseline: undefined,
    pendingBaseline: undefined,
    lastResolved: "5",
    lastApplied: "5",
    latestRepeatableRuns: new Map(),
    ...over,
  });
  const rowInfo = (r: HistoryRow, resolved?: DiskMigration, outOfOrder = false): MigrationInfo => ({
    state: "SUCCESS",
    applied: r,
    ...(resolved ? { resolved } : {}),
    deleted: false,
    outOfOrder,
  });

  it("a row whose file is gone: Missing below the last file's version, Future at or above it", () => {
    expect(stateOf(rowInfo(row(1, "4", "d")), ctx())).toBe("MISSING_SUCCESS");
    expect(stateOf(rowInfo({ ...row(1, "4", "d"), success: false }), ctx())).toBe("MISSING_FAILED");
    expect(stateOf(rowInfo(row(1, "5", "d")), ctx())).toBe("FUTURE_SUCCESS");
    expect(stateOf(rowInfo({ ...row(1, "6", "d"), success: false }), ctx())).toBe("FUTURE_FAILED");
    expect(stateOf(rowInfo(row(1, "1", "d")), ctx({ lastResolved: undefined }))).toBe(
      "FUTURE_SUCCESS",
    );
  });

  it("the schema-creation row has no file and is Success", () => {
    expect(stateOf(rowInfo(row(1, "0", "<< Flyway Schema Creation >>", "SCHEMA")), ctx())).toBe(
      "SUCCESS",
    );
  });

  it("a repeatable's latest run without its file is Missing; an earlier run is Superseded", () => {
    const runs = new Map([["views", 7]]);
    expect(stateOf(rowInfo(row(7, null, "views")), ctx({ latestRepeatableRuns: runs }))).toBe(
      "MISSING_SUCCESS",
    );
    expect(stateOf(rowInfo(row(3, null, "views")), ctx({ latestRepeatableRuns: runs }))).toBe(
      "SUPERSEDED",
    );
    expect(stateOf(rowInfo(row(3, null, "other")), ctx({ latestRepeatableRuns: runs }))).toBe(
      "MISSING_SUCCESS",
    );
    // A versioned row is never superseded, even when a repeatable shares its description.
    expect(stateOf(rowInfo(row(3, "4", "views")), ctx({ latestRepeatableRuns: runs }))).toBe(
      "MISSING_SUCCESS",
    );
  });

  it("with its file: Success, Failed, Out of Order; a repeatable Outdated when its checksum changed", () => {
    const runs = new Map([["views", 2]]);
    expect(stateOf(rowInfo(row(1, "4", "d"), file("4", "d")), ctx())).toBe("SUCCESS");
    expect(stateOf(rowInfo({ ...row(1, "4", "d"), success: false }, file("4", "d")), ctx())).toBe(
      "FAILED",
    );
    expect(stateOf(rowInfo(row(1, "4", "d"), file("4", "d"), true), ctx())).toBe("OUT_OF_ORDER");
    const views = file(undefined, "views");
    expect(
      stateOf(rowInfo(row(2, null, "views"), views), ctx({ latestRepeatableRuns: runs })),
    ).toBe("SUCCESS");
    expect(
      stateOf(
        rowInfo({ ...row(2, null, "views"), checksum: 9 }, views),
        ctx({ latestRepeatableRuns: runs }),
      ),
    ).toBe("OUTDATED");
  });

  it("baseline rows: BASELINE; a baseline migration's row Failed, Missing or Baseline", () => {
    expect(stateOf(rowInfo(row(1, "3", "<< Flyway Baseline >>", "BASELINE")), ctx())).toBe(
      "BASELINE",
    );
    expect(
      stateOf(rowInfo(row(1, "3", "b", "SQL_BASELINE"), file("3", "b", "SQL_BASELINE")), ctx()),
    ).toBe("BASELINE");
    expect(
      stateOf(
        rowInfo(
          { ...row(1, "3", "b", "SQL_BASELINE"), success: false },
          file("3", "b", "SQL_BASELINE"),
        ),
        ctx(),
      ),
    ).toBe("FAILED");
    expect(stateOf(rowInfo(row(1, "3", "b", "SQL_BASELINE")), ctx())).toBe("MISSING_SUCCESS");
    expect(stateOf(rowInfo(row(1, "3", "b", "SCRIPT_BASELINE")), ctx())).toBe("BASELINE");
  });

  it("a DELETE row is Success; a deleted migration is Deleted", () => {
    expect(stateOf(rowInfo(row(2, "4", "d", "DELETE")), ctx())).toBe("SUCCESS");
    expect(stateOf({ ...rowInfo(row(1, "4", "d")), deleted: true }, ctx())).toBe("DELETED");
  });
});
