import { describe, expect, it } from "vitest";
import {
  type Connection,
  connectionFromParts,
  parseConnectionUrl,
  parsePostgresUrl,
  renderJdbcUrl,
  UrlError,
} from "../../src/core/connection.js";
import { sourceConnection } from "../../src/core/db-credentials.js";
import { buildMigrationsData, readMigrationsSecret } from "../../src/core/migrations-secret.js";
import { renderLibpqUrl } from "../helpers/libpq-url.js";

// FAULTS.md 35: every character that breaks a naive URL, and a space.
const HOSTILE = ["p@ss:w/rd?#%& x", "@@@", "::", "/?#", "%25%zz", "a&b=c", " lead", "ü%20é"];

const base: Connection = {
  host: "db.internal",
  port: 5432,
  database: "platform",
  params: [],
  user: "app",
  password: "secret",
};

describe("Connection ⇄ libpq URL", () => {
  const cases: Array<[string, Connection]> = [
    ...HOSTILE.map((password): [string, Connection] => [
      `password ${JSON.stringify(password)}`,
      { ...base, password },
    ]),
    ["hostile user", { ...base, user: "me@corp:x/y" }],
    ["IPv6 loopback", { ...base, host: "::1", port: 6543 }],
    ["IPv6 address", { ...base, host: "fd00::2" }],
    ["database with a space and a slash", { ...base, database: "my db/x" }],
    [
      "params, mapped to libpq and back",
      {
        ...base,
        params: [
          ["sslmode", "require"],
          ["connectTimeout", "7"],
          ["ApplicationName", "flyway local"],
          ["targetServerType", "preferSecondary"],
          ["options", "-c search_path=a,b"],
        ],
      },
    ],
  ];
  for (const [name, c] of cases) {
    it(name, () => {
      const url = renderLibpqUrl(c);
      expect(url.startsWith("postgresql://")).toBe(true);
      expect(parseConnectionUrl(url)).toEqual(c);
    });
  }

  it("renders libpq's parameter names", () => {
    expect(
      renderLibpqUrl({
        ...base,
        params: [
          ["connectTimeout", "7"],
          ["targetServerType", "secondary"],
        ],
      }),
    ).toBe(
      "postgresql://app:secret@db.internal:5432/platform?connect_timeout=7&target_session_attrs=standby",
    );
  });
});

describe("Connection → JDBC URL → Connection", () => {
  const cases: Array<[string, Connection]> = [
    ["plain", base],
    ["IPv6", { ...base, host: "fd00::2", port: 6543 }],
    [
      "params",
      {
        ...base,
        params: [
          ["ssl", "true"],
          ["currentSchema", "a,b"],
          ["ApplicationName", "x&y=z"],
        ],
      },
    ],
    ["database with hostile characters", { ...base, database: "d b?#%&" }],
  ];
  for (const [name, c] of cases) {
    it(name, () => {
      const jdbc = renderJdbcUrl(c);
      expect(jdbc).not.toContain(c.password);
      expect(jdbc).not.toContain(c.user);
      expect(parseConnectionUrl(jdbc)).toEqual({
        host: c.host,
        port: c.port,
        database: c.database,
        params: c.params,
      });
    });
  }

  it("brackets an IPv6 host and never writes credential params", () => {
    expect(
      renderJdbcUrl({
        ...base,
        host: "::1",
        params: [
          ["password", "leak"],
          ["ssl", "true"],
        ],
      }),
    ).toBe("jdbc:postgresql://[::1]:5432/platform?ssl=true");
  });
});

describe("parseConnectionUrl: our rules on top of WHATWG URL", () => {
  it("a raw '/' or '#' in the password: the userinfo ends at the last '@'", () => {
    expect(parseConnectionUrl("postgresql://app:p/s#s@db/platform")).toMatchObject({
      host: "db",
      user: "app",
      password: "p/s#s",
    });
  });

  it("refuses what WHATWG would quietly accept", () => {
    for (const url of [
      "postgresql://app:pw@db:/platform",
      "postgresql://app:pw@d\tb/platform",
      "postgresql://app:pw@/platform",
      "postgresql://app:pw@db#x/platform",
    ])
      expect(() => parseConnectionUrl(url), url).toThrow(/expected host\[:port\]\/database/);
    expect(() => parseConnectionUrl("postgresql://db:0/platform")).toThrow(
      /port 0 is out of range/,
    );
  });

  it("keeps an IPv6 address as written, as the chart's entrypoint does", () => {
    expect(renderJdbcUrl(parseConnectionUrl("postgresql://u:p@[FD00:0:0::2]:6543/d"))).toBe(
      "jdbc:postgresql://[FD00:0:0::2]:6543/d",
    );
    expect(() => parseConnectionUrl("postgresql://u:p@[fd00::zz]/d")).toThrow(
      /expected host\[:port\]\/database/,
    );
  });

  it("keeps '+' and decodes escapes in parameters", () => {
    expect(parseConnectionUrl("jdbc:postgresql://db/p?options=a+b%20c").params).toEqual([
      ["options", "a+b c"],
    ]);
  });
});

