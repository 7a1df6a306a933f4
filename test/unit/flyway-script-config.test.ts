import { describe, expect, it } from "vitest";
import type { ConfigError } from "../../src/core/errors.js";
import { parseScriptConfig } from "../../src/core/flyway-script-config.js";

describe("a migration's own <script>.conf", () => {
  it("reads encoding and placeholderReplacement, trimmed, with '=' or ':'; comments and other keys are skipped", () => {
    expect(
      parseScriptConfig(
        [
          "# encoding=UTF-16",
          "! placeholderReplacement=maybe",
          "",
          "  encoding : ISO-8859-1  ",
          "placeholderReplacement= FALSE ",
          "executeInTransaction=false",
          "shouldExecute",
        ].join("\r\n"),
        "V1__a.sql.conf",
      ),
    ).toEqual({ encoding: "ISO-8859-1", placeholderReplacement: false });
    expect(parseScriptConfig("placeholderReplacement=True\n", "f")).toEqual({
      placeholderReplacement: true,
    });
    expect(parseScriptConfig("", "f")).toEqual({});
  });

  it("a key without a value is an empty value: Flyway refuses it for placeholderReplacement", () => {
    let error: ConfigError | undefined;
    try {
      parseScriptConfig("placeholderReplacement\n", "V1__a.sql.conf");
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.message).toBe(
      "V1__a.sql.conf: Invalid value for placeholderReplacement (should be either true or false): ",
    );
    expect(error?.hint).toBe("write true or false");
    expect(() => parseScriptConfig("placeholderReplacement=yes\n", "f")).toThrow(
      "f: Invalid value for placeholderReplacement (should be either true or false): yes",
    );
  });

  it("an encoding Flyway cannot use here is named with the file", () => {
    expect(() => parseScriptConfig("encoding=EBCDIC\n", "V1__a.sql.conf")).toThrow(
      /^V1__a\.sql\.conf: encoding/,
    );
  });
});
