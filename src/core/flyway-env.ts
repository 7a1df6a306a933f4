/**
 * Which connection Flyway uses for a database, from a flat map of keys (a
 * process environment, or the keys of a mounted Secret). One table for every
 * consumer — run-flyway-cli, the health check, the bootstrap, and the chart's
 * job entrypoint (charts/db-migrations/files/flyway-entrypoint.sh) — highest first:
 *
 *   <NAME>_FLYWAY_URL → FLYWAY_URL (primary only) → <NAME>_DATABASE_URL → DATABASE_URL (primary only)
 *
 * The URL's credentials are used as user/password only where no explicit
 * <NAME>_FLYWAY_USER / FLYWAY_USER (primary only) / …_PASSWORD is set. The result
 * is a structured Connection; Flyway's JDBC URL is rendered from it where it is
 * handed on (core/connection.ts).
 */
import { type Connection, type ParsedUrl, parseConnectionUrl, UrlError } from "./connection.js";

export interface DatabaseRef {
  name: string;
  primary: boolean;
}

export interface FlywayConnection {
  /** The configured database's name (migrations.databases[].name). */
  database: string;
  /** Where and as whom Flyway connects. */
  target: Connection;
  /** The keys the URL, user and password came from (names only, never values). */
  from: { url: string; user: string; password: string };
}

type ConnectionResult =
  | { ok: true; connection: FlywayConnection }
  | { ok: false; missing: string[]; invalid?: string };

export const prefixOf = (database: string) => `${database.toUpperCase()}_`;

/** The keys a database's Flyway connection is looked up in, highest precedence first. */
function urlKeys(db: DatabaseRef): string[] {
  const p = prefixOf(db.name);
  return [
    `${p}FLYWAY_URL`,
    ...(db.primary ? ["FLYWAY_URL"] : []),
    `${p}DATABASE_URL`,
    ...(db.primary ? ["DATABASE_URL"] : []),
  ];
}

function credentialKeys(db: DatabaseRef, what: "USER" | "PASSWORD"): string[] {
  const p = prefixOf(db.name);
  return [`${p}FLYWAY_${what}`, ...(db.primary ? [`FLYWAY_${what}`] : [])];
}

/** The key names a migrations secret holds for a database. */
export function secretKeysFor(db: DatabaseRef): { url: string; user: string; password: string } {
  const p = db.primary ? "" : prefixOf(db.name);
  return { url: `${p}FLYWAY_URL`, user: `${p}FLYWAY_USER`, password: `${p}FLYWAY_PASSWORD` };
}

const first = (env: Readonly<Record<string, string | undefined>>, keys: string[]) =>
  keys.find((k) => (env[k] ?? "") !== "");

export function resolveFlywayConnection(
  env: Readonly<Record<string, string | undefined>>,
  db: DatabaseRef,
): ConnectionResult {
  const urlKey = first(env, urlKeys(db));
  if (!urlKey) return { ok: false, missing: [urlKeys(db).join(" | ")] };
  let parsed: ParsedUrl;
  try {
    parsed = parseConnectionUrl(env[urlKey]!);
  } catch (error) {
    if (error instanceof UrlError)
      return { ok: false, missing: [], invalid: `${urlKey}: ${error.message}` };
    throw error;
  }
  const userKey = first(env, credentialKeys(db, "USER"));
  const passwordKey = first(env, credentialKeys(db, "PASSWORD"));
  const user = userKey ? env[userKey]! : parsed.user;
  const password = passwordKey ? env[passwordKey]! : parsed.password;
  const missing: string[] = [];
  if (user === undefined)
    missing.push(`${credentialKeys(db, "USER").join(" | ")} (or a user in ${urlKey})`);
  if (password === undefined)
    missing.push(`${credentialKeys(db, "PASSWORD").join(" | ")} (or a password in ${urlKey})`);
  if (missing.length) return { ok: false, missing };
  return {
    ok: true,
    connection: {
      database: db.name,
      target: {
        host: parsed.host,
        port: parsed.port,
        database: parsed.database,
        params: parsed.params,
        user: user!,
        password: password!,
      },
      from: { url: urlKey, user: userKey ?? urlKey, password: passwordKey ?? urlKey },
    },
  };
}