describe("connectionFromParts", () => {
  it("takes the parts as they are", () => {
    expect(
      connectionFromParts({
        host: "fd00::2",
        port: "6543",
        database: "agents",
        user: "u",
        password: HOSTILE[0]!,
      }),
    ).toEqual({
      host: "fd00::2",
      port: 6543,
      database: "agents",
      params: [],
      user: "u",
      password: HOSTILE[0],
    });
  });

  it("names the bad part, never its value", () => {
    const bad = { host: "db", port: "5432", database: "d", user: "u", password: "pw-secret" };
    expect(() => connectionFromParts({ ...bad, port: "70000" })).toThrow(
      new UrlError("DB_PORT is not a port number (1-65535)"),
    );
    expect(() => connectionFromParts({ ...bad, host: "a b" })).toThrow(
      new UrlError("DB_HOST is not a host name or an IP address"),
    );
  });
});

describe("the migrations secret, written and read back", () => {
  const refs = [
    { name: "platform", primary: true },
    { name: "agents", primary: false },
  ];

  it("every hostile password survives the trip and stays out of the URL", () => {
    for (const password of HOSTILE) {
      const built = buildMigrationsData([
        {
          ref: refs[0]!,
          source: {
            label: "platform-db-credentials",
            data: {
              DATABASE_URL: renderLibpqUrl({ ...base, password, params: [["sslmode", "require"]] }),
            },
          },
        },
        {
          ref: refs[1]!,
          source: {
            label: "agents-db-credentials",
            data: { DB_USERNAME: "ag", DB_PASSWORD: password, DB_HOST: "::1", DB_NAME: "agents" },
          },
        },
      ]);
      expect(built.ok).toBe(true);
      if (!built.ok) return;
      expect(built.data.FLYWAY_URL).toBe(
        "jdbc:postgresql://db.internal:5432/platform?sslmode=require",
      );
      expect(built.data.AGENTS_FLYWAY_URL).toBe("jdbc:postgresql://[::1]:5432/agents");
      const entries = readMigrationsSecret({ data: built.data, binaryKeys: [] }, refs);
      expect(entries.map((e) => [e.status, e.connection?.target])).toEqual([
        ["ok", { ...base, password, params: [["sslmode", "require"]] }],
        ["ok", { host: "::1", port: 5432, database: "agents", params: [], user: "ag", password }],
      ]);
    }
  });

  it("reports each key by name: missing, empty, not text, not JDBC, holding credentials", () => {
    const entries = readMigrationsSecret(
      {
        data: {
          FLYWAY_URL: "postgresql://h/d",
          FLYWAY_USER: "",
          FLYWAY_PASSWORD: "pw",
          AGENTS_FLYWAY_URL: "jdbc:postgresql://h:1/agents?password=oops-leaked",
          AGENTS_FLYWAY_USER: "ag",
        },
        binaryKeys: ["AGENTS_FLYWAY_PASSWORD"],
      },
      refs,
    );
    expect(entries.map(({ status, problems }) => ({ status, problems }))).toEqual([
      {
        status: "missing",
        problems: [
          "FLYWAY_USER is empty",
          "FLYWAY_URL not a JDBC URL (expected jdbc:postgresql://host:port/database)",
        ],
      },
      {
        status: "invalid",
        problems: [
          "AGENTS_FLYWAY_PASSWORD is not UTF-8 text",
          "AGENTS_FLYWAY_URL holds credentials (user/password belong in FLYWAY_USER / FLYWAY_PASSWORD)",
        ],
      },
    ]);
    expect(entries.every((e) => e.connection === undefined)).toBe(true);
    expect(JSON.stringify(entries)).not.toContain("oops-leaked");
  });

  it("a source with DATABASE_URL lets DB_USERNAME / DB_PASSWORD win over the URL's", () => {
    expect(
      sourceConnection(refs[1]!, {
        DATABASE_URL: "postgresql://urluser:urlpw@db/agents",
        DB_PASSWORD: "explicit",
      }),
    ).toEqual({
      ok: true,
      connection: {
        ...base,
        host: "db",
        database: "agents",
        user: "urluser",
        password: "explicit",
      },
    });
  });
});

