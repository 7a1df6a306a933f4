/**
 * The adapters wait on the clock they are handed, never on real time of their own:
 * a Vault rate limit's Retry-After, a Kubernetes API or database that refuses
 * connections, another run's lock. Each is driven against a real fault (a server
 * answering 429, a port nothing listens on, a lock file naming a live process)
 * with a virtual clock, and the waits it asked for are read off that clock.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createKube } from "../../src/adapters/kube.js";
import { withLock } from "../../src/adapters/lock.js";
import { connectPg } from "../../src/adapters/postgres.js";
import { processIdentity } from "../../src/adapters/process-identity.js";
import { createVault } from "../../src/adapters/vault.js";
import { StepError } from "../../src/core/errors.js";
import { virtualClock } from "../helpers/clock.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A port nothing listens on: bound, then closed (connections to it are refused). */
async function refusedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("the adapters wait on the run's clock", () => {
  it("Vault: a 429's Retry-After date is read against the clock's time and waited on the clock", async () => {
    // Vault (and a proxy in front of it) may send Retry-After as an HTTP date.
    const retryAt = Date.UTC(2001, 0, 1, 0, 0, 3);
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      if (requests === 1) {
        res.writeHead(429, { "retry-after": new Date(retryAt).toUTCString() });
        res.end('{"errors":["rate limited"]}');
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"data":{"policies":["default"]}}');
      }
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    const clock = virtualClock(retryAt - 3000);
    const vault = createVault({ addr: `http://127.0.0.1:${port}`, token: "t", clock });
    expect(await vault.lookupSelf()).toEqual({ policies: ["default"] });
    expect(requests).toBe(2);
    // Three seconds by the run's clock, not "long past" by the system's.
    expect(clock.sleeps).toEqual([3000]);
  });

  it("Kubernetes: the backoff between refused attempts is on the clock", async () => {
    const port = await refusedPort();
    const dir = mkdtempSync(join(tmpdir(), "adapter-clock-"));
    const kubeconfig = join(dir, "config");
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
    );
    const clock = virtualClock();
    const kube = await createKube({ kubeconfig, attempts: 3, timeoutMs: 10_000, clock });
    const error = await kube.readSecret("default", "s").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as Error).message).toContain("unreachable");
    expect(clock.sleeps).toHaveLength(2); // between three attempts
    for (const ms of clock.sleeps) expect(ms).toBeGreaterThan(0);
  });

  it("PostgreSQL: the backoff between refused attempts is on the clock", async () => {
    const port = await refusedPort();
    const clock = virtualClock();
    const error = await connectPg(
      { host: "127.0.0.1", port, database: "app", params: [], user: "app", password: "x" },
      { attempts: 4, clock },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/refused|unreachable|ECONNREFUSED/i);
    expect(clock.sleeps).toHaveLength(3);
    for (const ms of clock.sleeps) expect(ms).toBeLessThanOrEqual(2000);
  });

  it("the workspace lock: the wait for a live holder, and its deadline, are on the clock", async () => {
    const lock = join(mkdtempSync(join(tmpdir(), "adapter-clock-")), "dev-bootstrap.lock");
    // Held by a live process (this one, under another run id): not stale, never released.
    writeFileSync(
      lock,
      JSON.stringify({
        pid: process.pid,
        runId: "holder",
        since: new Date(0).toISOString(),
        started: processIdentity(process.pid),
      }),
    );
    const clock = virtualClock();
    const error = await withLock(
      lock,
      { runId: "now", timeoutMs: 120_000, env: {}, clock },
      async () => "ran",
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as Error).message).toContain("another run holds the lock");
    // Two minutes by the run's clock, looked at every 200 ms, and none of it real.
    expect(clock.elapsed()).toBeGreaterThanOrEqual(120_000);
    expect(new Set(clock.sleeps)).toEqual(new Set([200]));
  });
});
