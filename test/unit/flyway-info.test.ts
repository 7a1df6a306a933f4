import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import { flywayChecksum, parseMigrationName } from "../../src/core/flyway-files.js";
import {
  type BuiltinPlaceholders,
  placeholderTimestamp,
} from "../../src/core/flyway-placeholders.js";
import {
  DEFAULT_IGNORE_PATTERNS,
  DEFAULT_PLACEHOLDERS,
  flywayEnvFromSettings,
  parseIgnorePatterns,
  parseTarget,
  patternMatches,
  resolveFlywaySettings,
} from "../../src/core/flyway-settings.js";
import { MIGRATION_STATES } from "../../src/core/flyway-states.js";
import {
  computeStatus,
  type DiskMigration,
  type HistoryRow,
} from "../../src/core/flyway-status.js";
import {
  CASE_DATABASE,
  FLYWAY_CASES,
  type FlywayCase,
  rowChecksum,
} from "../helpers/flyway-cases.js";

function disk(files: Record<string, string>): DiskMigration[] {
  return Object.entries(files).map(([name, text]) => {
    const parsed = parseMigrationName(name);
    if (parsed.ok !== true) throw new Error(`bad test file name ${name}`);
    return {
      ...parsed.file,
      checksum: flywayChecksum(text),
      ...(parsed.file.kind === "repeatable" ? { text } : {}),
    };
  });
}

/** The built-in placeholders as the case database gives them (see CASE_DATABASE). */
const BUILTINS: BuiltinPlaceholders = {
  defaultSchema: CASE_DATABASE.schema,
  database: CASE_DATABASE.database,
  user: CASE_DATABASE.user,
  table: "flyway_schema_history",
  environment: "default",
  workingDirectory: "/flyway",
  timestamp: placeholderTimestamp(new Date()),
};

function history(c: FlywayCase): HistoryRow[] {
  return c.rows.map((r, i) => ({
    installed_rank: i + 1,
    version: r.version,
    description: r.description,
    type: r.type ?? "SQL",
    script: r.script,
    checksum: rowChecksum(c, r),
    installed_by: "test",
    installed_on: "2026-01-01 00:00:00",
    execution_time: 1,
    success: r.success ?? true,
  }));
}

function run(c: FlywayCase) {
  const settings = resolveFlywaySettings({ env: c.env ?? {}, allowPending: c.allowPending });
  return computeStatus(history(c), disk(c.files), {
    ...settings,
    replacing: { settings: DEFAULT_PLACEHOLDERS, builtins: BUILTINS },
  });
}

describe("Flyway's states and validate verdicts, case by case", () => {
  it.each(FLYWAY_CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const s = run(c);
    expect(s.migrations.map((m) => [m.version ?? m.description, m.state])).toEqual(c.info);
    expect(s.errors.map((e) => e.code)).toEqual(c.validate === "ok" ? [] : c.validate);
    expect(s.healthy).toBe(c.validate === "ok");
  });

  it("the table exercises every state Flyway can give without undo migrations", () => {
    const seen = new Set(FLYWAY_CASES.flatMap((c) => c.info.map(([, state]) => state)));
    const expected = Object.entries(MIGRATION_STATES)
      .filter(([code]) => code !== "UNDONE" && code !== "AVAILABLE")
      .map(([, s]) => s.display);
    expect([...seen].sort()).toEqual([...expected].sort());
  });
});

