/**
 * PostgreSQL logins over `pg`, with connection errors classified: unreachable
 * (retried, bounded), authentication failed, database missing (not retried);
 * and a client-side limit on every query, for a server that logs in and then
 * answers nothing.
 */
import type pg from "pg";
import Client from "pg/lib/client.js";
import type { Connection } from "../core/connection.js";
import { backoffDelay } from "../core/retry.js";
import type { Clock, ConnectOptions, DbClient } from "./ports.js";
import { PgConnectError, type PgFailure, PgQueryTimeoutError } from "./postgres-errors.js";

/** Whether a connection's parameters ask for TLS (pgjdbc's ssl=true, or libpq's sslmode=require…). */
function wantsSsl(params: Connection["params"]): boolean {
  const sslmode = params.find(([k]) => k === "sslmode")?.[1];
  return (
    params.find(([k]) => k === "ssl")?.[1] === "true" ||
    (sslmode !== undefined && !["disable", "allow", "prefer"].includes(sslmode))
  );
}

/**
 * The login's startup options: libpq's `options` as given, and pgjdbc's currentSchema
 * as the search_path it sets for Flyway, so that our queries (flyway-status, the
 * preflight) see the schema Flyway uses by default. Whitespace and backslashes are
 * escaped, as the server splits `options` on any unescaped whitespace.
 */
export function startupOptions(params: Connection["params"]): string | undefined {
  const parts: string[] = [];
  const options = params.find(([k]) => k === "options")?.[1];
  if (options) parts.push(options);
  const schema = params.find(([k]) => k === "currentSchema")?.[1];
  if (schema) parts.push(`-c search_path=${schema.replace(/[\\\s]/g, (c) => `\\${c}`)}`);
  return parts.length ? parts.join(" ") : undefined;
}

/** pg's client settings for a connection: the edge where the structure meets the driver. */
function pgConfig(target: Connection): pg.ClientConfig {
  const options = startupOptions(target.params);
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ...(options ? { options } : {}),
    ...(wantsSsl(target.params) ? { ssl: { rejectUnauthorized: false } } : {}),
  };
}

// pg 8's message when query_timeout fires (lib/client.js). It leaves the query active, so
// the connection can run nothing more; end() then destroys the socket instead of waiting.
const PG_QUERY_TIMEOUT = "Query read timeout";

/** The client the port hands out: pg's, with its query timeout as a typed error that ends it. */
function limitedClient(client: pg.Client, limitMs: number, target: Connection): DbClient {
  return {
    query: async <R>(text: string, values?: unknown[]) => {
      try {
        return (await client.query(text, values)) as unknown as {
          rows: R[];
          rowCount: number | null;
        };
      } catch (error) {
        if ((error as Error | undefined)?.message !== PG_QUERY_TIMEOUT) throw error;
        void client.end().catch(() => {});
        // The address only: the error must not carry the password along.
        const { host, port, database } = target;
        throw new PgQueryTimeoutError(limitMs, { host, port, database });
      }
    },
    escapeIdentifier: (name) => client.escapeIdentifier(name),
    end: () => client.end(),
  };
}

function classifyPgError(error: unknown): PgFailure {
  const e = error as { code?: string; message?: string };
  const code = e.code ?? "";
  const message = (e.message ?? String(error)).split("\n")[0]!;
  if (code === "28P01" || code === "28000") return { kind: "auth", code, message };
  if (code === "3D000") return { kind: "no-database", code, message };
  if (
    [
      "ECONNREFUSED",
      "ENOTFOUND",
      "EAI_AGAIN",
      "ETIMEDOUT",
      "ECONNRESET",
      "EHOSTUNREACH",
      "57P03",
    ].includes(code) ||
    /timeout|terminated unexpectedly/i.test(message)
  ) {
    return { kind: "unreachable", code: code || "ETIMEDOUT", message };
  }
  return { kind: "other", code, message };
}

export async function connectPg(
  target: Connection,
  options: ConnectOptions & {
    /** The run's clock: the backoff between attempts waits on it. */
    clock: Pick<Clock, "sleep">;
  },
): Promise<DbClient> {
  const wait = options.clock.sleep;
  const attempts = options.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw options.signal.reason;
    const client = new Client({
      ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}),
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
      ...pgConfig(target),
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    });
    // An idle client's socket error must not crash the process.
    client.on("error", () => {});
    // The run's signal closes the connection, during the login (a server that never
    // answers) as much as during a query waiting on a lock.
    const signal = options.signal;
    const onAbort = () => void client.end().catch(() => {});
    if (signal) {
      signal.addEventListener("abort", onAbort, { once: true });
      client.once("end", () => signal.removeEventListener("abort", onAbort));
    }
    try {
      await client.connect();
      return options.queryTimeoutMs
        ? limitedClient(client, options.queryTimeoutMs, target)
        : client;
    } catch (error) {
      await client.end().catch(() => {});
      if (options.signal?.aborted) throw options.signal.reason;
      const failure = classifyPgError(error);
      if (failure.kind !== "unreachable" || attempt >= attempts) {
        throw new PgConnectError(failure, {
          host: target.host,
          port: target.port,
          database: target.database,
          user: target.user,
        });
      }
      await wait(backoffDelay(attempt, { initialMs: 250, maxMs: 2000, factor: 2 }), options.signal);
    }
  }
}
