import { describe, expect, it } from "vitest";
import { jdbcProblem, renderJdbcUrl } from "../../src/core/connection.js";
import { resolveFlywayConnection } from "../../src/core/flyway-env.js";
import { renderLibpqUrl } from "../helpers/libpq-url.js";
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

describe("resolveFlywayConnection: what it says is missing, and where each part came from", () => {
  const primary = { name: "platform", primary: true };
  const agents = { name: "agents", primary: false };

  it("no URL: names every key it looked in, highest first; only the primary reads the bare names", () => {
    expect(resolveFlywayConnection({}, primary)).toEqual({
      ok: false,
      missing: ["PLATFORM_FLYWAY_URL | FLYWAY_URL | PLATFORM_DATABASE_URL | DATABASE_URL"],
    });
    expect(resolveFlywayConnection({ FLYWAY_URL: "jdbc:postgresql://h/d" }, agents)).toEqual({
      ok: false,
      missing: ["AGENTS_FLYWAY_URL | AGENTS_DATABASE_URL"],
    });
  });

  it("a URL without credentials and no credential keys: both named, with the URL key", () => {
    expect(resolveFlywayConnection({ AGENTS_FLYWAY_URL: "jdbc:postgresql://h/d" }, agents)).toEqual(
      {
        ok: false,
        missing: [
          "AGENTS_FLYWAY_USER (or a user in AGENTS_FLYWAY_URL)",
          "AGENTS_FLYWAY_PASSWORD (or a password in AGENTS_FLYWAY_URL)",
        ],
      },
    );
    expect(
      resolveFlywayConnection({ FLYWAY_URL: "jdbc:postgresql://h/d", FLYWAY_USER: "u" }, primary),
    ).toEqual({
      ok: false,
      missing: ["PLATFORM_FLYWAY_PASSWORD | FLYWAY_PASSWORD (or a password in FLYWAY_URL)"],
    });
  });

  it("an unparsable URL is invalid, named by its key", () => {
    expect(resolveFlywayConnection({ DATABASE_URL: "mysql://h/d" }, primary)).toEqual({
      ok: false,
      missing: [],
      invalid:
        "DATABASE_URL: expected a URL starting with postgresql://, postgres:// or jdbc:postgresql://",
    });
  });

  it("credentials from their own keys win over the URL's; `from` says which key gave each", () => {
    const r = resolveFlywayConnection(
      {
        PLATFORM_DATABASE_URL: "postgresql://url-user:url-pw@h:6000/d",
        FLYWAY_PASSWORD: "key-pw",
      },
      primary,
    );
    expect(r).toEqual({
      ok: true,
      connection: {
        database: "platform",
        target: {
          host: "h",
          port: 6000,
          database: "d",
          params: [],
          user: "url-user",
          password: "key-pw",
        },
        from: {
          url: "PLATFORM_DATABASE_URL",
          user: "PLATFORM_DATABASE_URL",
          password: "FLYWAY_PASSWORD",
        },
      },
    });
  });
});
