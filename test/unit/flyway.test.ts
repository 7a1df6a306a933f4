import { describe, expect, it } from "vitest";
import { compareVersions, parseMigrationName } from "../../src/core/flyway-files.js";

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
