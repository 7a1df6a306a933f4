/**
 * The one Flyway settings resolver, case by case: environment × flyway.toml ×
 * flyway.conf × migrations.flyway, with the values Flyway 10.22.0 resolves. Each
 * case cites the flyway-commandline / flyway-core rule it follows.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { confEntries, fileSettings, planConfigFiles } from "../../src/core/flyway-config-files.js";
import {
  type FlywayConfigSettings,
  flywayEnvForJob,
  flywayEnvFromSettings,
  type ResolvedFlywaySettings,
  resolveFlywaySettings,
} from "../../src/core/flyway-settings.js";
import { parseFlywayToml } from "../../src/core/flyway-toml.js";

const ROOT = "/ws";
const HOME = "/home/dev";

/** Resolves as the flow does, over an in-memory file system. */
function resolveWith(c: {
  env?: Record<string, string>;
  files?: Record<string, string>;
  config?: FlywayConfigSettings;
}): ResolvedFlywaySettings {
  const env = { HOME, ...(c.env ?? {}) };
  const files = c.files ?? {};
  const plan = planConfigFiles({
    env,
    cwd: ROOT,
    home: HOME,
    installDir: "/opt/flyway",
    exists: (p) => p in files,
  });
  const texts = new Map(plan.files.map((f) => [f, files[f] ?? ""]));
  const docs = new Map(
    plan.mode === "toml" ? plan.files.map((f) => [f, parseFlywayToml(texts.get(f)!, f)]) : [],
  );
  return resolveFlywaySettings({
    env,
    ...(c.config ? { config: c.config } : {}),
    files: fileSettings({ plan, texts, docs, env }),
    cwd: ROOT,
  });
}

interface Case {
  name: string;
  rule: string;
  env?: Record<string, string>;
  files?: Record<string, string>;
  config?: FlywayConfigSettings;
  expect: {
    table?: string;
    historySchema?: string | undefined;
    schemas?: string[];
    locations?: string[] | undefined;
    placeholders?: Record<string, string>;
    prefix?: string;
    sqlMigrationPrefix?: string;
    suffixes?: string[];
    patterns?: string[];
    environment?: string | undefined;
    warning?: RegExp;
    from?: Record<string, string>;
  };
}

const TOML = join(ROOT, "flyway.toml");
const CONF = join(ROOT, "flyway.conf");

