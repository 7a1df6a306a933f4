/**
 * The order and the current version of `flyway info`'s lines, by flyway-core's
 * MigrationInfoImpl.compareTo() and MigrationInfoServiceImpl.current() (Flyway 10):
 * `flyway-status` prints its lines in Flyway's order and names Flyway's current version.
 */
import { describe, expect, it } from "vitest";
import type { DiskMigration, HistoryRow, MigrationInfo } from "../../src/core/flyway-info.js";
import {
  checksumMatches,
  cmp,
  compareInfos,
  current,
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
