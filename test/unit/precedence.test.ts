/**
 * One precedence engine (src/core/precedence.ts) under both resolvers: what a
 * developer's shell leaves behind (`export X=`, `X=" "`) means the same for
 * dev-bootstrap's own variables as for Flyway's, and the highest source that sets
 * a value is the one named when it is wrong.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import { fileSettings, planConfigFiles } from "../../src/core/flyway-config-files.js";
import { resolveFlywaySettings } from "../../src/core/flyway-settings.js";
import { parseFlywayToml } from "../../src/core/flyway-toml.js";
import { counts, environmentSource, Layers, source } from "../../src/core/precedence.js";

function workspace(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "prec-"));
  if (yaml !== undefined) writeFileSync(join(dir, "dev-bootstrap.yaml"), yaml);
  return dir;
}

/** Flyway's settings as the flow resolves them, with one flyway.toml in the workspace. */
function flyway(env: Record<string, string>, toml?: string) {
  const file = "/ws/flyway.toml";
  const plan = planConfigFiles({
    env,
    cwd: "/ws",
    home: undefined,
    installDir: undefined,
    exists: (p) => toml !== undefined && p === file,
  });
  const texts = new Map(plan.files.map((f) => [f, toml ?? ""]));
  const docs = new Map(plan.files.map((f) => [f, parseFlywayToml(toml ?? "", f)]));
  return resolveFlywaySettings({
    env,
    files: fileSettings({ plan, texts, docs, env }),
    cwd: "/ws",
  });
}

describe("an empty or blank environment variable is unset, for our variables and Flyway's alike", () => {
  it("dev-bootstrap's own: the file's value (or the default) stays", () => {
    const cwd = workspace("namespace: from-file\n");
    for (const blank of ["", " ", "\t"]) {
      const { config } = resolveConfig({
        cwd,
        env: { DEV_BOOTSTRAP_NAMESPACE: blank, VAULT_ADDR: blank },
      });
      expect(config.namespace).toBe("from-file");
      expect(config.vault.addr).toBe("http://127.0.0.1:8200");
    }
  });

  it("Flyway's, upper or lower case: flyway.toml's value (or Flyway's default) stays", () => {
    const toml = `[flyway]\ntable = "from_toml"\n`;
    for (const blank of ["", " "]) {
      expect(flyway({ FLYWAY_TABLE: blank }, toml).table).toBe("from_toml");
      expect(flyway({ flyway_table: blank }, toml).table).toBe("from_toml");
      expect(flyway({ flyway_table: blank }).table).toBe("flyway_schema_history");
    }
  });

  it("except where Flyway gives the empty value a meaning: no ignore patterns, an empty placeholder", () => {
    const s = flyway({ FLYWAY_IGNORE_MIGRATION_PATTERNS: "", FLYWAY_PLACEHOLDERS_GAP: "" });
    expect(s.ignorePatterns).toEqual([]);
    expect(s.ignorePatternsSource).toBe("FLYWAY_IGNORE_MIGRATION_PATTERNS");
    expect(s.placeholders.placeholders).toEqual({ gap: "" });
  });

  it("a value written in a file or given as a flag is a value, empty or not, and is checked", () => {
    expect(() => flyway({}, `[flyway]\ntable = ""\n`)).toThrow(
      "/ws/flyway.toml:2: table: the history table needs a name",
    );
    expect(() => resolveConfig({ cwd: workspace(), env: {}, flags: { namespace: "" } })).toThrow(
      /^flag --namespace: namespace: /,
    );
  });
});

/** Flyway's settings with a flyway.conf (CONF mode) instead of a flyway.toml. */
function flywayConf(env: Record<string, string>, conf = "flyway.table=from_conf\n") {
  const file = "/ws/flyway.conf";
  const plan = planConfigFiles({
    env,
    cwd: "/ws",
    home: undefined,
    installDir: undefined,
    exists: (p) => p === file,
  });
  const texts = new Map([[file, conf]]);
  return resolveFlywaySettings({
    env,
    files: fileSettings({ plan, texts, docs: new Map(), env }),
    cwd: "/ws",
  });
}

