/**
 * Talking to a database Flyway manages: log in (bounded retries), read
 * flyway_schema_history, and the preflight that makes a first run succeed.
 */
import { PgConnectError, PgQueryTimeoutError } from "../adapters/postgres-errors.js";
import type { Config } from "../config/schema.js";
import { StepError, throwIfInterrupted } from "../core/errors.js";
import type { FlywayConnection } from "../core/flyway-env.js";
import type { HistoryRow } from "../core/flyway-status.js";
import type { DbClient, Host } from "./host.js";

export const HISTORY_TABLE = "flyway_schema_history";

/**
 * The client's limit on each query: migrations.queryTimeoutSeconds, else the
 * preflight's statement_timeout plus a margin, so that a server that is merely
 * slow cancels the statement first and its own message is the one reported.
 */
export function queryTimeoutMs(migrations: Config["migrations"]): number {
  return (migrations.queryTimeoutSeconds ?? migrations.statementTimeoutSeconds + 5) * 1000;
}

/** The database's queries, with a query the server never answered told as a step's failure. */
function namingTimeouts(client: DbClient, name: string): DbClient {
  return {
    query: <R>(text: string, values?: unknown[]) =>
      client.query<R>(text, values).catch((error: unknown) => {
        if (!(error instanceof PgQueryTimeoutError)) throw error;
        throw new StepError(
          `database ${name}: ${error.message}`,
          "the server took the login but runs no queries: check it (its log, load, locks, disk) or its port-forward; if it is only slow, raise migrations.queryTimeoutSeconds",
        );
      }),
    escapeIdentifier: (id) => client.escapeIdentifier(id),
    end: () => client.end(),
  };
}

export async function openDatabase(
  db: Host["db"],
  c: Pick<FlywayConnection, "database" | "target">,
  options: {
    /** The client's limit on each query (see queryTimeoutMs). */
    queryTimeoutMs: number;
    attempts?: number;
    signal?: AbortSignal;
    lockTimeoutMs?: number;
    statementTimeoutMs?: number;
  },
): Promise<DbClient> {
  const { target } = c;
  try {
    const client = await (await db()).connect(target, {
      ...options,
      attempts: options.attempts ?? 5,
    });
    return namingTimeouts(client, c.database);
  } catch (error) {
    if (!(error instanceof PgConnectError)) throw error;
    const where = `${target.host}:${target.port}`;
    const f = error.failure;
    if (f.kind === "auth") {
      throw new StepError(
        `database ${c.database}: password authentication failed for user "${target.user}" at ${where}`,
        "the password in the migrations secret does not match the role; rerun ensure-local-secrets and the bootstrap, or reset the role's password",
      );
    }
    if (f.kind === "unreachable") {
      throw new StepError(
        `database ${c.database}: PostgreSQL unreachable at ${where} (${f.code}) after retries`,
        "start PostgreSQL (or its port-forward) and check host and port",
      );
    }
    if (f.kind === "no-database")
      throw new StepError(
        `database ${c.database}: "${target.database}" does not exist at ${where}`,
        `create it: createdb -h ${target.host} -p ${target.port} ${target.database}`,
      );
    throw new StepError(`database ${c.database}: ${f.message}`, "check the server's log");
  }
}

/** Where Flyway keeps its history (FLYWAY_TABLE, FLYWAY_DEFAULT_SCHEMA / FLYWAY_SCHEMAS); unset: Flyway's defaults. */
interface HistoryPlace {
  table?: string | undefined;
  /** Unset: the connection's current schema. */
  schema?: string | undefined;
}

interface SchemaState {
  schema: string;
  /** Whether that schema exists (Flyway creates a missing one on its first migrate). */
  schemaExists: boolean;
  /** current_user and current_database(): Flyway's flyway:user and flyway:database placeholders. */
  user: string;
  database: string;
  historyExists: boolean;
  historyRows: number;
  /**
   * What makes Flyway call the schema non-empty (PostgreSQLSchema.doEmpty): tables,
   * views and sequences other than the history table, types other than row and array
   * types, and functions; an extension's own objects are not counted.
   */
  otherObjects: number;
}

/**
 * The current schema, whether Flyway's history table is in it, and, only when it is
 * not, how many other objects are: one round trip when the history exists (every run
 * after the first), a second only when there is none. Counting the objects costs a
 * fresh backend about 2.5 ms of catalog reads, and flyway-status pays it per database
 * on every run; every use of the count is for a schema without history.
 */
