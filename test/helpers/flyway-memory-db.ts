/**
 * PostgreSQL databases in memory, behind the database port (`Host.db`), for
 * in-process tests of the flows that read Flyway's history: each database has a
 * current schema, the schemas that exist, and in each schema the history tables
 * (their rows, as flyway_schema_history holds them) and a count of other objects.
 * It answers the two reads those flows make (the schema facts, and a history
 * table's rows in installed_rank order); any other query fails the test loudly.
 * Logins can be refused (PgConnectError) and queries left unanswered
 * (PgQueryTimeoutError), as the pg adapter reports them. It is not PostgreSQL:
 * test/integration/flyway-status.test.ts runs the same flow over a real one.
 */

import type { ConnectOptions, DbClient, DbPort } from "../../src/adapters/ports.js";
import { PgConnectError, PgQueryTimeoutError } from "../../src/adapters/postgres-errors.js";
import type { Connection } from "../../src/core/connection.js";
import type { HistoryRow } from "../../src/core/flyway-status.js";

export interface MemorySchema {
  /** History tables by name, each with its rows (any order: they are read by rank). */
  tables: Record<string, HistoryRow[]>;
  /** Tables, views and sequences other than the history tables. */
  otherObjects?: number;
}

export interface MemoryDatabase {
  /** The login's current schema (undefined: an empty search_path). */
  currentSchema?: string | undefined;
  /** The login's role (current_user). */
  user?: string;
  schemas: Record<string, MemorySchema>;
  /** Thrown by every login to this database. */
  refuse?: PgConnectError["failure"];
  /** Every query on this database goes unanswered. */
  hang?: boolean;
}

export interface Login {
  database: string;
  user: string;
  options: ConnectOptions;
}

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;
const unquote = (id: string) => id.slice(1, -1).replace(/""/g, '"');

/** Databases by name (the connection's database), and what was asked of them. */
export function memoryDatabases(databases: Record<string, MemoryDatabase>) {
  const logins: Login[] = [];
  const queries: Array<{ database: string; text: string }> = [];
  let open = 0;
  let ended = 0;

  function client(name: string, target: Connection, db: MemoryDatabase): DbClient {
    return {
      escapeIdentifier: quote,
      end: async () => {
        ended++;
      },
      async query<R>(text: string, values: unknown[] = []) {
        queries.push({ database: name, text });
        if (db.hang) throw new PgQueryTimeoutError(10_000, target);
        const rows = (list: unknown[]) => ({ rows: list as R[], rowCount: list.length });
        if (text.includes("current_schema()")) {
          const [table, wanted] = values as [string, string | null];
          const schemaName = wanted ?? db.currentSchema;
          if (schemaName === undefined) return rows([{ schema: null }]);
          const schema = db.schemas[schemaName];
          return rows([
            {
              schema: schemaName,
              schema_exists: schema !== undefined,
              user: db.user ?? target.user,
              database: name,
              history_exists: schema !== undefined && table in schema.tables,
            },
          ]);
        }
        if (text.includes("from pg_class")) {
          const [schemaName, table] = values as [string, string];
          const schema = db.schemas[schemaName];
          const n =
            (schema?.otherObjects ?? 0) +
            Object.keys(schema?.tables ?? {}).filter((t) => t !== table).length;
          return rows([{ n }]);
        }
        const read = /from ("(?:[^"]|"")+")\.("(?:[^"]|"")+") order by installed_rank/.exec(text);
        if (read) {
          const history = db.schemas[unquote(read[1]!)]?.tables[unquote(read[2]!)];
          if (!history) throw new Error(`relation ${read[1]}.${read[2]} does not exist`);
          return rows([...history].sort((a, b) => a.installed_rank - b.installed_rank));
        }
        throw new Error(`the in-memory database does not answer: ${text}`);
      },
    };
  }

  const port: DbPort = {
    async connect(target, options) {
      logins.push({ database: target.database, user: target.user, options });
      const db = databases[target.database];
      if (!db)
        throw new PgConnectError(
          {
            kind: "no-database",
            code: "3D000",
            message: `database "${target.database}" does not exist`,
          },
          target,
        );
      if (db.refuse) throw new PgConnectError(db.refuse, target);
      open++;
      return client(target.database, target, db);
    },
  };
  return {
    port,
    logins,
    queries,
    /** Connections opened and not yet ended. */
    open: () => open - ended,
  };
}

/** A history row as Flyway's JdbcTableSchemaHistory writes it (success, by `flyway`). */
export function historyRow(
  rank: number,
  row: Pick<HistoryRow, "version" | "description" | "script" | "checksum"> & Partial<HistoryRow>,
): HistoryRow {
  return {
    installed_rank: rank,
    type: "SQL",
    installed_by: "flyway",
    installed_on: "2026-03-04 05:06:07.123456",
    execution_time: 3,
    success: true,
    ...row,
  };
}
