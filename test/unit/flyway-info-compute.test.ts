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
