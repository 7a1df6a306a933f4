/**
 * Which Flyway config files are read, and how a flyway.conf is read: Java
 * properties as Flyway's ConfigUtils reads them (see src/core/flyway-config-files.ts).
 */
import { describe, expect, it } from "vitest";
import type { ConfigError } from "../../src/core/errors.js";
import { confEntries, planConfigFiles } from "../../src/core/flyway-config-files.js";

describe("confEntries: a flyway.conf", () => {
  const text = [
    "# comment",
    "! bang comment",
    "  flyway.url = jdbc:postgresql://h/d  ",
    "flyway.user:alice",
    "flyway.schemas public",
    "flyway.locations=filesystem:a,\\",
    "  filesystem:b",
    "flyway.table=t\\",
    "",
    "flyway.placeholders.x=${HOME_X}-${UNSET}",
    "other.key=1",
    "flyway.cleanDisabled",
    "flyway.a=\\",
    "flyway.b=2",
    "flyway.path=C:\\dir\\x",
  ].join("\r\n");
  const entries = confEntries(text, "f.conf", { HOME_X: "hx" });
  const byKey = Object.fromEntries(entries.map((e) => [e.key, e]));

  it("reads '=', ':' and a blank as separators, trimmed, with the line each starts on", () => {
    expect(byKey.url).toEqual({
      key: "url",
      value: "jdbc:postgresql://h/d",
      where: "f.conf:3",
      level: "flyway",
    });
    expect(byKey.user?.value).toBe("alice");
    expect(byKey.schemas?.value).toBe("public");
    expect(byKey.cleanDisabled?.value).toBe("");
  });

  it("skips comments and keys that are not Flyway's", () => {
    expect(entries.map((e) => e.key)).toEqual([
      "url",
      "user",
      "schemas",
      "locations",
      "table",
      "placeholders.x",
      "cleanDisabled",
      "a",
      "b",
      "path",
    ]);
  });

  it("continues a line ending in '\\' — not into a blank line nor into a new flyway. property", () => {
    expect(byKey.locations).toMatchObject({
      value: "filesystem:a,filesystem:b",
      where: "f.conf:6",
    });
    expect(byKey.table).toMatchObject({ value: "t\\", where: "f.conf:8" });
    expect(byKey.a?.value).toBe("\\");
    expect(byKey.b).toMatchObject({ value: "2", where: "f.conf:14" });
  });

  it("replaces ${VAR} from the environment (unset: nothing); other backslashes stay", () => {
    expect(byKey["placeholders.x"]?.value).toBe("hx-");
    expect(byKey.path?.value).toBe("C:\\dir\\x");
  });
});

describe("planConfigFiles: which files Flyway reads", () => {
  const plan = (files: string[], env: Record<string, string> = {}) =>
    planConfigFiles({
      env,
      cwd: "/cwd",
      home: "/home/u",
      installDir: "/inst",
      exists: (p) => files.includes(p),
    });

  it("TOML by default: flyway.toml and flyway.user.toml of the install dir, home and cwd, in that order", () => {
    expect(
      plan(["/cwd/flyway.toml", "/home/u/flyway.conf", "/inst/conf/flyway.user.toml"]),
    ).toEqual({
      mode: "toml",
      files: ["/inst/conf/flyway.user.toml", "/cwd/flyway.toml"],
      missing: [],
    });
    expect(plan([])).toEqual({ mode: "toml", files: [], missing: [] });
  });

  it("a flyway.conf is read only when no default TOML file exists", () => {
    expect(plan(["/home/u/flyway.conf"])).toEqual({
      mode: "conf",
      files: ["/home/u/flyway.conf"],
      missing: [],
    });
  });

  it("FLYWAY_CONFIG_FILES: comma separated, trimmed, relative to cwd; a missing TOML file is listed", () => {
    expect(plan(["/cwd/flyway.toml"], { FLYWAY_CONFIG_FILES: "/abs/a.toml, x.toml,," })).toEqual({
      mode: "toml",
      files: ["/cwd/flyway.toml"],
      missing: ["/abs/a.toml", "/cwd/x.toml"],
    });
    expect(plan(["/cwd/x.conf"], { FLYWAY_CONFIG_FILES: " x.conf " })).toEqual({
      mode: "conf",
      files: ["/cwd/x.conf"],
      missing: [],
    });
  });

  it("a missing CONF file, or TOML and CONF files together, are config errors", () => {
    expect(() => plan([], { FLYWAY_CONFIG_FILES: "missing.conf" })).toThrow(
      "FLYWAY_CONFIG_FILES: Unable to load config file: /cwd/missing.conf",
    );
    let error: ConfigError | undefined;
    try {
      plan([], { FLYWAY_CONFIG_FILES: "a.toml,b.conf" });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.message).toBe(
      "FLYWAY_CONFIG_FILES names both TOML and CONF files (/cwd/a.toml, /cwd/b.conf): Flyway refuses to read both",
    );
    expect(error?.hint).toBe("keep one kind: flyway.toml files, or flyway.conf files");
  });
});
