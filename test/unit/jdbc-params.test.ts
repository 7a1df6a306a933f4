/**
 * libpq URLs handed to pgjdbc: invalid percent-escapes fail as libpq fails, and
 * libpq-only parameters are mapped to their pgjdbc names (pgjdbc ignores
 * unknown ones silently) or refused.
 */
import { describe, expect, it } from "vitest";
import { UrlError } from "../../src/core/connection.js";
import { toJdbc } from "../helpers/to-jdbc.js";

const errorOf = (url: string): string => {
  try {
    toJdbc(url);
  } catch (error) {
    expect(error).toBeInstanceOf(UrlError);
    return (error as Error).message;
  }
  throw new Error("expected a UrlError");
};

describe("percent-escapes", () => {
  it("an invalid escape in the password fails without echoing it", () => {
    const message = errorOf("postgresql://app:p%40ss%zz@db/platform");
    expect(message).toBe(
      "invalid percent-encoding in the password ('%' must be followed by two hex digits; write '%25' for a literal '%')",
    );
    expect(message).not.toContain("p%40ss");
  });

  it("in the user, database and parameters too", () => {
    expect(errorOf("postgresql://a%g1:pw@db/platform")).toMatch(
      /invalid percent-encoding in the user/,
    );
    expect(errorOf("postgresql://app:pw@db/plat%form")).toMatch(/in the database name/);
    expect(errorOf("postgresql://app:pw@db/platform?application_name=a%2")).toMatch(
      /in the query parameters/,
    );
  });

  it("valid escapes still decode", () => {
    expect(toJdbc("postgresql://app:p%40ss%25@db/platform").password).toBe("p@ss%");
  });
});

describe("libpq-only parameters", () => {
  it("are mapped to pgjdbc's names", () => {
    expect(
      toJdbc(
        "postgresql://app:pw@db/platform?connect_timeout=7&application_name=flyway%20local&sslmode=require",
      ).jdbc,
    ).toBe(
      "jdbc:postgresql://db:5432/platform?connectTimeout=7&ApplicationName=flyway%20local&sslmode=require",
    );
  });

  it.each([
    ["any", "any"],
    ["read-write", "primary"],
    ["primary", "primary"],
    ["read-only", "secondary"],
    ["standby", "secondary"],
    ["prefer-standby", "preferSecondary"],
  ])("target_session_attrs=%s becomes targetServerType=%s", (libpq, pgjdbc) => {
    expect(toJdbc(`postgresql://app:pw@db/platform?target_session_attrs=${libpq}`).jdbc).toBe(
      `jdbc:postgresql://db:5432/platform?targetServerType=${pgjdbc}`,
    );
  });

  it("values pgjdbc cannot take are refused clearly", () => {
    expect(errorOf("postgresql://app:pw@db/platform?target_session_attrs=readwrite")).toBe(
      "target_session_attrs=readwrite has no pgjdbc equivalent (expected any, read-write, read-only, primary, standby or prefer-standby)",
    );
    expect(errorOf("postgresql://app:pw@db/platform?connect_timeout=1.5")).toBe(
      "connect_timeout expects whole seconds",
    );
  });

  it("a jdbc: URL is left as written", () => {
    expect(toJdbc("jdbc:postgresql://db/platform?connectTimeout=3").jdbc).toBe(
      "jdbc:postgresql://db:5432/platform?connectTimeout=3",
    );
  });
});

describe("masking a URL that does not parse", () => {
  it("its password and the URL are still registered as secrets", async () => {
    const { secretValuesOf } = await import("../../src/core/secret-values.js");
    expect(secretValuesOf({ DATABASE_URL: "postgresql://app:p%40ss%zz@db/platform" })).toEqual([
      "p%40ss%zz",
      "postgresql://app:p%40ss%zz@db/platform",
    ]);
  });
});
