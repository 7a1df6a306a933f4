import { describe, expect, it } from "vitest";
import { resolveFlywayConnection } from "../../src/core/flyway-env.js";
import { buildPostgresUrl, jdbcProblem, toJdbc } from "../../src/core/jdbc.js";

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
    expect(jdbcProblem("jdbc:postgresql://u:p@h:1/d")).toMatch(/holds credentials/);
    expect(jdbcProblem("postgresql://h/d")).toMatch(/not a JDBC URL/);
  });
});

describe("resolveFlywayConnection: the precedence table", () => {
  const platform = { name: "platform", primary: true };
  const agents = { name: "agents", primary: false };
  const url = (db: string, user = "u", pw = "pw-secret") =>
    `postgresql://${user}:${pw}@h:5432/${db}`;
  const rows: Array<
    [
      string,
      Record<string, string>,
      { name: string; primary: boolean },
      { url?: string; user?: string; password?: string; from?: string; missing?: boolean },
    ]
  > = [
    [
      "<NAME>_FLYWAY_URL beats everything",
      {
        PLATFORM_FLYWAY_URL: url("a"),
        FLYWAY_URL: url("b"),
        PLATFORM_DATABASE_URL: url("c"),
        DATABASE_URL: url("d"),
      },
      platform,
      { url: "jdbc:postgresql://h:5432/a", from: "PLATFORM_FLYWAY_URL" },
    ],
    [
      "FLYWAY_URL next for the primary",
      { FLYWAY_URL: url("b"), PLATFORM_DATABASE_URL: url("c") },
      platform,
      { url: "jdbc:postgresql://h:5432/b", from: "FLYWAY_URL" },
    ],
    [
      "<NAME>_DATABASE_URL before DATABASE_URL",
      { PLATFORM_DATABASE_URL: url("c"), DATABASE_URL: url("d") },
      platform,
      { url: "jdbc:postgresql://h:5432/c", from: "PLATFORM_DATABASE_URL" },
    ],
    [
      "DATABASE_URL last for the primary",
      { DATABASE_URL: url("d") },
      platform,
      { url: "jdbc:postgresql://h:5432/d", from: "DATABASE_URL" },
    ],
    [
      "FLYWAY_URL never applies to a non-primary database",
      { FLYWAY_URL: url("b"), AGENTS_DATABASE_URL: url("ag") },
      agents,
      { url: "jdbc:postgresql://h:5432/ag", from: "AGENTS_DATABASE_URL" },
    ],
    [
      "DATABASE_URL never applies to a non-primary database",
      { DATABASE_URL: url("d") },
      agents,
      { missing: true },
    ],
    [
      "empty values are skipped",
      { PLATFORM_FLYWAY_URL: "", DATABASE_URL: url("d") },
      platform,
      { url: "jdbc:postgresql://h:5432/d" },
    ],
    [
      "explicit FLYWAY_USER/PASSWORD beat URL credentials",
      { DATABASE_URL: url("d", "urluser", "urlpw"), FLYWAY_USER: "fu", FLYWAY_PASSWORD: "fp" },
      platform,
      { user: "fu", password: "fp" },
    ],
    [
      "<NAME>_FLYWAY_USER beats FLYWAY_USER",
      { DATABASE_URL: url("d"), FLYWAY_USER: "fu", PLATFORM_FLYWAY_USER: "pfu" },
      platform,
      { user: "pfu", password: "pw-secret" },
    ],
    [
      "URL credentials used where none explicit",
      { AGENTS_DATABASE_URL: url("ag", "agu", "agp"), FLYWAY_USER: "ignored-for-agents" },
      agents,
      { user: "agu", password: "agp" },
    ],
    [
      "hard password survives",
      {
        DATABASE_URL: buildPostgresUrl({
          user: "u",
          password: HARD,
          host: "h",
          port: 1,
          database: "d",
        }),
      },
      platform,
      { password: HARD, url: "jdbc:postgresql://h:1/d" },
    ],
    [
      "a JDBC URL without credentials needs explicit ones",
      { FLYWAY_URL: "jdbc:postgresql://h:1/d" },
      platform,
      { missing: true },
    ],
  ];
  for (const [name, env, db, expected] of rows) {
    it(name, () => {
      const r = resolveFlywayConnection(env, db);
      if (expected.missing) {
        expect(r.ok).toBe(false);
        return;
      }
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      if (expected.url) expect(r.connection.url).toBe(expected.url);
      if (expected.user) expect(r.connection.user).toBe(expected.user);
      if (expected.password) expect(r.connection.password).toBe(expected.password);
      if (expected.from) expect(r.connection.from.url).toBe(expected.from);
      expect(r.connection.url).not.toContain(r.connection.password);
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
