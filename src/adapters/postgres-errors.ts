/**
 * The PostgreSQL client's errors, kept apart from postgres.ts so that code which
 * only inspects them (the flows) does not load pg with them.
 */
import type { Connection } from "../core/connection.js";

export type PgFailure = {
  kind: "unreachable" | "auth" | "no-database" | "other";
  code: string;
  message: string;
};

export class PgConnectError extends Error {
  constructor(
    readonly failure: PgFailure,
    readonly target: Pick<Connection, "host" | "port" | "database" | "user">,
  ) {
    super(failure.message);
    this.name = "PgConnectError";
  }
}

/** A query the server did not answer within the client's limit; its connection is closed. */
export class PgQueryTimeoutError extends Error {
  constructor(
    readonly limitMs: number,
    readonly target: Pick<Connection, "host" | "port" | "database">,
  ) {
    super(
      `PostgreSQL at ${target.host}:${target.port} did not answer a query within ${limitMs / 1000} s`,
    );
    this.name = "PgQueryTimeoutError";
  }
}
