/**
 * libpq's connection parameters and pgjdbc's, both ways: a parameter pgjdbc does
 * not know is dropped silently by it, so each libpq-only name is mapped or refused;
 * the way back gives the libpq URL `psql` and pg take.
 */
import { describe, expect, it } from "vitest";
import { ParamError, toPgjdbcParam } from "../../src/core/jdbc.js";
import { toLibpqParam } from "../helpers/libpq-url.js";

describe("toPgjdbcParam", () => {
  it("maps connect_timeout and application_name to pgjdbc's names, values unchanged", () => {
    expect(toPgjdbcParam(["connect_timeout", "10"])).toEqual(["connectTimeout", "10"]);
    expect(toPgjdbcParam(["application_name", "flyway local"])).toEqual([
      "ApplicationName",
      "flyway local",
    ]);
  });

  it("keeps the names both know", () => {
    expect(toPgjdbcParam(["sslmode", "require"])).toEqual(["sslmode", "require"]);
    expect(toPgjdbcParam(["options", "-c x=1"])).toEqual(["options", "-c x=1"]);
  });

  it.each(["1.5", "", "-1", " 5", "5s"])("refuses connect_timeout=%j", (value) => {
    expect(() => toPgjdbcParam(["connect_timeout", value])).toThrow(ParamError);
  });

  it("names an unknown target_session_attrs with only its safe characters", () => {
    expect(() => toPgjdbcParam(["target_session_attrs", "primary\u001b[2J;x"])).toThrow(
      "target_session_attrs=primary??2J?x has no pgjdbc equivalent (expected any, read-write, read-only, primary, standby or prefer-standby)",
    );
  });
});

describe("toLibpqParam", () => {
  it.each([
    [
      ["connectTimeout", "7"],
      ["connect_timeout", "7"],
    ],
    [
      ["ApplicationName", "app"],
      ["application_name", "app"],
    ],
    [
      ["targetServerType", "any"],
      ["target_session_attrs", "any"],
    ],
    [
      ["targetServerType", "primary"],
      ["target_session_attrs", "primary"],
    ],
    [
      ["targetServerType", "secondary"],
      ["target_session_attrs", "standby"],
    ],
    [
      ["targetServerType", "preferSecondary"],
      ["target_session_attrs", "prefer-standby"],
    ],
    [
      ["targetServerType", "preferPrimary"],
      ["targetServerType", "preferPrimary"],
    ],
    [
      ["sslmode", "verify-full"],
      ["sslmode", "verify-full"],
    ],
    [
      ["options", "primary"],
      ["options", "primary"],
    ],
  ] as [string, string][][])("%j → %j", (param, expected) => {
    expect(toLibpqParam(param as [string, string])).toEqual(expected);
  });

  it("undoes toPgjdbcParam for every target_session_attrs pgjdbc has a type for", () => {
    for (const value of ["any", "primary", "standby", "prefer-standby"])
      expect(toLibpqParam(toPgjdbcParam(["target_session_attrs", value]))).toEqual([
        "target_session_attrs",
        value,
      ]);
  });
});