describe("computeStatus details", () => {
  const file = (name: string, text = name) => disk({ [name]: text })[0]!;
  const row = (over: Partial<HistoryRow> & Pick<HistoryRow, "installed_rank">): HistoryRow => ({
    version: "1",
    description: "First",
    type: "SQL",
    script: "V1__First.sql",
    checksum: flywayChecksum("V1__First.sql"),
    success: true,
    ...over,
  });
  const strict = resolveFlywaySettings({ env: {} });

  it("pairs a row with its file by Flyway's version equality (1.0 = 1) and reports the current version", () => {
    const s = computeStatus(
      [row({ installed_rank: 1, version: "1.0" })],
      [file("V1__First.sql")],
      strict,
    );
    expect(s.migrations).toHaveLength(1);
    expect(s.migrations[0]).toMatchObject({ state: "Success", stateCode: "SUCCESS" });
    expect(s.currentVersion).toBe("1.0");
  });

  it("gives every line the checksum on disk and in history, the rank and who installed it", () => {
    const s = computeStatus(
      [
        row({
          installed_rank: 7,
          checksum: 5,
          installed_by: "platform",
          installed_on: "2026-02-03 04:05:06.789",
          execution_time: 12,
        }),
      ],
      [file("V1__First.sql")],
      strict,
    );
    expect(s.migrations[0]).toEqual({
      category: "Versioned",
      undoable: "No",
      version: "1",
      rawVersion: "1",
      description: "First",
      type: "SQL",
      script: "V1__First.sql",
      state: "Success",
      stateCode: "SUCCESS",
      checksumOnDisk: flywayChecksum("V1__First.sql"),
      checksumInHistory: 5,
      installedRank: 7,
      installedOn: "2026-02-03 04:05:06.789",
      installedBy: "platform",
      executionTime: 12,
      validateError: expect.stringMatching(
        /^Migration checksum mismatch for migration version 1\n/,
      ),
    });
  });

  it("refuses two files with the same version, as Flyway's resolver does", () => {
    const s = computeStatus([], [file("V1__A.sql"), file("V1_0__B.sql")], strict);
    expect(s.healthy).toBe(false);
    expect(s.errors[0]?.message).toBe(
      "Found more than one migration with version 1.0 (V1__A.sql, V1_0__B.sql)",
    );
  });

  it("compares descriptions after Flyway's 200-character abbreviation", () => {
    const long = "x".repeat(230);
    const name = `V1__${long}.sql`;
    const applied = row({
      installed_rank: 1,
      description: `${long.slice(0, 197)}...`,
      script: name,
      checksum: flywayChecksum(name),
    });
    expect(computeStatus([applied], [file(name)], strict).healthy).toBe(true);
  });

  it("checks neither checksum nor description at or below the baseline", () => {
    const baseline = row({
      installed_rank: 1,
      version: "2",
      description: "<< Flyway Baseline >>",
      type: "BASELINE",
      script: "<< Flyway Baseline >>",
      checksum: null,
    });
    const below = row({ installed_rank: 2, checksum: 1, description: "Other" });
    const s = computeStatus([baseline, below], [file("V1__First.sql")], strict);
    expect(s.errors).toEqual([]);
  });

  it("*:* ignores every state, failed ones included (ValidatePattern matches any state)", () => {
    const failed = row({ installed_rank: 1, success: false });
    const all = resolveFlywaySettings({ env: { FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:*" } });
    expect(computeStatus([failed], [file("V1__First.sql")], all).healthy).toBe(true);
    expect(computeStatus([failed], [file("V1__First.sql")], strict).healthy).toBe(false);
  });

  it("orders pending repeatables by description, after versioned ones", () => {
    const s = computeStatus([], [file("R__b.sql"), file("R__a.sql"), file("V2__x.sql")], {
      ...strict,
      allowPending: true,
    });
    expect(s.migrations.map((m) => m.version ?? m.description)).toEqual(["2", "a", "b"]);
  });
});

describe("Flyway settings", () => {
  it("parses ignoreMigrationPatterns like Flyway: type:state, case-insensitive, comma separated", () => {
    expect(parseIgnorePatterns(" *:Future , repeatable:missing", "x").map((p) => p.text)).toEqual([
      "*:Future",
      "repeatable:missing",
    ]);
    expect(parseIgnorePatterns("", "x")).toEqual([]);
    expect(() => parseIgnorePatterns("junk", "FLYWAY_IGNORE_MIGRATION_PATTERNS")).toThrow(
      "FLYWAY_IGNORE_MIGRATION_PATTERNS: invalid pattern 'junk' (a pattern is <migration_type>:<migration_state>)",
    );
    expect(() => parseIgnorePatterns("*:failed", "x")).toThrow(ConfigError);
    expect(() => parseIgnorePatterns("all:missing", "x")).toThrow(/invalid migration type 'all'/);
  });

  it("matches states by Flyway's display name and the migration's type", () => {
    const [missing] = parseIgnorePatterns("versioned:missing", "x");
    expect(patternMatches(missing!, true, "MISSING_SUCCESS")).toBe(true);
    expect(patternMatches(missing!, false, "MISSING_SUCCESS")).toBe(false);
    expect(patternMatches(missing!, true, "MISSING_FAILED")).toBe(false);
  });

  it("defaults to *:future; the env var wins over the config file; an empty value clears", () => {
    expect(DEFAULT_IGNORE_PATTERNS).toBe("*:future");
    const d = resolveFlywaySettings({ env: {} });
    expect(d.ignorePatterns.map((p) => p.text)).toEqual(["*:future"]);
    const cfg = resolveFlywaySettings({
      env: {},
      config: { ignoreMigrationPatterns: ["*:missing"], target: "3", outOfOrder: true },
    });
    expect(cfg).toMatchObject({
      ignorePatterns: [{ text: "*:missing" }],
      ignorePatternsSource: "migrations.flyway.ignoreMigrationPatterns",
      target: { kind: "version", version: "3", failOnMissing: true },
      outOfOrder: true,
    });
    const env = resolveFlywaySettings({
      env: {
        FLYWAY_IGNORE_MIGRATION_PATTERNS: "",
        FLYWAY_TARGET: "latest",
        FLYWAY_OUT_OF_ORDER: "FALSE",
      },
      config: { ignoreMigrationPatterns: ["*:missing"], target: "3", outOfOrder: true },
    });
    expect(env).toMatchObject({
      ignorePatterns: [],
      target: { kind: "latest" },
      outOfOrder: false,
    });
  });

  it("reads targets and versions as Flyway does, and rejects what Flyway rejects", () => {
    expect(parseTarget("CURRENT", "t")).toEqual({ kind: "current" });
    expect(parseTarget("next", "t")).toEqual({ kind: "next" });
    expect(parseTarget("1_2?", "t")).toEqual({
      kind: "version",
      version: "1.2",
      failOnMissing: false,
    });
    expect(() => parseTarget("v2", "FLYWAY_TARGET")).toThrow(
      "FLYWAY_TARGET: 'v2' is not a Flyway version (digits separated by '.' or '_')",
    );
    expect(() => resolveFlywaySettings({ env: { FLYWAY_OUT_OF_ORDER: "yes" } })).toThrow(
      "FLYWAY_OUT_OF_ORDER: expected true or false, got 'yes'",
    );
    expect(resolveFlywaySettings({ env: { FLYWAY_BASELINE_VERSION: "3" } }).baselineVersion).toBe(
      "3",
    );
  });

  it("hands config-file settings to the Flyway CLI unless the environment sets them", () => {
    const config = { ignoreMigrationPatterns: ["*:missing", "*:future"], outOfOrder: true };
    // What run-flyway-cli hands Flyway: the one resolver's result, as variables.
    const handed = (env: NodeJS.ProcessEnv) =>
      flywayEnvFromSettings(resolveFlywaySettings({ env, config }));
    expect(handed({})).toEqual({
      FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:missing,*:future",
      FLYWAY_OUT_OF_ORDER: "true",
    });
    expect(handed({ FLYWAY_OUT_OF_ORDER: "false" })).toEqual({
      FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:missing,*:future",
    });
  });
});

describe("hints for validate's errors", () => {
  it("says what to do for each kind of error", async () => {
    const { hintFor } = await import("../../src/flows/flyway-status.js");
    expect(
      hintFor({
        code: "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
        message: "",
        stateCode: "IGNORED",
      }),
    ).toMatch(/FLYWAY_OUT_OF_ORDER=true/);
    expect(
      hintFor({
        code: "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
        message: "",
        stateCode: "PENDING",
      }),
    ).toMatch(/--allow-pending/);
    expect(
      hintFor({ code: "INFO", message: "No migration with a target version 9 could be found." }),
    ).toMatch(/FLYWAY_TARGET/);
    expect(
      hintFor({
        code: "INFO",
        message: "Corrupted schema history: multiple delete entries for version 2",
      }),
    ).toMatch(/fix them by hand/);
    expect(
      hintFor({
        code: "INFO",
        message: "No value provided for placeholder: ${owner}.  Check your configuration!",
      }),
    ).toMatch(/FLYWAY_PLACEHOLDERS_<NAME>/);
    expect(
      hintFor({ code: "SCHEMA_DOES_NOT_EXIST", message: 'Schema "app" doesn\'t exist yet' }),
    ).toMatch(/migrate creates it/);
  });
});