export async function inspectSchemaFacts(
  client: DbClient,
  place: HistoryPlace = {},
): Promise<Omit<SchemaState, "historyRows">> {
  const table = place.table ?? HISTORY_TABLE;
  // The schema as Flyway takes it: defaultSchema or the first of schemas when set, else the
  // connection's (PostgreSQLConnection.doGetCurrentSchema): current_schema is null while the
  // search_path names no schema that exists yet (a currentSchema Flyway creates on its first
  // migrate); then the search_path itself is the schema, with no history.
  const r = await client.query<{
    schema: string;
    schema_exists: boolean;
    user: string;
    database: string;
    history_exists: boolean;
  }>(
    `select s.name as schema,
            exists (select 1 from pg_namespace where nspname = s.name) as schema_exists,
            current_user as user, current_database() as database,
            to_regclass(quote_ident(s.name) || '.' || quote_ident($1)) is not null as history_exists
       from (select coalesce($2::text, current_schema(), nullif(current_setting('search_path'), '')) as name) s`,
    [table, place.schema ?? null],
  );
  const row = r.rows[0];
  // Neither: Flyway stops with this message too.
  // Stryker disable next-line OptionalChaining: a select from a one-row subquery always returns its row
  if (!row?.schema)
    throw new StepError(
      "Unable to determine current schema as search_path is empty",
      "set currentSchema in the connection URL, or give the role a search_path",
    );
  const schema = String(row.schema);
  const schemaExists = row.schema_exists === true;
  const historyExists = row.history_exists === true;
  return {
    schema,
    schemaExists,
    user: String(row.user),
    database: String(row.database),
    historyExists,
    otherObjects:
      !historyExists && schemaExists ? await countOtherObjects(client, schema, table) : 0,
  };
}

/**
 * What makes Flyway call the schema non-empty (PostgreSQLSchema.doEmpty): tables, views
 * and sequences other than the history table, types other than row and array types,
 * and functions; an extension's own objects are not counted.
 */
async function countOtherObjects(client: DbClient, schema: string, table: string): Promise<number> {
  const r = await client.query<{ n: number }>(
    `select count(*)::int as n from (
       select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
         left join pg_depend d on d.objid = c.oid and d.deptype = 'e'
        where n.nspname = $1 and d.objid is null and c.relkind in ('r','v','S','t')
          and c.relname <> $2
       union all
       select t.oid from pg_type t join pg_namespace n on n.oid = t.typnamespace
         left join pg_depend d on d.objid = t.oid and d.deptype = 'e'
        where n.nspname = $1 and d.objid is null and t.typcategory not in ('A','C')
       union all
       select p.oid from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         left join pg_depend d on d.objid = p.oid and d.deptype = 'e'
        where n.nspname = $1 and d.objid is null) o`,
    [schema, table],
  );
  // Stryker disable next-line OptionalChaining: count(*) always returns its row
  return Number(r.rows[0]?.n ?? 0);
}

export async function inspectSchema(
  client: DbClient,
  place: HistoryPlace = {},
): Promise<SchemaState> {
  const facts = await inspectSchemaFacts(client, place);
  const historyRows = facts.historyExists
    ? Number(
        (
          await client.query(
            `select count(*)::int as n from ${client.escapeIdentifier(facts.schema)}.${client.escapeIdentifier(place.table ?? HISTORY_TABLE)}`,
          )
        ).rows[0]?.n ?? 0,
      )
    : 0;
  return { ...facts, historyRows };
}

/** Every row of Flyway's history table in a schema where it exists. */
export async function readHistory(
  client: DbClient,
  schema: string,
  table: string = HISTORY_TABLE,
): Promise<HistoryRow[]> {
  // installed_on is a TIMESTAMP without time zone: formatted here, it stays as stored (no time zone applied).
  const r = await client.query<HistoryRow>(
    `select installed_rank, version, description, type, script, checksum, installed_by,
            to_char(installed_on, 'YYYY-MM-DD HH24:MI:SS.US') as installed_on, execution_time, success
       from ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table)} order by installed_rank`,
  );
  return r.rows;
}

/**
 * Drops flyway_schema_history only when it is still empty (a failed first run
 * leaves one behind and Flyway then refuses to baseline). The count is taken
 * under an exclusive lock, so a table that has rows is never dropped.
 */
export async function dropEmptyHistory(
  client: DbClient,
  schema: string,
  signal?: AbortSignal,
  name: string = HISTORY_TABLE,
): Promise<boolean> {
  const table = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
  await client.query("begin");
  try {
    await client.query(`lock table ${table} in access exclusive mode`);
    const n = Number(
      // Stryker disable next-line OptionalChaining: count(*) always returns one row
      (await client.query(`select count(*)::int as n from ${table}`)).rows[0]?.n ?? 0,
    );
    if (n > 0) {
      await client.query("rollback");
      return false;
    }
    // The lock may have been granted after an interrupt: an interrupted run changes nothing.
    throwIfInterrupted(signal);
    await client.query(`drop table ${table}`);
    await client.query("commit");
    return true;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  }
}
