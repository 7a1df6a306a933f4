/**
 * The migrations secret, both ways: what goes into it from each database's
 * credentials, and the one reader of it (the health check and Flyway both use
 * readMigrationsSecret). Pure: the flows fetch the secrets; this decides keys,
 * values and problems.
 */
import {
  type Connection,
  connectionFromParts,
  jdbcProblem,
  parsePostgresUrl,
  renderJdbcUrl,
  UrlError,
} from "./connection.js";
import {
  type DatabaseRef,
  type FlywayConnection,
  prefixOf,
  resolveFlywayConnection,
  secretKeysFor,
} from "./flyway-env.js";

export interface SourceData {
  /** Where the data came from, for the checkpoint ("platform-db-credentials (ESO)"). */
  label: string;
  data: Record<string, string>;
}

const SOURCE_URL_KEY = "DATABASE_URL";
const SOURCE_PART_KEYS = ["DB_USERNAME", "DB_PASSWORD", "DB_HOST", "DB_NAME"] as const;

/** Keys a source lacks: DATABASE_URL, or all of DB_USERNAME / DB_PASSWORD / DB_HOST / DB_NAME. */
export function missingSourceKeys(data: Record<string, string>): string[] {
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
  data: Record<string, string>,
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

type BuildResult = { ok: true; data: Record<string, string> } | { ok: false; problems: string[] };

/** The migrations secret's data for every database, in order; or every problem found. */
export function buildMigrationsData(
  databases: ReadonlyArray<{ ref: DatabaseRef; source: SourceData }>,
): BuildResult {
  const data: Record<string, string> = {};
  const problems: string[] = [];
  for (const { ref, source } of databases) {
    const r = sourceConnection(ref, source.data);
    if (!r.ok) {
      problems.push(`${source.label}: ${r.problem}`);
      continue;
    }
    const keys = secretKeysFor(ref);
    data[keys.url] = renderJdbcUrl(r.connection);
    data[keys.user] = r.connection.user;
    data[keys.password] = r.connection.password;
  }
  return problems.length ? { ok: false, problems } : { ok: true, data };
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const SECRET_MAX_BYTES = 1024 * 1024;

/** Local checks before any write (FAULTS.md 15): key names, and the 1 MiB Secret limit. */
export function secretDataProblems(data: Record<string, string>): string[] {
  const problems: string[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (!SECRET_KEY.test(k) || k.length > 253)
      problems.push(`key '${k}' is not a valid Secret key (letters, digits, '-', '_', '.')`);
    size += Buffer.byteLength(v, "utf8");
  }
  if (size > SECRET_MAX_BYTES)
    problems.push(`data is ${size} bytes; a Secret holds at most ${SECRET_MAX_BYTES}`);
  return problems;
}

export type EntryStatus = "ok" | "missing" | "invalid";

/** One database's entry in the migrations secret, as read. */
export interface SecretEntry {
  database: string;
  primary: boolean;
  keys: { url: string; user: string; password: string };
  status: EntryStatus;
  /** One line each, naming keys, never values. */
  problems: string[];
  /** The stored JDBC URL, when it is valid (it never holds credentials then). */
  url?: string;
  user?: string;
  /** Set when the entry is ok. */
  connection?: FlywayConnection;
}

/**
 * Reads every database's entry from the migrations secret's data: each key is
 * present, non-empty and text, and each URL is JDBC without credentials.
 */
export function readMigrationsSecret(
  secret: { data: Readonly<Record<string, string>>; binaryKeys: readonly string[] },
  databases: readonly DatabaseRef[],
): SecretEntry[] {
  return databases.map((db) => {
    const keys = secretKeysFor(db);
    const entry: SecretEntry = {
      database: db.name,
      primary: db.primary,
      keys,
      status: "ok",
      problems: [],
    };
    for (const key of [keys.url, keys.user, keys.password]) {
      if (secret.binaryKeys.includes(key)) {
        entry.status = "invalid";
        entry.problems.push(`${key} is not UTF-8 text`);
      } else if (!secret.data[key]) {
        entry.status = "missing";
        entry.problems.push(`${key} is ${key in secret.data ? "empty" : "missing"}`);
      }
    }
    const url = secret.data[keys.url];
    if (url) {
      const problem = jdbcProblem(url);
      if (problem) {
        if (entry.status === "ok") entry.status = "invalid";
        entry.problems.push(`${keys.url} ${problem}`);
      } else entry.url = url;
    }
    if (secret.data[keys.user]) entry.user = secret.data[keys.user];
    if (entry.status === "ok" && url) {
      const { host, port, database, params } = parsePostgresUrl(url);
      entry.connection = {
        database: db.name,
        target: {
          host,
          port,
          database,
          params,
          user: secret.data[keys.user]!,
          password: secret.data[keys.password]!,
        },
        from: keys,
      };
    }
    return entry;
  });
}
