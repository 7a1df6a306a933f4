/**
 * Placeholder replacement and the info JSON, each rule cited from flyway-core
 * (tag flyway-10.22.0).
 */
import { describe, expect, it } from "vitest";
import { flywayChecksum, parseMigrationName } from "../../src/core/flyway-files.js";
import type { DiskMigration } from "../../src/core/flyway-info.js";
import { flywayInfoOutput, installedOnUtc } from "../../src/core/flyway-info-json.js";
import {
  type BuiltinPlaceholders,
  PlaceholderError,
  placeholderTimestamp,
  placeholderValues,
  replacePlaceholders,
  withPlaceholderChecksums,
} from "../../src/core/flyway-placeholders.js";
import { parseScriptConfig } from "../../src/core/flyway-script-config.js";
import { DEFAULT_PLACEHOLDERS, resolveFlywaySettings } from "../../src/core/flyway-settings.js";
import { computeStatus } from "../../src/core/flyway-status.js";

const builtins: BuiltinPlaceholders = {
  defaultSchema: "app",
  database: "platform",
  user: "platform_owner",
  table: "flyway_schema_history",
  environment: "default",
  workingDirectory: "/flyway",
  timestamp: "2026-01-02 03:04:05",
};

const values = (placeholders: Record<string, string> = {}) =>
  placeholderValues({ ...DEFAULT_PLACEHOLDERS, placeholders }, builtins, "R__x.sql");
const replace = (text: string, placeholders: Record<string, string> = {}, prefix = "${") =>
  replacePlaceholders(text, prefix, "}", values(placeholders));

describe("PlaceholderReplacingReader, character by character", () => {
  it("replaces the built-in flyway: placeholders (ParsingContext.populate) and the user's", () => {
    expect(
      replace(
        "${flyway:defaultSchema} ${flyway:user} ${flyway:database} ${flyway:table} ${flyway:environment} ${flyway:workingDirectory} ${flyway:timestamp} ${flyway:filename} ${owner}",
        { owner: "ops" },
      ),
    ).toBe(
      "app platform_owner platform flyway_schema_history default /flyway 2026-01-02 03:04:05 R__x.sql ops",
    );
  });

  it("matches names without case (CaseInsensitiveMap), built-ins over the user's", () => {
    expect(replace("${OWNER} ${Flyway:User}", { Owner: "ops", "flyway:user": "mine" })).toBe(
      "ops platform_owner",
    );
  });

  it("an empty value removes the placeholder", () => {
    expect(replace("a${gap}b", { gap: "" })).toBe("ab");
  });

  it("after a partial prefix the characters read ahead are not looked at again: $${x} stays", () => {
    expect(replace("$${x} $a${x}", { x: "X" })).toBe("$${x} $aX");
  });

  it("an unknown name stops Flyway, with Flyway's message", () => {
    expect(() => replace("${nope}")).toThrow(
      new PlaceholderError(
        "No value provided for placeholder: ${nope}.  Check your configuration!",
      ),
    );
    expect(() =>
      replacePlaceholders(
        "${flyway:database}",
        "${",
        "}",
        placeholderValues(DEFAULT_PLACEHOLDERS, { ...builtins, database: undefined }, "R__x.sql"),
      ),
    ).toThrow("Failed to populate value for default placeholder: ${flyway:database}");
  });

  it("honours another prefix and suffix", () => {
    expect(replacePlaceholders("#[owner] ${owner}", "#[", "]", values({ owner: "ops" }))).toBe(
      "ops ${owner}",
    );
  });

  it("formats flyway:timestamp as SimpleDateFormat('yyyy-MM-dd HH:mm:ss')", () => {
    expect(placeholderTimestamp(new Date(2026, 0, 2, 3, 4, 5))).toBe("2026-01-02 03:04:05");
  });
});

