/**
 * What goes into the migrations secret, from each database's credentials.
 * Pure: the flow reads the sources; this decides keys, values and problems.
 */
import {
  type DatabaseRef,
  prefixOf,
  resolveFlywayConnection,
  secretKeysFor,
} from "./flyway-env.js";
import { buildPostgresUrl } from "./jdbc.js";

export interface SourceData {
  /** Where the data came from, for the checkpoint ("platform-db-credentials (ESO)"). */
  label: string;
  data: Record<string, string>;
}

export const SOURCE_URL_KEY = "DATABASE_URL";
export const SOURCE_PART_KEYS = ["DB_USERNAME", "DB_PASSWORD", "DB_HOST", "DB_NAME"] as const;

/** Keys a source lacks: DATABASE_URL, or all of DB_USERNAME / DB_PASSWORD / DB_HOST / DB_NAME. */
export function missingSourceKeys(data: Record<string, string>): string[] {
  if (data[SOURCE_URL_KEY]) return [];
  const missing = SOURCE_PART_KEYS.filter((k) => !data[k]);
  return missing.length ? [`${SOURCE_URL_KEY} (or ${missing.join(", ")})`] : [];
}

/**
 * The env-style keys a source contributes for one database: its URL as
 * `<NAME>_DATABASE_URL`, and DB_USERNAME / DB_PASSWORD as explicit Flyway
 * credentials, so the precedence table decides the rest.
 */
export function sourceToEnv(db: DatabaseRef, data: Record<string, string>): Record<string, string> {
  const p = prefixOf(db.name);
  const env: Record<string, string> = {};
  if (data[SOURCE_URL_KEY]) env[`${p}DATABASE_URL`] = data[SOURCE_URL_KEY];
  else {
    env[`${p}DATABASE_URL`] = buildPostgresUrl({
      user: data.DB_USERNAME ?? "",
      password: data.DB_PASSWORD ?? "",
      host: data.DB_HOST ?? "",
      port: data.DB_PORT || "5432",
      database: data.DB_NAME ?? db.name,
    });
  }
  if (data.DB_USERNAME) env[`${p}FLYWAY_USER`] = data.DB_USERNAME;
  if (data.DB_PASSWORD) env[`${p}FLYWAY_PASSWORD`] = data.DB_PASSWORD;
  return env;
}

export type BuildResult =
  | { ok: true; data: Record<string, string> }
  | { ok: false; problems: string[] };

/** The migrations secret's data for every database, in order; or every problem found. */
export function buildMigrationsData(
  databases: ReadonlyArray<{ ref: DatabaseRef; source: SourceData }>,
): BuildResult {
  const data: Record<string, string> = {};
  const problems: string[] = [];
  for (const { ref, source } of databases) {
    const r = resolveFlywayConnection(sourceToEnv(ref, source.data), ref);
    if (!r.ok) {
      problems.push(`${source.label}: ${r.invalid ?? `missing ${r.missing.join(", ")}`}`);
      continue;
    }
    const keys = secretKeysFor(ref);
    data[keys.url] = r.connection.url;
    data[keys.user] = r.connection.user;
    data[keys.password] = r.connection.password;
  }
  return problems.length ? { ok: false, problems } : { ok: true, data };
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
export const SECRET_MAX_BYTES = 1024 * 1024;

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
