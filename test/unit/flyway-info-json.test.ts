/**
 * `flyway-status --json`'s per-database document, field for field as Flyway 10.22's
 * `flyway info -outputType=json` (InfoResult, InfoOutput), so a script that reads
 * Flyway's JSON reads ours.
 */
import { describe, expect, it } from "vitest";
import {
  FLYWAY_RULES_VERSION,
  flywayInfoOutput,
  flywayInfoResult,
  installedOnUtc,
} from "../../src/core/flyway-info-json.js";
import type { MigrationStatus } from "../../src/core/flyway-status.js";

const line: MigrationStatus = {
  category: "Versioned",
  undoable: "No",
  version: "1.1",
  rawVersion: "1_1",
  description: "Add users",
  type: "SQL",
  script: "V1_1__Add_users.sql",
  state: "Success",
  stateCode: "SUCCESS",
  checksumOnDisk: 5,
  checksumInHistory: 5,
  installedRank: 2,
  installedOn: "2026-01-31 10:00:00.5",
  installedBy: "platform",
  executionTime: 12,
  group: "schema",
  filepath: "/w/sql/platform/V1_1__Add_users.sql",
};

describe("flywayInfoResult", () => {
  it("has Flyway's fields: a local timestamp without zone, the schemas joined, the current version", () => {
    expect(
      flywayInfoResult({
        database: "platform",
        currentVersion: "1.1",
        schemas: ["app", "audit"],
        migrations: [line],
        allSchemasEmpty: false,
        now: new Date("2026-12-07T04:05:06.789Z"),
      }),
    ).toEqual({
      timestamp: "2026-12-07T04:05:06.789",
      operation: "info",
      flywayVersion: FLYWAY_RULES_VERSION,
      database: "platform",
      schemaVersion: "1.1",
      schemaName: "app, audit",
      migrations: [
        {
          category: "Versioned",
          version: "1.1",
          rawVersion: "1_1",
          description: "Add users",
          type: "SQL",
          installedOnUTC: "2026-01-31T10:00:00.500Z",
          state: "Success",
          undoable: "No",
          filepath: "/w/sql/platform/V1_1__Add_users.sql",
          undoFilepath: "",
          installedBy: "platform",
          shouldExecuteExpression: null,
          executionTime: 12,
        },
      ],
      allSchemasEmpty: false,
    });
    expect(FLYWAY_RULES_VERSION).toBe("10.22.0");
  });

  it("schemaVersion is null before any version; no schemas is an empty name", () => {
    const result = flywayInfoResult({
      database: "agents",
      currentVersion: undefined,
      schemas: [],
      migrations: [],
      allSchemasEmpty: true,
      now: new Date("2026-12-07T00:00:00Z"),
    });
    expect(result).toMatchObject({
      schemaVersion: null,
      schemaName: "",
      migrations: [],
      allSchemasEmpty: true,
    });
    expect(result.timestamp).toBe("2026-12-07T00:00:00.000");
  });
});

describe("installedOnUtc", () => {
  it("keeps milliseconds as three digits, microseconds as six; unreadable text is empty", () => {
    expect(installedOnUtc("2026-01-31 10:00:00.1")).toBe("2026-01-31T10:00:00.100Z");
    expect(installedOnUtc("2026-01-31 10:00:00.000001")).toBe("2026-01-31T10:00:00.000001Z");
    expect(installedOnUtc("2026-01-31T10:00:00")).toBe("");
    expect(installedOnUtc("")).toBe("");
  });

  it("a line without a file has an empty filepath", () => {
    const { filepath: _f, ...noFile } = line;
    expect(flywayInfoOutput(noFile).filepath).toBe("");
  });
});