describe("repeatables' checksums (SqlMigrationResolver.getChecksumForLoadableResource)", () => {
  const file = (name: string, text: string): DiskMigration => {
    const parsed = parseMigrationName(name);
    if (parsed.ok !== true) throw new Error(name);
    return { ...parsed.file, checksum: flywayChecksum(text), text };
  };
  const text = "create view ${flyway:defaultSchema}.v as select '${owner}';\n";

  it("a repeatable: after replacement, with the checksum as written kept as the equivalent one", () => {
    const [r] = withPlaceholderChecksums(
      [file("R__View.sql", text)],
      { ...DEFAULT_PLACEHOLDERS, placeholders: { owner: "ops" } },
      builtins,
    );
    expect(r!.checksum).toBe(flywayChecksum("create view app.v as select 'ops';\n"));
    expect(r!.equivalentChecksum).toBe(flywayChecksum(text));
  });

  it("a versioned migration is checksummed as written", () => {
    const v = file("V1__View.sql", text);
    expect(withPlaceholderChecksums([v], DEFAULT_PLACEHOLDERS, builtins)[0]!.checksum).toBe(
      flywayChecksum(text),
    );
  });

  it("placeholderReplacement=false: as written", () => {
    const [r] = withPlaceholderChecksums(
      [file("R__View.sql", text)],
      { ...DEFAULT_PLACEHOLDERS, placeholderReplacement: false },
      builtins,
    );
    expect(r!.checksum).toBe(flywayChecksum(text));
  });

  it("a user placeholder's recorded checksum is Success, and a changed value makes it Outdated", () => {
    const settings = resolveFlywaySettings({ env: {} });
    const row = (checksum: number) => ({
      installed_rank: 1,
      version: null,
      description: "View",
      type: "SQL",
      script: "R__View.sql",
      checksum,
      success: true,
    });
    const recorded = flywayChecksum("create view app.v as select 'ops';\n");
    const status = (owner: string) =>
      computeStatus([row(recorded)], [file("R__View.sql", text)], {
        ...settings,
        replacing: {
          settings: { ...DEFAULT_PLACEHOLDERS, placeholders: { owner } },
          builtins,
        },
      });
    expect(status("ops").migrations.map((m) => m.state)).toEqual(["Success"]);
    expect(status("dba").migrations.map((m) => m.state)).toEqual(["Outdated", "Pending"]);
  });
});

describe("flyway info -outputType=json (CommandResultFactory.createInfoOutput)", () => {
  it("installedOnUTC is Timestamp.toInstant().toString(): fraction in groups of three, none when zero", () => {
    expect(installedOnUtc("2026-01-31 10:00:00")).toBe("2026-01-31T10:00:00Z");
    expect(installedOnUtc("2026-01-31 10:00:00.000000")).toBe("2026-01-31T10:00:00Z");
    expect(installedOnUtc("2026-01-31 10:00:00.120000")).toBe("2026-01-31T10:00:00.120Z");
    expect(installedOnUtc("2026-01-31 10:00:00.123456")).toBe("2026-01-31T10:00:00.123456Z");
    expect(installedOnUtc(null)).toBe("");
  });

  it("a repeatable has version, rawVersion and undoable empty; a DELETE row is still 'No'", () => {
    const base = {
      description: "x",
      script: "x",
      state: "Success",
      stateCode: "SUCCESS" as const,
      checksumOnDisk: null,
      checksumInHistory: null,
      installedRank: 1,
      installedOn: null,
      installedBy: null,
      executionTime: null,
    };
    expect(
      flywayInfoOutput({ ...base, category: "Repeatable", undoable: "", type: "SQL" }),
    ).toMatchObject({
      version: "",
      rawVersion: "",
      undoable: "",
      installedBy: "",
      executionTime: 0,
    });
    expect(
      flywayInfoOutput({
        ...base,
        category: "",
        undoable: "",
        type: "DELETE",
        version: "1.1",
        rawVersion: "1_1",
      }),
    ).toMatchObject({ category: "", version: "1.1", rawVersion: "1_1", undoable: "No" });
  });
});

describe("a script's own .conf (SqlScriptMetadata)", () => {
  it("reads encoding and placeholderReplacement as Java properties; refuses what ConfigUtils.removeBoolean refuses", () => {
    expect(
      parseScriptConfig("# c\n! c\nencoding = ISO-8859-1\r\nplaceholderReplacement:FALSE\n", "x"),
    ).toEqual({ encoding: "ISO-8859-1", placeholderReplacement: false });
    expect(parseScriptConfig("executeInTransaction=false\n", "x")).toEqual({});
    expect(() => parseScriptConfig("placeholderReplacement=no\n", "R__x.sql.conf")).toThrow(
      "R__x.sql.conf: Invalid value for placeholderReplacement (should be either true or false): no",
    );
  });

  it("its placeholderReplacement=false wins over the setting for that script", () => {
    const text = "select '${nope}';\n";
    const parsed = parseMigrationName("R__Raw.sql");
    if (parsed.ok !== true) throw new Error("name");
    const [r] = withPlaceholderChecksums(
      [{ ...parsed.file, checksum: flywayChecksum(text), text, placeholderReplacement: false }],
      DEFAULT_PLACEHOLDERS,
      builtins,
    );
    expect(r!.checksum).toBe(flywayChecksum(text));
  });
});
