import { describe, expect, it } from "vitest";
import {
  credentialsFromFixtures,
  type DbCredentials,
  holdsCredentials,
} from "../../src/core/db-credentials.js";
import { buildMigrationsData } from "../../src/core/migrations-secret.js";
import { renderLibpqUrl } from "../helpers/libpq-url.js";

const DATABASES = [
  { name: "platform", vaultPath: "platform/db" },
  { name: "agents", vaultPath: "agents/db" },
];
// FAULTS.md 35: a password that breaks a naive URL.
const HOSTILE = "p@ss:w/rd?#%& x";

const fixtures = (entries: Record<string, Record<string, string>>) =>
  new Map(Object.entries(entries).map(([path, values]) => [path, { values }]));

describe("credentialsFromFixtures: one value per database, from the fixture parts", () => {
  it("builds each database's connection from DB_USERNAME, DB_PASSWORD, DB_HOST, DB_PORT, DB_NAME", () => {
    const creds = credentialsFromFixtures(
      DATABASES,
      fixtures({
        "platform/db": {
          DB_USERNAME: "platform",
          DB_PASSWORD: HOSTILE,
          DB_HOST: "db",
          DB_PORT: "6543",
          DB_NAME: "platform",
        },
        "agents/db": {
          DB_USERNAME: "agents",
          DB_PASSWORD: "pw-agents",
          DB_HOST: "::1",
          DB_NAME: "agents",
        },
      }),
    );
    expect(creds.get("platform")).toEqual({
      database: "platform",
      vaultPath: "platform/db",
      keys: {
        DB_USERNAME: "platform",
        DB_PASSWORD: HOSTILE,
        DB_HOST: "db",
        DB_PORT: "6543",
        DB_NAME: "platform",
      },
      connection: {
        host: "db",
        port: 6543,
        database: "platform",
        params: [],
        user: "platform",
        password: HOSTILE,
      },
    });
    expect(creds.get("agents")?.connection).toMatchObject({ host: "::1", port: 5432 });
  });

  it("with DATABASE_URL and DB_PASSWORD, the URL says where and the part is the password", () => {
    const creds = credentialsFromFixtures(
      DATABASES,
      fixtures({
        "platform/db": {
          DB_USERNAME: "platform",
          DB_PASSWORD: HOSTILE,
          // A URL whose own userinfo disagrees: it is never where the password comes from.
          DATABASE_URL: "postgresql://someone:not-the-password@db:5432/platform?sslmode=disable",
        },
      }),
    );
    expect(creds.get("platform")?.connection).toEqual({
      host: "db",
      port: 5432,
      database: "platform",
      params: [["sslmode", "disable"]],
      user: "platform",
      password: HOSTILE,
    });
  });

  it("a URL-only source still gives credentials (a Secret someone else wrote holds nothing else)", () => {
    const url = renderLibpqUrl({
      host: "db",
      port: 5432,
      database: "platform",
      params: [],
      user: "platform",
      password: HOSTILE,
    });
    const creds = credentialsFromFixtures(
      DATABASES,
      fixtures({ "platform/db": { DATABASE_URL: url } }),
    );
    expect(creds.get("platform")?.connection.password).toBe(HOSTILE);
  });

  it("has none for a database without fixtures, or whose fixtures hold no usable connection", () => {
    const creds = credentialsFromFixtures(
      DATABASES,
      fixtures({
        "platform/db": { DB_USERNAME: "platform", DB_PASSWORD: "pw" },
        "other/db": { DB_USERNAME: "x", DB_PASSWORD: "y", DB_HOST: "h", DB_NAME: "x" },
      }),
    );
    expect([...creds.keys()]).toEqual([]);
    const badPort = credentialsFromFixtures(
      DATABASES,
      fixtures({
        "agents/db": {
          DB_USERNAME: "a",
          DB_PASSWORD: "p",
          DB_HOST: "h",
          DB_NAME: "a",
          DB_PORT: "0",
        },
      }),
    );
    expect(badPort.size).toBe(0);
  });
});

describe("holdsCredentials: the same values read back", () => {
  const creds = credentialsFromFixtures(
    DATABASES,
    fixtures({
      "platform/db": {
        DB_USERNAME: "platform",
        DB_PASSWORD: "pw-1",
        DB_HOST: "db",
        DB_NAME: "platform",
      },
    }),
  ).get("platform")!;

  it("is true for the same credential keys, whatever else the source holds", () => {
    expect(holdsCredentials({ ...creds.keys, NOTE: "added by hand" }, creds)).toBe(true);
  });

  it("is false when a credential key differs, is missing, or was added", () => {
    expect(holdsCredentials({ ...creds.keys, DB_PASSWORD: "pw-2" }, creds)).toBe(false);
    const { DB_HOST: _, ...noHost } = creds.keys;
    expect(holdsCredentials(noHost, creds)).toBe(false);
    expect(holdsCredentials({ ...creds.keys, DB_PORT: "6543" }, creds)).toBe(false);
    expect(holdsCredentials({ ...creds.keys, DATABASE_URL: "postgresql://x@y/z" }, creds)).toBe(
      false,
    );
  });
});

describe("buildMigrationsData: handed credentials are used, not built again", () => {
  const keys = { DB_USERNAME: "platform", DB_PASSWORD: "pw-1", DB_HOST: "db", DB_NAME: "platform" };
  // A handed value that differs from what the keys would build: only the handed one
  // can produce this host, so the output shows which was used.
  const handed: DbCredentials = {
    database: "platform",
    vaultPath: "platform/db",
    keys,
    connection: {
      host: "handed.example",
      port: 5432,
      database: "platform",
      params: [],
      user: "platform",
      password: "pw-1",
    },
  };
  const ref = { name: "platform", primary: true };

  it("when the source holds the same keys", () => {
    const built = buildMigrationsData(
      [{ ref, source: { label: "platform-db-credentials (ESO)", data: { ...keys } } }],
      new Map([["platform", handed]]),
    );
    expect(built).toEqual({
      ok: true,
      data: {
        FLYWAY_URL: "jdbc:postgresql://handed.example:5432/platform",
        FLYWAY_USER: "platform",
        FLYWAY_PASSWORD: "pw-1",
      },
    });
  });

  it("but a source with other values (a hand edit in Vault) is built from what it holds", () => {
    const built = buildMigrationsData(
      [
        {
          ref,
          source: { label: "Vault secret/platform/db", data: { ...keys, DB_PASSWORD: "pw-2" } },
        },
      ],
      new Map([["platform", handed]]),
    );
    expect(built).toEqual({
      ok: true,
      data: {
        FLYWAY_URL: "jdbc:postgresql://db:5432/platform",
        FLYWAY_USER: "platform",
        FLYWAY_PASSWORD: "pw-2",
      },
    });
  });
});