const CASES: Case[] = [
  {
    name: "nothing set: Flyway's defaults",
    rule: "FlywayModel.defaults",
    expect: {
      table: "flyway_schema_history",
      historySchema: undefined,
      schemas: [],
      locations: undefined,
      prefix: "${",
      sqlMigrationPrefix: "V",
      suffixes: [".sql"],
      patterns: ["*:future"],
      environment: "default",
    },
  },
  {
    name: "FLYWAY_TABLE, FLYWAY_SCHEMAS: the first schema holds the history",
    rule: "ConfigUtils.convertKey; Flyway#prepare takes defaultSchema, else schemas[0]",
    env: { FLYWAY_TABLE: "schema_history", FLYWAY_SCHEMAS: "app, audit" },
    expect: { table: "schema_history", schemas: ["app", "audit"], historySchema: "app" },
  },
  {
    name: "FLYWAY_DEFAULT_SCHEMA wins over the first of FLYWAY_SCHEMAS",
    rule: "ClassicConfiguration.getDefaultSchema",
    env: { FLYWAY_SCHEMAS: "app,audit", FLYWAY_DEFAULT_SCHEMA: "audit" },
    expect: { historySchema: "audit" },
  },
  {
    name: "flyway.toml [flyway] and [environments.default]",
    rule: "TomlUtils.loadConfigurationFiles; EnvironmentModel.schemas",
    files: {
      [TOML]: `[environments.default]\nschemas = ["billing"]\n\n[flyway]\ntable = "history"\nlocations = ["filesystem:migrations"]\n\n[flyway.placeholders]\nowner = "app_owner"\n`,
    },
    expect: {
      table: "history",
      historySchema: "billing",
      locations: ["/ws/migrations"],
      placeholders: { owner: "app_owner" },
      from: { table: `${TOML}:5`, schemas: `${TOML}:2`, "placeholders.owner": `${TOML}:9` },
    },
  },
  {
    name: "the environment wins over flyway.toml",
    rule: "ModernConfigurationManager.getConfiguration: config.merge(environmentVariablesModel)",
    env: { FLYWAY_TABLE: "from_env", FLYWAY_LOCATIONS: "filesystem:/abs/sql,filesystem:rel" },
    files: { [TOML]: `[flyway]\ntable = "from_file"\nlocations = ["filesystem:x"]\n` },
    expect: {
      table: "from_env",
      locations: ["/abs/sql", "/ws/rel"],
      from: { table: "FLYWAY_TABLE", locations: "FLYWAY_LOCATIONS" },
    },
  },
  {
    name: "the selected environment's [environments.<name>.flyway] wins over [flyway] and the environment",
    rule: "ClassicConfiguration.getTable: getEnvironmentOverrides() first",
    env: { flyway_environment: "dev", FLYWAY_TABLE: "from_env" },
    files: {
      [TOML]: `[flyway]\nenvironment = "prod"\ntable = "top"\n\n[environments.dev]\nschemas = ["devschema"]\n\n[environments.dev.flyway]\ntable = "dev_history"\n\n[environments.prod]\nschemas = ["prodschema"]\n`,
    },
    expect: { table: "dev_history", historySchema: "devschema", environment: "dev" },
  },
  {
    name: "[flyway] environment selects the environment when no variable does",
    rule: "FlywayModel.environment, merged across files",
    files: {
      [TOML]: `[flyway]\nenvironment = "prod"\n\n[environments.prod]\nschemas = ["prodschema"]\n`,
    },
    expect: { historySchema: "prodschema", environment: "prod" },
  },
  {
    name: "FLYWAY_ENVIRONMENT is not Flyway's: ignored, with a warning",
    rule: "ConfigUtils.convertKey has no FLYWAY_ENVIRONMENT",
    env: { FLYWAY_ENVIRONMENT: "prod" },
    files: { [TOML]: `[environments.prod]\nschemas = ["prodschema"]\n` },
    expect: {
      historySchema: undefined,
      environment: "default",
      warning: /FLYWAY_ENVIRONMENT is not read by Flyway 10/,
    },
  },
  {
    name: "flyway.user.toml overrides flyway.toml in the same directory; the working directory overrides home",
    rule: "ConfigUtils.getDefaultTomlConfigFileLocations order",
    files: {
      [join(HOME, "flyway.toml")]: `[flyway]\ntable = "home"\nsqlMigrationPrefix = "M"\n`,
      [TOML]: `[flyway]\ntable = "project"\n`,
      [join(ROOT, "flyway.user.toml")]: `[flyway]\ntable = "mine"\n`,
    },
    expect: { table: "mine", sqlMigrationPrefix: "M" },
  },
  {
    name: "flyway.conf when no TOML file is there",
    rule: "ConfigurationManagerImpl.useModernConfig: CONF files on disk, no TOML",
    files: {
      [CONF]:
        "# comment\nflyway.table=conf_history\nflyway.schemas=a,b\nflyway.placeholders.Owner=${USER_FOR_TEST}\nflyway.locations=filesystem:one,\\\n  filesystem:two\n",
    },
    env: { USER_FOR_TEST: "alice" },
    expect: {
      table: "conf_history",
      historySchema: "a",
      placeholders: { Owner: "alice" },
      locations: ["/ws/one", "/ws/two"],
      environment: undefined,
      from: { table: `${CONF}:2` },
    },
  },
  {
    name: "a TOML file on disk makes Flyway ignore flyway.conf",
    rule: "ConfigurationManagerImpl.useModernConfig: TOML files found, CONF ignored",
    files: { [CONF]: "flyway.table=conf\n", [TOML]: `[flyway]\ntable = "toml"\n` },
    expect: { table: "toml" },
  },
  {
    name: "FLYWAY_CONFIG_FILES naming a .conf file selects CONF mode over a flyway.toml on disk",
    rule: "ConfigurationManagerImpl.useModernConfig: FLYWAY_CONFIG_FILES decides first",
    env: { FLYWAY_CONFIG_FILES: "conf/extra.conf" },
    files: {
      [TOML]: `[flyway]\ntable = "toml"\n`,
      [join(ROOT, "conf/extra.conf")]: "flyway.table=extra\n",
    },
    expect: { table: "extra" },
  },
  {
    name: "placeholders: file and environment merge by name; the variable's name is lower-cased",
    rule: "FlywayModel.merge placeholders; ConfigUtils.convertKey FLYWAY_PLACEHOLDERS_",
    env: {
      FLYWAY_PLACEHOLDERS_REGION: "eu",
      FLYWAY_PLACEHOLDER_PREFIX: "#[",
      FLYWAY_PLACEHOLDER_SUFFIX: "]",
    },
    files: { [TOML]: `[flyway.placeholders]\nowner = "o"\nregion = "us"\n` },
    expect: { placeholders: { owner: "o", region: "eu" }, prefix: "#[" },
  },
  {
    name: "naming settings from the environment",
    rule: "ConfigUtils.convertKey; BaselineMigrationConfigurationExtension",
    env: {
      FLYWAY_SQL_MIGRATION_PREFIX: "M",
      FLYWAY_SQL_MIGRATION_SUFFIXES: ".sql,.pgsql",
      FLYWAY_BASELINE_MIGRATION_PREFIX: "BL",
    },
    expect: { sqlMigrationPrefix: "M", suffixes: [".sql", ".pgsql"] },
  },
  {
    name: "migrations.flyway is below Flyway's own files and the environment",
    rule: "our config file: the default under what Flyway reads itself",
    config: { ignoreMigrationPatterns: ["*:missing"], target: "3" },
    files: { [TOML]: `[flyway]\nignoreMigrationPatterns = ["*:ignored"]\n` },
    expect: {
      patterns: ["*:ignored"],
      from: { ignoreMigrationPatterns: `${TOML}:2`, target: "migrations.flyway.target" },
    },
  },
  {
    name: "a location flyway-status cannot read is named in a warning",
    rule: "flyway-core Location: classpath when unprefixed",
    env: { FLYWAY_LOCATIONS: "db/migration,filesystem:sql" },
    expect: {
      locations: ["/ws/sql"],
      warning: /FLYWAY_LOCATIONS: location db\/migration is not a filesystem: location/,
    },
  },
  {
    name: "a setting Flyway applies and flyway-status cannot is named in a warning",
    rule: "FlywayModel.detectEncoding",
    files: { [TOML]: `[flyway]\ndetectEncoding = true\n` },
    expect: {
      warning: new RegExp(
        `${TOML}:2: detectEncoding is applied by Flyway but not by flyway-status`,
      ),
    },
  },
  {
    name: "schemas under [flyway] are not Flyway 10's (an environment's own): warned and ignored",
    rule: "EnvironmentModel.schemas",
    files: { [TOML]: `[flyway]\nschemas = ["x"]\n` },
    expect: { historySchema: undefined, warning: /reads schemas from \[environments\.<name>\]/ },
  },
];

