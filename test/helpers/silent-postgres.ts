/**
 * A loopback server that speaks just enough of the PostgreSQL wire protocol
 * (protocol 3.0, "Message Flow" and "Message Formats" in the PostgreSQL docs) to
 * take a login — AuthenticationCleartextPassword, the password, AuthenticationOk,
 * ParameterStatus, BackendKeyData, ReadyForQuery — and then reads every query
 * and answers none: a server that is stuck after the login.
 */
import { createServer, type Server, type Socket } from "node:net";

export interface SilentPostgres {
  port: number;
  /** Query texts received (simple Query, or Parse of the extended protocol), none answered. */
  readonly queries: string[];
  /** Logins completed: user names, in order. */
  readonly logins: string[];
  /** Resolves once `n` queries in all have arrived. */
  queried(n?: number): Promise<void>;
  /** Resolves when no connection is open (the clients closed theirs). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/** A backend message: a type byte, then Int32 length (counting itself), then the body. */
function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "ascii");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int32 = (...values: number[]) => {
  const b = Buffer.alloc(4 * values.length);
  for (const [i, v] of values.entries()) b.writeInt32BE(v, 4 * i);
  return b;
};
const cstrings = (...values: string[]) => Buffer.from(values.map((v) => `${v}\0`).join(""));

/** The NUL-terminated key/value pairs of a StartupMessage body. */
function startupParams(body: Buffer): Record<string, string> {
  const parts = body.toString("utf8").split("\0");
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) params[parts[i]!] = parts[i + 1]!;
  return params;
}

export async function startSilentPostgres(): Promise<SilentPostgres> {
  const queries: string[] = [];
  const logins: string[] = [];
  const sockets = new Set<Socket>();
  let waiters: Array<() => void> = [];
  const settle = () => {
    const pending = waiters;
    waiters = [];
    for (const w of pending) w();
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      settle();
    });
    let buffer = Buffer.alloc(0);
    let started = false;
    let user = "";
    socket.on("data", (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          // Untyped start-up packets: Int32 length, Int32 code, body.
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          const body = buffer.subarray(8, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write("N");
            continue;
          }
          started = true;
          user = startupParams(body).user ?? "";
          socket.write(message("R", int32(3))); // AuthenticationCleartextPassword
          continue;
        }
        if (buffer.length < 5) return;
        const type = String.fromCharCode(buffer[0]!);
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) return;
        const body = buffer.subarray(5, 1 + length);
        buffer = buffer.subarray(1 + length);
        if (type === "p") {
          logins.push(user);
          socket.write(
            Buffer.concat([
              message("R", int32(0)), // AuthenticationOk
              message("S", cstrings("server_version", "16.0")),
              message("S", cstrings("client_encoding", "UTF8")),
              message("S", cstrings("standard_conforming_strings", "on")),
              message("K", int32(4242, 17)), // BackendKeyData: pid, secret key
              message("Z", Buffer.from("I")), // ReadyForQuery, idle
            ]),
          );
        } else if (type === "Q") {
          queries.push(body.toString("utf8").replace(/\0$/, ""));
          settle();
        } else if (type === "P") {
          // Parse: statement name, then the query text.
          queries.push(body.toString("utf8").split("\0")[1] ?? "");
          settle();
        } else if (type === "X") {
          socket.end();
        }
        // Everything else (Bind, Describe, Execute, Sync, Flush) is read and ignored.
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;

  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (done() ? resolve() : waiters.push(check));
      check();
    });
  return {
    port,
    queries,
    logins,
    queried: (n = 1) => until(() => queries.length >= n),
    idle: () => until(() => sockets.size === 0),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
