/**
 * A forward proxy as corporate networks run them, outside the stand-ins: it answers
 * CONNECT, records what passed, resolves names itself (a client behind a proxy need not
 * resolve the server's name), and can demand Basic credentials (407 otherwise).
 */
import { createServer, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";

export interface ConnectProxy {
  url: string;
  /** `host:port` of every CONNECT, in order, whether let through or not. */
  connects: string[];
  /** The Proxy-Authorization header of every CONNECT ("" when none). */
  credentials: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(
  options: {
    /** Where names go: host name to address (others are dialled as they are). */
    hosts?: Record<string, string>;
    /** "user:password" the proxy demands. */
    basicAuth?: string;
  } = {},
): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  const connects: string[] = [];
  const credentials: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    connects.push(target);
    const auth = req.headers["proxy-authorization"] ?? "";
    credentials.push(auth);
    client.on("error", () => {});
    if (
      options.basicAuth &&
      auth !== `Basic ${Buffer.from(options.basicAuth).toString("base64")}`
    ) {
      client.end(
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n",
      );
      return;
    }
    const colon = target.lastIndexOf(":");
    const host = target.slice(0, colon);
    const upstream = connect(Number(target.slice(colon + 1)), options.hosts?.[host] ?? host);
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    upstream.on("connect", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    connects,
    credentials,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
