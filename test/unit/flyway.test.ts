import { describe, expect, it } from "vitest";
import { compareVersions, parseMigrationName } from "../../src/core/flyway-files.js";
import { DEFAULT_NAMING } from "../../src/core/flyway-settings.js";

describe("Flyway file naming", () => {
  it("parses versioned and repeatable names as Flyway does", () => {
    expect(parseMigrationName("V1__Create_tables.sql")).toEqual({
      ok: true,
      file: {
        kind: "versioned",
        type: "SQL",
        script: "V1__Create_tables.sql",
        version: "1",
        rawVersion: "1",
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
  });

  it("follows flyway-core ResourceNameParser: empty descriptions, any-case suffix, baseline prefix, Flyway's messages", () => {
    // ResourceNameParser.parse: no separator → (version, ""); an empty description is valid.
    expect(parseMigrationName("V1.sql")).toMatchObject({
      ok: true,
      file: { kind: "versioned", version: "1", description: "" },
    });
    expect(parseMigrationName("V2__.sql")).toMatchObject({
      ok: true,
      file: { version: "2", description: "" },
    });
    expect(parseMigrationName("R__.sql")).toMatchObject({
      ok: true,
      file: { kind: "repeatable", description: "" },
    });
    // stripSuffix / StringUtils.startsAndEndsWith compare the suffix upper-cased; the script keeps its case.
    expect(parseMigrationName("V3__Upper.SQL")).toMatchObject({
      ok: true,
      file: { script: "V3__Upper.SQL", version: "3", description: "Upper" },
    });
    // BaselineResourceTypeProvider: prefix B, type SQL_BASELINE (BaselineMigrationResolver).
    expect(parseMigrationName("B5_1__Base.sql")).toMatchObject({
      ok: true,
      file: { kind: "baseline", type: "SQL_BASELINE", version: "5.1", rawVersion: "5_1" },
    });
    // startsAndEndsWith: a resolver takes only names longer than prefix + suffix.
    expect(parseMigrationName("R.sql")).toEqual({ ok: "ignored" });
    // Callbacks (Event ids) are not migrations.
    expect(parseMigrationName("afterMigrate.sql")).toEqual({ ok: "ignored" });
    expect(parseMigrationName("beforeEachMigrate__audit.sql")).toEqual({ ok: "ignored" });
    // ResourceNameValidator parses every .sql file: these are what validateMigrationNaming reports.
    expect(parseMigrationName("seed.sql")).toEqual({
      ok: false,
      reason: "Unrecognised migration name format: seed.sql",
    });
    expect(parseMigrationName("U1__Undo.sql")).toEqual({
      ok: false,
      reason: "Unrecognised migration name format: U1__Undo.sql",
    });
    expect(parseMigrationName("V__x.sql")).toEqual({
      ok: false,
      reason:
        "Invalid versioned migration name format: V__x.sql (It must contain a version and should look like this: V1.2__x.sql)",
    });
    expect(parseMigrationName("V1a__x.sql")).toEqual({
      ok: false,
      reason:
        "Invalid versioned migration name format: V1a__x.sql (could not recognise version number 1a)",
    });
    expect(parseMigrationName("Rx__y.sql")).toEqual({
      ok: false,
      reason:
        "Invalid repeatable migration / callback name format: Rx__y.sql (It cannot contain a version and should look like this: R__y.sql)",
    });
  });

  it("reads the naming settings: prefixes, separator and suffixes", () => {
    const naming = {
      ...DEFAULT_NAMING,
      sqlMigrationPrefix: "M",
      sqlMigrationSeparator: "-",
      sqlMigrationSuffixes: [".pgsql", ".sql"],
    };
    expect(parseMigrationName("M1-First.pgsql", naming)).toMatchObject({
      ok: true,
      file: { version: "1", description: "First" },
    });
    expect(parseMigrationName("V1__First.sql", naming)).toMatchObject({ ok: false });
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
