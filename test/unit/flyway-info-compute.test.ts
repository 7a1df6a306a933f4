/**
 * What stops `flyway info` before it lists anything (flyway-core's resolver and
 * MigrationInfoServiceImpl.refresh()), and `target = next` with nothing pending.
 */
import { describe, expect, it } from "vitest";
import {
  computeInfo,
  type DiskMigration,
  FlywayInfoError,
  type HistoryRow,
} from "../../src/core/flyway-info.js";

const options = { target: { kind: "latest" } as const, outOfOrder: false };
const file = (version: string | undefined, description: string): DiskMigration => ({
  kind: version === undefined ? "repeatable" : "versioned",
  type: "SQL",
  script: version === undefined ? `R__${description}.sql` : `V${version}__${description}.sql`,
  ...(version === undefined ? {} : { version, rawVersion: version }),
  description,
  checksum: 1,
});
const row = (rank: number, version: string | null, over: Partial<HistoryRow> = {}): HistoryRow => ({
  installed_rank: rank,
  version,
  description: "d",
  type: "SQL",
  script: "s.sql",
  checksum: 1,
  success: true,
  ...over,
});
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FlywayInfoError);
    return (error as Error).message;
  }
  throw new Error("expected a FlywayInfoError");
};

describe("computeInfo refuses what Flyway refuses", () => {
  it("a history row whose version is not a Flyway version, naming its rank", () => {
    expect(errorOf(() => computeInfo([row(4, "1.a")], [], options))).toBe(
      "flyway_schema_history row 4 has version '1.a', which is not a Flyway version",
    );
  });

  it("two repeatables with one description", () => {
    expect(
      errorOf(() =>
        computeInfo(
          [],
          [
            file(undefined, "views"),
            { ...file(undefined, "views"), script: "R__views.sql.bak.sql" },
          ],
          options,
        ),
      ),
    ).toBe(
      "Found more than one repeatable migration with description views (R__views.sql, R__views.sql.bak.sql)",
    );
  });

  it("two DELETE rows for one version, but not for a repeatable", () => {
    const del = (rank: number, version: string | null) => row(rank, version, { type: "DELETE" });
    expect(errorOf(() => computeInfo([row(1, "1"), del(2, "1"), del(3, "1")], [], options))).toBe(
      "Corrupted schema history: multiple delete entries for version 1",
    );
    const repeatable = computeInfo([row(1, null), del(2, null), del(3, null)], [], options);
    expect(repeatable.migrations.filter((m) => m.deleted)).toHaveLength(1);
  });
});

describe("target next", () => {
  it("with nothing pending leaves every line as it is", () => {
    const info = computeInfo([row(1, "1")], [file("1", "d")], {
      ...options,
      target: { kind: "next" },
    });
    expect(info.migrations.map((m) => m.state)).toEqual(["SUCCESS"]);
  });

  it("makes the first pending migration the target: the next one is Above Target", () => {
    const info = computeInfo([row(1, "1")], [file("1", "d"), file("2", "a"), file("3", "b")], {
      ...options,
      target: { kind: "next" },
    });
    expect(info.migrations.map((m) => m.state)).toEqual(["SUCCESS", "PENDING", "ABOVE_TARGET"]);
  });
});

describe("computeInfo: the history as Flyway walks it", () => {
  const states = (history: HistoryRow[], files: DiskMigration[], o = options) =>
    computeInfo(history, files, o).migrations.map((m) => [
      m.applied?.installed_rank ?? m.resolved?.script,
      m.state,
    ]);

  it("walks the rows by installed rank, whatever order they come in", () => {
    expect(states([row(2, "2"), row(1, "1")], [file("1", "d"), file("2", "d")])).toEqual([
      [1, "SUCCESS"],
      [2, "SUCCESS"],
    ]);
  });

  it("the last file version is the highest, whatever order the files come in", () => {
    // Row 2 has no file: below the highest file it is Missing, not Future.
    expect(
      states([row(1, "1"), row(2, "2")], [file("3", "d"), file("1", "d")], {
        ...options,
        outOfOrder: true,
      }),
    ).toEqual([
      [1, "SUCCESS"],
      [2, "MISSING_SUCCESS"],
      ["V3__d.sql", "PENDING"],
    ]);
  });

  it("only baseline rows set the baseline, and the highest of them counts", () => {
    expect(
      states([row(1, "1"), row(2, "5")], [file("1", "d"), file("3", "d"), file("5", "d")]),
    ).toEqual([
      [1, "SUCCESS"],
      [2, "SUCCESS"],
      ["V3__d.sql", "IGNORED"],
    ]);
    const baselines = [
      row(1, "5", { type: "BASELINE", description: "<< Flyway Baseline >>" }),
      row(2, "3", { type: "BASELINE", description: "<< Flyway Baseline >>" }),
    ];
    expect(states(baselines, [file("4", "d")])).toEqual([
      ["V4__d.sql", "BELOW_BASELINE"],
      [1, "BASELINE"],
      [2, "BASELINE"],
    ]);
  });

  it("a second row at a version already applied is out of order", () => {
    expect(states([row(1, "1", { success: false }), row(2, "1")], [file("1", "d")])).toEqual([
      [1, "FAILED"],
      [2, "OUT_OF_ORDER"],
    ]);
  });

  it("a DELETE row marks the latest row of its version, not one that shares its description", () => {
    const history = [
      row(1, "1", { description: "same" }),
      row(2, "2", { description: "same" }),
      row(3, "1", { description: "same", type: "DELETE" }),
    ];
    const info = computeInfo(history, [], options).migrations;
    expect(info.map((m) => [m.applied?.version, m.deleted])).toEqual([
      ["1", true],
      ["2", false],
    ]);
  });

  it("a repeatable's DELETE row marks that repeatable's latest run only", () => {
    const history = [
      row(1, null, { description: "a" }),
      row(2, null, { description: "b" }),
      row(3, null, { description: "a", type: "DELETE" }),
    ];
    const info = computeInfo(history, [], options).migrations;
    expect(info.filter((m) => m.deleted).map((m) => m.applied?.description)).toEqual(["a"]);
  });

  it("a deleted row does not count as the last applied version", () => {
    const history = [row(1, "1"), row(2, "3"), row(3, "3", { type: "DELETE" })];
    expect(states(history, [file("1", "d"), file("2", "d"), file("3", "d")])).toEqual([
      [1, "SUCCESS"],
      [2, "DELETED"],
      ["V2__d.sql", "PENDING"],
      ["V3__d.sql", "PENDING"],
    ]);
  });
});