describe("which variables are Flyway's settings, by the mode Flyway reads its files in", () => {
  it("TOML mode (also with no file at all) reads flyway_<key> as FLYWAY_<KEY>", () => {
    const s = resolveFlywaySettings({
      env: { flyway_table: "lower", flyway_placeholders_owner: "o" },
    });
    expect(s.table).toBe("lower");
    expect(s.origins.table).toEqual({ kind: "env", where: "flyway_table" });
    expect(s.placeholders.placeholders).toEqual({ owner: "o" });
    expect(s.environment).toBe("default");
    // Only the flyway_ prefix makes a variable Flyway's, not a name that ends in a key.
    expect(resolveFlywaySettings({ env: { OTHERS_table: "x" } }).table).toBe(
      "flyway_schema_history",
    );
    expect(flyway({}, `[flyway]\ntable = "t"\n`).origins.table).toEqual({
      kind: "file",
      where: "/ws/flyway.toml:2",
    });
  });

  it("CONF mode reads only FLYWAY_<KEY>: flyway_<key> is not Flyway's there", () => {
    const lower = flywayConf({ flyway_table: "lower", flyway_placeholders_owner: "o" });
    expect(lower.table).toBe("from_conf");
    expect(lower.placeholders.placeholders).toEqual({});
    expect(lower.environment).toBeUndefined();
    expect(flywayConf({ FLYWAY_TABLE: "upper", FLYWAY_PLACEHOLDERS_OWNER: "o" })).toMatchObject({
      table: "upper",
      placeholders: { placeholders: { owner: "o" } },
    });
  });

  it("a variable Flyway applies and flyway-status cannot is named in a warning, unless blank", () => {
    const warned = (env: Record<string, string>) => resolveFlywaySettings({ env }).warnings;
    expect(warned({ FLYWAY_DETECT_ENCODING: "true" })).toEqual([
      expect.stringMatching(
        /^FLYWAY_DETECT_ENCODING: detectEncoding is applied by Flyway but not by flyway-status/,
      ),
    ]);
    expect(warned({ flyway_cherryPick: "2" })).toEqual([
      expect.stringMatching(/^flyway_cherryPick: cherryPick is applied by Flyway/),
    ]);
    expect(flywayConf({ flyway_cherryPick: "2" }).warnings).toEqual([]);
    expect(warned({ FLYWAY_DETECT_ENCODING: " ", FLYWAY_ENVIRONMENT: "" })).toEqual([]);
    const unnamed = resolveFlywaySettings({
      env: { FLYWAY_PLACEHOLDERS_: "x", FLYWAY_NOT_A_SETTING: "x" },
    });
    expect(unnamed.warnings).toEqual([]);
    expect(unnamed.placeholders.placeholders).toEqual({});
  });

  it("a TOML environment's own placeholders replace the others whole", () => {
    const toml = `[flyway.placeholders]\nregion = "us"\n\n[environments.default.flyway.placeholders]\nowner = "env_owner"\n`;
    expect(flyway({ FLYWAY_PLACEHOLDERS_TIER: "dev" }, toml).placeholders.placeholders).toEqual({
      owner: "env_owner",
    });
    expect(
      flyway({ FLYWAY_PLACEHOLDERS_TIER: "dev" }, `[flyway.placeholders]\nregion = "us"\n`)
        .placeholders.placeholders,
    ).toEqual({ region: "us", tier: "dev" });
  });
});

describe("the highest source that sets a key wins, and is the one named", () => {
  it("a list setting drops its empty items, as Flyway's tokenizer does", () => {
    expect(resolveFlywaySettings({ env: { FLYWAY_SCHEMAS: " app, ,audit," } }).schemas).toEqual([
      "app",
      "audit",
    ]);
  });

  it("flag over variable over file, in dev-bootstrap's config", () => {
    const cwd = workspace("namespace: from-file\n");
    const env = { DEV_BOOTSTRAP_NAMESPACE: "Bad_Env" };
    expect(() => resolveConfig({ cwd, env })).toThrow(
      /^environment variable DEV_BOOTSTRAP_NAMESPACE: namespace: /,
    );
    const flagged = resolveConfig({ cwd, env, flags: { namespace: "from-flag" } });
    expect(flagged.config.namespace).toBe("from-flag");
  });

  it("the engine itself: highest first, blank variables skipped, written values kept", () => {
    const env = environmentSource(
      { A: " ", B: "from-env", C: "" },
      (name) => name.toLowerCase(),
      (name) => `env ${name}`,
      (key) => key === "c",
    );
    const file = source<string, string>([
      ["a", "from-file", "file:1"],
      ["b", "from-file", "file:2"],
      ["d", "", "file:4"],
      ["e", undefined, "file:5"],
    ]);
    const layers = new Layers([env, file]);
    expect(layers.pick("a")).toEqual({ value: "from-file", origin: "file:1" });
    expect(layers.pick("b")).toEqual({ value: "from-env", origin: "env B" });
    expect(layers.pick("c")).toEqual({ value: "", origin: "env C" });
    expect(layers.pick("d")).toEqual({ value: "", origin: "file:4" });
    expect(layers.pick("e")).toBeUndefined();
    expect([...layers.winners().keys()].sort()).toEqual(["a", "b", "c", "d"]);
    expect([
      counts(undefined, "written"),
      counts("", "written"),
      counts(" ", "environment"),
    ]).toEqual([false, true, false]);
  });
});