describe("resolveFlywaySettings: environment × flyway.toml × flyway.conf × migrations.flyway", () => {
  for (const c of CASES) {
    it(`${c.name} (${c.rule})`, () => {
      const s = resolveWith(c);
      const e = c.expect;
      if ("table" in e) expect(s.table).toBe(e.table);
      if ("historySchema" in e) expect(s.historySchema).toBe(e.historySchema);
      if ("schemas" in e) expect(s.schemas).toEqual(e.schemas);
      if ("locations" in e) expect(s.locations?.dirs).toEqual(e.locations);
      if ("placeholders" in e) expect(s.placeholders.placeholders).toEqual(e.placeholders);
      if ("prefix" in e) expect(s.placeholders.placeholderPrefix).toBe(e.prefix);
      if ("sqlMigrationPrefix" in e) expect(s.naming.sqlMigrationPrefix).toBe(e.sqlMigrationPrefix);
      if ("suffixes" in e) expect(s.naming.sqlMigrationSuffixes).toEqual(e.suffixes);
      if ("patterns" in e) expect(s.ignorePatterns.map((p) => p.text)).toEqual(e.patterns);
      if ("environment" in e) expect(s.environment).toBe(e.environment);
      if (e.warning) expect(s.warnings.join("\n")).toMatch(e.warning);
      else expect(s.warnings).toEqual([]);
      for (const [key, where] of Object.entries(e.from ?? {}))
        expect(s.origins[key]?.where, key).toBe(where);
    });
  }
});

