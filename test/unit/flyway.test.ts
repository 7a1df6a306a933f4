import { describe, expect, it } from "vitest";
import { compareVersions, parseMigrationName } from "../../src/core/flyway-files.js";
import { computeStatus, type HistoryRow } from "../../src/core/flyway-status.js";

describe("Flyway file naming", () => {
  it("parses versioned and repeatable names as Flyway does", () => {
    expect(parseMigrationName("V1__Create_tables.sql")).toEqual({
      ok: true,
      file: {
        kind: "versioned",
        script: "V1__Create_tables.sql",
        version: "1",
        description: "Create tables",
      },
    });
    expect(parseMigrationName("V1_2_3__x.sql")).toMatchObject({
      ok: true,
      file: { version: "1.2.3" },
    });
    expect(parseMigrationName("V2.1__Add_index.sql")).toMatchObject({
      ok: true,
      file: { version: "2.1", description: "Add index" },
    });
    expect(parseMigrationName("R__Refresh_views.sql")).toMatchObject({
      ok: true,
      file: { kind: "repeatable", description: "Refresh views" },
    });
    expect(parseMigrationName("V1_bad.sql")).toMatchObject({ ok: false });
    expect(parseMigrationName("Vx__bad.sql")).toMatchObject({ ok: false });
    expect(parseMigrationName("README.md")).toEqual({ ok: "ignored" });
    expect(parseMigrationName("seed.sql")).toEqual({ ok: "ignored" });
  });

  it("orders versions numerically part by part: 1.10 > 1.9, 1.0 = 1", () => {
    expect(compareVersions("1.10", "1.9")).toBe(1);
    expect(compareVersions("1.0", "1")).toBe(0);
    expect(compareVersions("1.0.0", "1")).toBe(0);
    expect(compareVersions("2", "10")).toBe(-1);
    expect(compareVersions("1_1", "1.1")).toBe(0);
    expect(compareVersions("99999999999999999999.1", "99999999999999999999")).toBe(1);
    expect(["1.10", "1.2", "1.9", "1", "1.1"].sort(compareVersions)).toEqual([
      "1",
      "1.1",
      "1.2",
      "1.9",
      "1.10",
    ]);
  });
});

describe("computeStatus", () => {
  const file = (version: string | undefined, description: string, checksum: number) =>
    version
      ? {
          kind: "versioned" as const,
          version,
          description,
          script: `V${version}__${description}.sql`,
          checksum,
        }
      : { kind: "repeatable" as const, description, script: `R__${description}.sql`, checksum };
  let rank = 0;
  const row = (
    version: string | null,
    description: string,
    checksum: number | null,
    success = true,
    type = "SQL",
  ): HistoryRow => ({
    installed_rank: ++rank,
    version,
    description,
    type,
    script: version ? `V${version}__${description}.sql` : `R__${description}.sql`,
    checksum,
    success,
  });

  it("counts applied, pending, failed, changed and missing", () => {
    const disk = [
      file("1", "a", 11),
      file("1.1", "b", 22),
      file("1.2", "c", 33),
      file("2", "d", 44),
      file(undefined, "views", 55),
    ];
    const history = [
      row("1", "a", 11),
      row("1.1", "b", 99),
      row("1.2", "c", 33, false),
      row("0.9", "gone", 7),
    ];
    const s = computeStatus(history, disk);
    expect(s.currentVersion).toBe("1.1");
    expect(s.counts).toEqual({ applied: 1, pending: 2, failed: 1, changed: 1, missing: 1 });
    expect(s.healthy).toBe(false);
    expect(s.migrations.find((m) => m.version === "1.1")?.state).toBe("changed");
    expect(s.migrations.find((m) => m.version === "2")?.state).toBe("pending");
  });

  it("treats files at or below a baseline as below-baseline, not pending", () => {
    const disk = [file("1", "a", 1), file("3", "c", 3), file("4", "d", 4)];
    const s = computeStatus([row("3", "<< Flyway Baseline >>", null, true, "BASELINE")], disk);
    expect(s.currentVersion).toBe("3");
    expect(s.migrations.map((m) => [m.version, m.state])).toEqual([
      ["3", "baseline"],
      ["1", "below-baseline"],
      ["3", "below-baseline"],
      ["4", "pending"],
    ]);
    expect(s.counts.pending).toBe(1);
    expect(s.healthy).toBe(true);
  });

  it("reports an outdated repeatable as pending, and an empty history as all pending", () => {
    const s = computeStatus([row(null, "views", 1)], [file(undefined, "views", 2)]);
    expect(s.migrations[0]?.state).toBe("outdated");
    expect(s.counts.pending).toBe(1);
    const empty = computeStatus([], [file("1", "a", 1), file("2", "b", 2)]);
    expect(empty.currentVersion).toBeUndefined();
    expect(empty.counts.pending).toBe(2);
  });
});
