/**
 * A database's credentials as one value. They are built once from a source's
 * keys — the fixture parts (DB_USERNAME, DB_PASSWORD, DB_HOST, DB_PORT, DB_NAME)
 * or a DATABASE_URL — and handed on: the watcher builds them from the fixtures
 * it loaded and hands them to the bootstrap, which renders the migrations
 * secret's JDBC URL from them where it writes it.
 *
 * A password is taken from a URL only when the source holds nothing but the URL
 * (a Secret someone else wrote): with DB_PASSWORD present, the URL gives where to
 * connect, never the password.
 */
import { type Connection, connectionFromParts, UrlError } from "./connection.js";
import { type DatabaseRef, prefixOf, resolveFlywayConnection } from "./flyway-env.js";

const SOURCE_URL_KEY = "DATABASE_URL";
const SOURCE_PART_KEYS = ["DB_USERNAME", "DB_PASSWORD", "DB_HOST", "DB_NAME"] as const;
/** Every key a source's connection is built from: two sources equal on these give the same one. */
const CREDENTIAL_KEYS = [SOURCE_URL_KEY, ...SOURCE_PART_KEYS, "DB_PORT"] as const;

/** Keys a source lacks: DATABASE_URL, or all of DB_USERNAME / DB_PASSWORD / DB_HOST / DB_NAME. */
export function missingSourceKeys(data: Readonly<Record<string, string>>): string[] {
  if (data[SOURCE_URL_KEY]) return [];
  const missing = SOURCE_PART_KEYS.filter((k) => !data[k]);
  return missing.length ? [`${SOURCE_URL_KEY} (or ${missing.join(", ")})`] : [];
}

/**
 * A source's connection for one database. With DATABASE_URL, the URL goes through
 * the precedence table as `<NAME>_DATABASE_URL`, DB_USERNAME / DB_PASSWORD as
 * explicit Flyway credentials; without it, the parts are the connection.
 */
export function sourceConnection(
  db: DatabaseRef,
  data: Readonly<Record<string, string>>,
): { ok: true; connection: Connection } | { ok: false; problem: string } {
  const p = prefixOf(db.name);
  if (!data[SOURCE_URL_KEY]) {
    if (!data.DB_USERNAME) return { ok: false, problem: "missing DB_USERNAME" };
    try {
      const connection = connectionFromParts({
        user: data.DB_USERNAME ?? "",
        password: data.DB_PASSWORD ?? "",
        host: data.DB_HOST ?? "",
        port: data.DB_PORT || "5432",
        database: data.DB_NAME ?? db.name,
      });
      return { ok: true, connection };
    } catch (error) {
      if (error instanceof UrlError) return { ok: false, problem: error.message };
      throw error;
    }
  }
  const env: Record<string, string> = { [`${p}DATABASE_URL`]: data[SOURCE_URL_KEY] };
  if (data.DB_USERNAME) env[`${p}FLYWAY_USER`] = data.DB_USERNAME;
  if (data.DB_PASSWORD) env[`${p}FLYWAY_PASSWORD`] = data.DB_PASSWORD;
  const r = resolveFlywayConnection(env, db);
  if (!r.ok) return { ok: false, problem: r.invalid ?? `missing ${r.missing.join(", ")}` };
  return { ok: true, connection: r.connection.target };
}

/** One database's credentials, built once from the fixtures of its Vault path. */
export interface DbCredentials {
  /** The configured database (migrations.databases[].name). */
  database: string;
  /** The Vault path whose fixture values they were built from. */
  vaultPath: string;
  /** Those values' credential keys (CREDENTIAL_KEYS), to recognise them when read back. */
  keys: Readonly<Record<string, string>>;
  connection: Connection;
}

function credentialKeysOf(data: Readonly<Record<string, string>>): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const k of CREDENTIAL_KEYS) if (data[k] !== undefined) keys[k] = data[k];
  return keys;
}

/**
 * Each configured database's credentials from the fixture values at its Vault
 * path; a database whose fixtures are absent or hold no usable connection has
 * none (the bootstrap then reports its source, as read, by name).
 */
export function credentialsFromFixtures(
  databases: ReadonlyArray<{ name: string; vaultPath: string }>,
  fixtures: ReadonlyMap<string, { values: Readonly<Record<string, string>> }>,
): Map<string, DbCredentials> {
  const out = new Map<string, DbCredentials>();
  for (const [i, db] of databases.entries()) {
    const values = fixtures.get(db.vaultPath)?.values;
    if (!values || missingSourceKeys(values).length) continue;
    const built = sourceConnection({ name: db.name, primary: i === 0 }, values);
    if (!built.ok) continue;
    out.set(db.name, {
      database: db.name,
      vaultPath: db.vaultPath,
      keys: credentialKeysOf(values),
      connection: built.connection,
    });
  }
  return out;
}

/** Whether `data` (a Secret or Vault's values, as read) holds exactly these credentials' keys. */
export function holdsCredentials(
  data: Readonly<Record<string, string>>,
  credentials: DbCredentials,
): boolean {
  return CREDENTIAL_KEYS.every((k) => data[k] === credentials.keys[k]);
}