describe("errors name the variable or file:line", () => {
  it("a TOML syntax error names file:line:column and does not echo the file", () => {
    expect(() =>
      resolveWith({ files: { [TOML]: `[flyway]\ntable = "ok"\nsecret = hunter2\n` } }),
    ).toThrow(new RegExp(`^${TOML}:3:10: Invalid TOML document`));
    try {
      resolveWith({ files: { [TOML]: `[flyway]\nsecret = hunter2\n` } });
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
  it("a bad value in a file names its line", () => {
    expect(() => resolveWith({ files: { [TOML]: `[flyway]\n\noutOfOrder = "yes"\n` } })).toThrow(
      `${TOML}:3: expected true or false, got 'yes'`,
    );
    expect(() => resolveWith({ files: { [CONF]: "\nflyway.target=v2\n" } })).toThrow(
      `${CONF}:2: 'v2' is not a Flyway version`,
    );
  });
  it("FLYWAY_CONFIG_FILES naming both kinds, or a missing .conf, stops as Flyway stops", () => {
    expect(() => resolveWith({ env: { FLYWAY_CONFIG_FILES: "a.toml,b.conf" } })).toThrow(
      /FLYWAY_CONFIG_FILES names both TOML and CONF files/,
    );
    expect(() => resolveWith({ env: { FLYWAY_CONFIG_FILES: "gone.conf" } })).toThrow(
      "FLYWAY_CONFIG_FILES: Unable to load config file: /ws/gone.conf",
    );
    // A missing TOML file Flyway skips with a warning.
    expect(resolveWith({ env: { FLYWAY_CONFIG_FILES: "gone.toml" } }).warnings.join()).toMatch(
      /gone\.toml does not exist; Flyway skips it/,
    );
  });
});

describe("what each Flyway is handed", () => {
  it("run-flyway-cli passes migrations.flyway only where nothing Flyway reads itself sets it", () => {
    const s = resolveWith({
      config: { ignoreMigrationPatterns: ["*:missing"], target: "3", outOfOrder: true },
      env: { FLYWAY_OUT_OF_ORDER: "false" },
      files: { [TOML]: `[flyway]\ntarget = "2"\n` },
    });
    expect(flywayEnvFromSettings(s)).toEqual({ FLYWAY_IGNORE_MIGRATION_PATTERNS: "*:missing" });
  });
  it("the chart's Job gets every setting that is not Flyway's default, without locations", () => {
    const s = resolveWith({
      env: { FLYWAY_PLACEHOLDERS_REGION: "eu", FLYWAY_LOCATIONS: "filesystem:x" },
      files: {
        [TOML]: `[environments.default]\nschemas = ["app"]\n\n[flyway]\ntable = "history"\nsqlMigrationPrefix = "M"\n[flyway.placeholders]\nOwner = "o"\n`,
      },
    });
    expect(flywayEnvForJob(s)).toEqual({
      FLYWAY_TABLE: "history",
      FLYWAY_SCHEMAS: "app",
      FLYWAY_SQL_MIGRATION_PREFIX: "M",
      FLYWAY_PLACEHOLDERS_OWNER: "o",
      FLYWAY_PLACEHOLDERS_REGION: "eu",
    });
  });
  it("a flyway.conf value continues over lines only as Flyway's reader continues it", () => {
    const entries = confEntries(
      "flyway.locations=filesystem:a,\\\nfilesystem:b\nflyway.table=t\\\nflyway.schemas=s\n",
      "f.conf",
      {},
    );
    expect(entries.map((e) => [e.key, e.value, e.where])).toEqual([
      ["locations", "filesystem:a,filesystem:b", "f.conf:1"],
      ["table", "t\\", "f.conf:3"],
      ["schemas", "s", "f.conf:4"],
    ]);
  });
});