describe("parsePostgresUrl: the edges of a URL as written", () => {
  const parse = (url: string) => parsePostgresUrl(url);

  it("ports 1 and 65535 are ports; 0 and 65536 are not", () => {
    expect(parse("postgresql://h:1/d").port).toBe(1);
    expect(parse("postgresql://h:65535/d").port).toBe(65535);
    expect(() => parse("postgresql://h:0/d")).toThrow("port 0 is out of range");
    expect(() => parse("postgresql://h:65536/d")).toThrow("port 65536 is out of range");
  });

  it("surrounding blanks are dropped; a scheme not at the start is no scheme", () => {
    expect(parse("  postgresql://h/d \n").database).toBe("d");
    expect(() => parse("x postgresql://h/d")).toThrow(
      /expected a URL starting with postgresql:\/\//,
    );
  });

  it("says which scheme it was: only jdbc:postgresql:// is JDBC", () => {
    expect(parse("jdbc:postgresql://h/d").jdbc).toBe(true);
    expect(parse("postgresql://h/d").jdbc).toBe(false);
    expect(parse("postgres://h/d").jdbc).toBe(false);
  });

  it("an empty user is no user; an empty password is a password; ':' only splits once", () => {
    expect(parse("postgresql://@h/d")).not.toHaveProperty("user");
    expect(parse("postgresql://@h/d").host).toBe("h");
    expect(parse("postgresql://@h/d")).not.toHaveProperty("password");
    const noUser = parse("postgresql://:pw@h/d");
    expect(noUser).not.toHaveProperty("user");
    expect(noUser.password).toBe("pw");
    expect(parse("postgresql://u:@h/d")).toMatchObject({ user: "u", password: "" });
    expect(parse("postgresql://u:a:b@h/d")).toMatchObject({ user: "u", password: "a:b" });
    expect(parse("postgresql://u@h/d")).not.toHaveProperty("password");
  });

  it("an '@' in the query is no userinfo; the last '@' before it ends the userinfo", () => {
    const p = parse("postgresql://h:5/d?application_name=a@b");
    expect(p).not.toHaveProperty("user");
    expect(p.host).toBe("h");
    expect(p.params).toEqual([["application_name", "a@b"]]);
    expect(parse("postgresql://u:p@ss@h/d")).toMatchObject({
      user: "u",
      password: "p@ss",
      host: "h",
    });
  });

  it("a host without a path or with a query straight after it", () => {
    expect(() => parse("postgresql://h")).toThrow("the URL names no database");
    expect(() => parse("postgresql://h?sslmode=require")).toThrow("the URL names no database");
    expect(parse("postgresql://h/d?sslmode=require")).toMatchObject({
      host: "h",
      port: 5432,
      database: "d",
      params: [["sslmode", "require"]],
    });
  });

  it("a parameter without '=' has an empty value; '=' splits once; empty pairs are skipped", () => {
    expect(parse("postgresql://h/d?ssl&&a=b=c&").params).toEqual([
      ["ssl", ""],
      ["a", "b=c"],
    ]);
    expect(parse("postgresql://h/d?=x").params).toEqual([["", "x"]]);
    expect(parse("postgresql://h/d?user=&password=").user).toBeUndefined();
    expect(parse("postgresql://h/d?user=&password=").password).toBe("");
  });

  it("a bracketed IPv6 host is kept as written, without brackets; brackets elsewhere are kept", () => {
    expect(parse("postgresql://[fd00::2]:6543/d")).toMatchObject({ host: "fd00::2", port: 6543 });
    expect(parse("postgresql://[::1]/d").host).toBe("::1");
  });
});

describe("connectionFromParts: DB_HOST, DB_PORT and DB_NAME checked, never echoed", () => {
  const parts = { host: "db", port: "5432", database: "app", user: "u", password: "p" };

  it("ports 1 to 65535, digits only", () => {
    expect(connectionFromParts({ ...parts, port: "1" }).port).toBe(1);
    expect(connectionFromParts({ ...parts, port: "65535" }).port).toBe(65535);
    for (const port of ["0", "65536", "123456", "", "54x", "x54", " 54", "5.4", "-1"])
      expect(() => connectionFromParts({ ...parts, port }), port).toThrow(
        "DB_PORT is not a port number (1-65535)",
      );
  });

  it("an IPv6 host with or without brackets; an empty database is refused", () => {
    expect(connectionFromParts({ ...parts, host: "fd00::2" }).host).toBe("fd00::2");
    expect(connectionFromParts({ ...parts, host: "[fd00::2]" }).host).toBe("fd00::2");
    expect(() => connectionFromParts({ ...parts, host: "a b" })).toThrow(
      "DB_HOST is not a host name or an IP address",
    );
    expect(() => connectionFromParts({ ...parts, database: "" })).toThrow("DB_NAME is empty");
  });
});

describe("renderJdbcUrl", () => {
  it("drops user and password parameters, brackets IPv6, keeps commas readable", () => {
    expect(
      renderJdbcUrl({
        host: "fd00::2",
        port: 6543,
        database: "my db",
        params: [
          ["user", "u"],
          ["password", "p"],
          ["options", "-c search_path=a,b"],
        ],
      }),
    ).toBe("jdbc:postgresql://[fd00::2]:6543/my%20db?options=-c%20search_path%3Da,b");
    expect(renderJdbcUrl({ host: "[::1]", port: 1, database: "d", params: [] })).toBe(
      "jdbc:postgresql://[::1]:1/d",
    );
  });
});

describe("parseConnectionUrl: parameter names", () => {
  it("a JDBC URL's names are kept as written; a libpq URL's take pgjdbc's names", () => {
    expect(parseConnectionUrl("jdbc:postgresql://h/d?connect_timeout=5").params).toEqual([
      ["connect_timeout", "5"],
    ]);
    expect(parseConnectionUrl("postgresql://u:p@h/d?connect_timeout=5").params).toEqual([
      ["connectTimeout", "5"],
    ]);
  });
});
