import { describe, expect, it } from "vitest";
import { jdbcProblem, renderJdbcUrl, renderLibpqUrl } from "../../src/core/connection.js";
import { resolveFlywayConnection } from "../../src/core/flyway-env.js";
import { PRECEDENCE } from "../helpers/precedence.js";
import { toJdbc } from "../helpers/to-jdbc.js";

const buildPostgresUrl = (parts: {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}) => renderLibpqUrl({ ...parts, params: [] });

const HARD = "p@ss:w/rd?#%& x"; // every character FAULTS.md 35 names, and a space

describe("toJdbc", () => {
  const cases: Array<[string, string, string, { jdbc: string; user?: string; password?: string }]> =
    [
      [
        "plain",
        "postgresql://app:secret@db:5432/platform",
        "",
        { jdbc: "jdbc:postgresql://db:5432/platform", user: "app", password: "secret" },
      ],
      [
        "postgres scheme, default port",
        "postgres://app:secret@db/platform",
        "",
        { jdbc: "jdbc:postgresql://db:5432/platform", user: "app", password: "secret" },
      ],
      [
        "encoded hard password",
        buildPostgresUrl({
          user: "app",
          password: HARD,
          host: "db",
          port: 5432,
          database: "platform",
        }),
        "",
        { jdbc: "jdbc:postgresql://db:5432/platform", user: "app", password: HARD },
      ],
      [
        "raw @ in password (last @ wins)",
        "postgresql://app:p@ss@db:5432/platform",
        "",
        { jdbc: "jdbc:postgresql://db:5432/platform", user: "app", password: "p@ss" },
      ],
      [
        "IPv6 host",
        "postgresql://app:pw@[::1]:6543/platform",
        "",
        { jdbc: "jdbc:postgresql://[::1]:6543/platform", user: "app", password: "pw" },
      ],
      [
        "IPv6 from parts",
        buildPostgresUrl({
          user: "u",
          password: "pw9x",
          host: "fd00::2",
          port: 5432,
          database: "d",
        }),
        "",
        { jdbc: "jdbc:postgresql://[fd00::2]:5432/d", user: "u", password: "pw9x" },
      ],
      [
        "extra params kept",
        "postgresql://app:pw@db:5432/platform?sslmode=require&connectTimeout=5",
        "",
        {
          jdbc: "jdbc:postgresql://db:5432/platform?sslmode=require&connectTimeout=5",
          user: "app",
          password: "pw",
        },
      ],
      [
        "jdbc with credential params",
        "jdbc:postgresql://db:5432/platform?user=app&password=pw&ssl=true",
        "",
        { jdbc: "jdbc:postgresql://db:5432/platform?ssl=true", user: "app", password: "pw" },
      ],
      [
        "jdbc without credentials",
        "jdbc:postgresql://db:5432/platform",
        "",
        { jdbc: "jdbc:postgresql://db:5432/platform" },
      ],
    ];
  for (const [name, input, , expected] of cases) {
    it(name, () => {
      const out = toJdbc(input);
      expect(out).toEqual(expected);
      if (expected.password) expect(out.jdbc).not.toContain(expected.password);
      expect(jdbcProblem(out.jdbc)).toBeUndefined();
    });
  }

  it("rejects what is not a PostgreSQL URL", () => {
    expect(() => toJdbc("mysql://a:b@h/d")).toThrow(/postgresql:\/\//);
    expect(() => toJdbc("postgresql://a:b@h:99999/d")).toThrow(/out of range/);
    expect(() => toJdbc("postgresql://a:b@h:5432")).toThrow(/names no database/);
  });

  it("flags JDBC URLs that hold credentials or are not JDBC", () => {
    expect(jdbcProblem("jdbc:postgresql://h:1/d?password=x")).toMatch(/holds credentials/);
    // A user alone is a credential too: FLYWAY_URL never names who logs in.
    expect(jdbcProblem("jdbc:postgresql://h:1/d?user=x")).toMatch(/holds credentials/);
    expect(jdbcProblem("jdbc:postgresql://u@h:1/d")).toMatch(/holds credentials/);
    expect(jdbcProblem("jdbc:postgresql://u:p@h:1/d")).toMatch(/holds credentials/);
    expect(jdbcProblem("postgresql://h/d")).toMatch(/not a JDBC URL/);
  });
});

describe("resolveFlywayConnection: the precedence table", () => {
  const platform = { name: "platform", primary: true };
  for (const c of PRECEDENCE) {
    it(c.name, () => {
      const r = resolveFlywayConnection(c.env, {
        name: c.database,
        primary: c.database === "platform",
      });
      if (c.expect.missing) {
        expect(r.ok).toBe(false);
        return;
      }
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const url = renderJdbcUrl(r.connection.target);
      expect({
        url,
        user: r.connection.target.user,
        password: r.connection.target.password,
      }).toEqual(c.expect);
      expect(url).not.toContain(r.connection.target.password);
    });
  }

  it("reports an unparseable URL by key name, not value", () => {
    const r = resolveFlywayConnection({ DATABASE_URL: "mysql://u:topsecret@h/d" }, platform);
    expect(r).toMatchObject({
      ok: false,
      invalid: expect.stringMatching(/^DATABASE_URL: expected a URL/),
    });
    expect(JSON.stringify(r)).not.toContain("topsecret");
  });
});