describe("computeInfo: pending files", () => {
  const states = (
    history: HistoryRow[],
    files: DiskMigration[],
    o: Parameters<typeof computeInfo>[2] = options,
  ) =>
    computeInfo(history, files, o).migrations.map((m) => [
      m.applied?.installed_rank ?? m.resolved?.script,
      m.state,
    ]);
  const baselineFile = (version: string): DiskMigration => ({
    ...file(version, "b"),
    kind: "baseline",
    type: "SQL_BASELINE",
    script: `B${version}__b.sql`,
  });

  it("on an empty history the highest baseline migration is the baseline, not the highest file", () => {
    expect(states([], [file("1", "a"), baselineFile("2"), file("3", "c")])).toEqual([
      ["V1__a.sql", "BELOW_BASELINE"],
      ["B2__b.sql", "PENDING"],
      ["V3__c.sql", "PENDING"],
    ]);
  });

  it("of two baseline migrations, the highest is the baseline, whatever order they come in", () => {
    expect(states([], [baselineFile("3"), baselineFile("2")])).toEqual([
      ["B2__b.sql", "BELOW_BASELINE"],
      ["B3__b.sql", "PENDING"],
    ]);
  });

  it("a repeatable is pending again when its latest run differs from the file, even if an older run matches", () => {
    const history = [
      row(1, null, { description: "views", checksum: 1 }),
      row(2, null, { description: "views", checksum: 2 }),
    ];
    expect(states(history, [file(undefined, "views")])).toEqual([
      [1, "SUPERSEDED"],
      [2, "OUTDATED"],
      ["R__views.sql", "PENDING"],
    ]);
  });

  it("a repeatable whose run was deleted is pending again", () => {
    const history = [
      row(1, null, { description: "views", checksum: 1 }),
      row(2, null, { description: "views", checksum: 1, type: "DELETE" }),
    ];
    expect(states(history, [file(undefined, "views")]).at(-1)).toEqual(["R__views.sql", "PENDING"]);
  });

  it("a target version that must exist and does not stops info with Flyway's message", () => {
    expect(
      errorOf(() =>
        computeInfo([row(1, "1")], [file("1", "d")], {
          ...options,
          target: { kind: "version", version: "2", failOnMissing: true },
        }),
      ),
    ).toBe(
      "No migration with a target version 2 could be found. Ensure target is specified correctly and the migration exists.",
    );
    expect(
      states([row(1, "1")], [file("1", "d"), file("3", "d")], {
        ...options,
        target: { kind: "version", version: "2", failOnMissing: false },
      }),
    ).toEqual([
      [1, "SUCCESS"],
      ["V3__d.sql", "ABOVE_TARGET"],
    ]);
    expect(
      states([row(1, "1")], [file("1", "d"), file("2.0", "d")], {
        ...options,
        target: { kind: "version", version: "2", failOnMissing: true },
      }),
    ).toEqual([
      [1, "SUCCESS"],
      ["V2.0__d.sql", "PENDING"],
    ]);
  });

  it("target current puts every file above the current version above target", () => {
    expect(
      states([row(1, "1")], [file("1", "d"), file("2", "d")], {
        ...options,
        target: { kind: "current" },
      }),
    ).toEqual([
      [1, "SUCCESS"],
      ["V2__d.sql", "ABOVE_TARGET"],
    ]);
  });
});
