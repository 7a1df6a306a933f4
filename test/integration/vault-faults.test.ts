/**
 * Vault faults after the health check (FAULTS.md 1): sealed or refusing
 * connections at lookup-self or at the mount check are classified like the
 * health check does, refused connections are retried (bounded), and a
 * mount-enable race ("path is already in use") means the mount exists.
 * A scripted Vault answers each request as the test says.
 *
 * FAULTS.md 53 and 55: answers that are no answer (a malformed 200, a body without
 * end, a write never answered) give an error that says what happened, in bounded time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/flows/host.js";
import { cleanEnv, runCli, runInProcess } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { spawnCli } from "../helpers/spawned.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const TOKEN = "s.scripted-token-1234";
let server: Server;
let port = 0;
let ws: Workspace;
let routes: Record<string, Handler>;
const seen: string[] = [];

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify(body));
};
const healthy: Handler = (_, res) =>
  json(res, 200, { initialized: true, sealed: false, standby: false, version: "1.17.0" });
const kvStore = new Map<string, Record<string, unknown>>();
const kv: Handler = (req, res) => {
  const path = req.url!.replace(/^\/v1\/secret\/data\//, "");
  if (req.method === "GET") {
    const data = kvStore.get(path);
    return data
      ? json(res, 200, { data: { data, metadata: { version: 1 } } })
      : json(res, 404, { errors: [] });
  }
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    kvStore.set(path, JSON.parse(body).data);
    json(res, 200, { data: { version: 1 } });
  });
};

async function listen(): Promise<void> {
  server = createServer((req, res) => {
    const route = `${req.method} ${req.url!.split("?")[0]}`;
    seen.push(route);
    const handler = routes[route] ?? (req.url!.startsWith("/v1/secret/data/") ? kv : undefined);
    if (handler) return handler(req, res);
    json(res, 404, { errors: [`no route ${route}`] });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
}

beforeEach(async () => {
  port = 0;
  seen.length = 0;
  kvStore.clear();
  routes = {
    "GET /v1/sys/health": healthy,
    "GET /v1/auth/token/lookup-self": (_, res) => json(res, 200, { data: { policies: ["root"] } }),
    "GET /v1/sys/mounts/secret": (_, res) =>
      json(res, 200, { data: { type: "kv", options: { version: "2" } } }),
  };
  await listen();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\n",
    "vault/fixtures/a.yaml": "paths:\n  app/x:\n    A: b\n",
  });
});
afterEach(async () => {
  await new Promise<void>((resolve) =>
    server.listening ? server.close(() => resolve()) : resolve(),
  );
});

const env = () => cleanEnv({ VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TOKEN: TOKEN });
// In-process runs of the command (the retry that recovers runs the built CLI below);
// a run whose retries nothing answers records its backoffs on a virtualClock.
const seed = (clock?: Clock) =>
  runInProcess(["ensure-local-secrets", "--skip-eso"], {
    cwd: ws.dir,
    env: env(),
    ...(clock ? { clock } : {}),
  });

describe("Vault faults after the health check", () => {
  it("sealed at lookup-self: classified, with the unseal hint, never 'unexpected error'", async () => {
    routes["GET /v1/auth/token/lookup-self"] = (_, res) =>
      json(res, 503, { errors: ["Vault is sealed"] });
    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /\[vault:mount\] ✖ Vault sealed at http:\/\/127\.0\.0\.1:\d+ \(at auth\/token\/lookup-self, after the health check\).*hint: unseal it/,
    );
    expect(r.stdout + r.stderr).not.toMatch(/unexpected error|incomplete/);
  });

  it("sealed at the mount check: classified the same way", async () => {
    routes["GET /v1/sys/mounts/secret"] = (_, res) =>
      json(res, 503, { errors: ["Vault is sealed"] });
    const r = await seed();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /\[vault:mount\] ✖ Vault sealed at .* \(at sys\/mounts\/secret, after the health check\)/,
    );
  });

  it("connection refused after the health check is retried, and succeeds once Vault is back", async () => {
    routes["GET /v1/sys/health"] = (req, res) => {
      // Stop listening before health answers, and the next requests are refused. Closed
      // after the answer, the port could still take a connection the client opened
      // meanwhile, and reset it (ECONNRESET) rather than refuse it. The listening
      // socket closes at once; the connection this answer goes out on stays.
      server.close();
      healthy(req, res);
    };
    const run = spawnCli(["ensure-local-secrets", "--skip-eso"], { cwd: ws.dir, env: env() });
    await run.waitFor(
      /\[vault:mount\]\s+Vault refused the connection at auth\/token\/lookup-self \(ECONNREFUSED\); retry 1 of \d+/,
    );
    routes["GET /v1/sys/health"] = healthy;
    await listen();
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toMatch(/Vault sync success/);
  });

  it("connection refused that persists fails clearly after bounded retries", async () => {
    routes["GET /v1/sys/health"] = (req, res) => {
      server.close();
      healthy(req, res);
    };
    const clock = virtualClock();
    const r = await seed(clock);
    expect(r.code, r.stdout).toBe(1);
    // bounded: a backoff between each of the 4 attempts
    expect(clock.sleeps).toHaveLength(3);
    expect(r.stdout).toMatch(
      /\[vault:mount\] ✖ Vault unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED at auth\/token\/lookup-self, \d+ attempts\)/,
    );
    expect(r.stdout + r.stderr).not.toMatch(/unexpected error/);
  });

  it("a mount-enable race ('path is already in use') means the mount exists", async () => {
    let reads = 0;
    routes["GET /v1/sys/mounts/secret"] = (_, res) =>
      reads++ === 0
        ? json(res, 400, { errors: ["No secret engine mount at secret/"] })
        : json(res, 200, { data: { type: "kv", options: { version: "2" } } });
    routes["POST /v1/sys/mounts/secret"] = (_, res) =>
      json(res, 400, { errors: ["path is already in use at secret/"] });
    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\[vault:mount\] ✔ mount secret\/ was enabled by another run meanwhile; it is KV v2/,
    );
    expect(r.stdout).toMatch(/Vault sync success/);
  });
});

/** The built CLI as a user runs it, against the scripted Vault. */
const seedCli = () =>
  runCli(["ensure-local-secrets", "--skip-eso"], { cwd: ws.dir, env: env(), timeoutMs: 60_000 });
