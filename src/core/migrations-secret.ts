/**
 * The migrations secret, both ways: what goes into it from each database's
 * credentials, and the one reader of it (the health check and Flyway both use
 * readMigrationsSecret). Pure: the flows fetch the secrets; this decides keys,
 * values and problems.
 */
import { jdbcProblem, parsePostgresUrl, renderJdbcUrl } from "./connection.js";
import { type DbCredentials, holdsCredentials, sourceConnection } from "./db-credentials.js";
import { type DatabaseRef, type FlywayConnection, secretKeysFor } from "./flyway-env.js";
import { SECRET_DATA_KEY, SECRET_DATA_KEY_MAX_LENGTH, SECRET_MAX_BYTES } from "./kube-secret.js";

export interface SourceData {
  /** Where the data came from, for the checkpoint ("platform-db-credentials (ESO)"). */
  label: string;
  data: Record<string, string>;
}

export type BuildResult =
  | { ok: true; data: Record<string, string> }
  | { ok: false; problems: string[] };

/**
 * The migrations secret's data for every database, in order; or every problem found.
 * A database whose source holds the credentials built from this run's fixtures
 * (`known`, by database name) uses them as they are, rather than building them again.
 */
export function buildMigrationsData(
  databases: ReadonlyArray<{ ref: DatabaseRef; source: SourceData }>,
  known?: ReadonlyMap<string, DbCredentials>,
): BuildResult {
  const data: Record<string, string> = {};
  const problems: string[] = [];
  for (const { ref, source } of databases) {
    const credentials = known?.get(ref.name);
    const r =
      credentials && holdsCredentials(source.data, credentials)
        ? { ok: true as const, connection: credentials.connection }
        : sourceConnection(ref, source.data);
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

/** Local checks before any write (FAULTS.md 15): key names, and the 1 MiB Secret limit. */
export function secretDataProblems(data: Record<string, string>): string[] {
  const problems: string[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (!SECRET_DATA_KEY.test(k) || k.length > SECRET_DATA_KEY_MAX_LENGTH)
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