const writes = () => seen.filter((r) => r.startsWith("POST /v1/secret/data/"));

describe("Vault answers that are no answer", () => {
  it("a KV read answered 200 with malformed JSON is an error naming the path, never 'absent'", async () => {
    routes["GET /v1/secret/data/app/x"] = (_, res) => {
      res.writeHead(200, { "content-type": "application/json", connection: "close" });
      res.end('{"data":{"data":{"A":"b"');
    };
    const r = await seedCli();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /\[vault:seed\] ✖ Vault's answer is unusable: GET \/v1\/secret\/data\/app\/x: Vault answered HTTP 200 with a body that is not a JSON object/,
    );
    expect(r.stdout).toMatch(/hint: is VAULT_ADDR Vault itself/);
    expect(writes()).toEqual([]);
    expect(r.stdout + r.stderr).not.toMatch(/unexpected error|Vault sync success/);
  });

  it("a mount check answered 200 with a page that is not JSON is an error, never 'unexpected error'", async () => {
    routes["GET /v1/sys/mounts/secret"] = (_, res) => {
      res.writeHead(200, { "content-type": "text/html", connection: "close" });
      res.end("<html>proxy login</html>");
    };
    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /\[vault:mount\] ✖ Vault's answer is unusable: GET \/v1\/sys\/mounts\/secret: Vault answered HTTP 200 with a body that is not a JSON object/,
    );
    expect(r.stdout + r.stderr).not.toMatch(/unexpected error/);
  });

  it("a KV read answered 200 without the secret's data is an error, never 'absent'", async () => {
    routes["GET /v1/secret/data/app/x"] = (_, res) => json(res, 200, { data: null });
    const r = await seedCli();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /GET \/v1\/secret\/data\/app\/x: Vault answered HTTP 200 without a data\.data object/,
    );
    expect(writes()).toEqual([]);
  });

  it("a body without end is cut off at the cap, the request aborted, and the run fails clearly", async () => {
    let sent = 0;
    let closed!: Promise<void>;
    routes["GET /v1/secret/data/app/x"] = (_, res) => {
      closed = new Promise((resolve) => res.on("close", () => resolve()));
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"data":{"data":{"A":"');
      const chunk = Buffer.alloc(1024 * 1024, "a");
      const pump = () => {
        while (!res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
      };
      pump();
    };
    const r = await seedCli();
    await closed;
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /GET \/v1\/secret\/data\/app\/x: Vault's answer is larger than 64 MiB; stopped reading it/,
    );
    // It stopped reading at the cap: the server got no further than socket buffers past it.
    expect(sent).toBeLessThan(96 * 1024 * 1024);
    expect(writes()).toEqual([]);
    expect(r.stdout + r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it("a Content-Length past the cap is refused before the body is read", async () => {
    routes["GET /v1/secret/data/app/x"] = (_, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 700_000_000 });
      res.write("{");
    };
    const r = await seedCli();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Vault's answer is larger than 64 MiB; stopped reading it/);
  });

  it("a write that is never answered may or may not have been applied: said so, not 'another writer', and sent once", async () => {
    routes["POST /v1/secret/data/app/x"] = () => {
      // Takes the write and never answers (the request time limit is Vault's 10 s).
    };
    const started = Date.now();
    const r = await seedCli();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /\[vault:seed\] ✖ the write to secret\/app\/x may or may not have been applied: no answer within 10000 ms; re-reading showed our values are not there \(yet\)/,
    );
    expect(r.stdout).toMatch(/hint: check Vault \('vault kv get secret\/app\/x'\), then rerun/);
    expect(r.stdout).not.toMatch(/another (process|writer)|keeps changing/);
    expect(writes()).toHaveLength(1);
    // One write's time limit and a re-read: far from four writes' worth.
    expect(Date.now() - started).toBeLessThan(25_000);
  });
});
