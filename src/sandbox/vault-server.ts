/**
 * A loopback stand-in for the parts of Vault's HTTP API dev-bootstrap uses.
 * It is not Vault: it follows Vault's documented answers for sys/health,
 * sys/mounts, token lookup-self and the KV v2 engine (data, metadata, config,
 * versions, check-and-set, cas_required, soft delete), including status codes
 * and `{"errors":[…]}` bodies, so our real Vault client can be tested.
 * Tests switch it into sealed / uninitialised / standby / 403 / 429 modes and
 * make it drop a connection after a write.
 *
 * References: developer.hashicorp.com/vault/api-docs/system/health,
 * …/system/mounts, …/secret/kv/kv-v2, …/auth/token#lookup-a-token-self.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { allows, serveKubernetesAuth, serveSys } from "./vault-auth.js";
import { errorBody, send, VaultKv2 } from "./vault-kv2.js";

/** The HTTP side: health, mounts, token lookup, ACL denials, rate limits and KV v2. */ export class VaultStandIn extends VaultKv2 {
  private server: Server | undefined;
  private readonly sockets = new Set<import("node:net").Socket>();

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => send(res, 500, errorBody(String(error))));
    });
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    // Vault keeps idle connections for http_idle_timeout (default 5m). Node's 5 s
    // default made a client reusing a kept-alive socket on a busy machine race the
    // server closing it ("other side closed").
    this.server.keepAliveTimeout = 5 * 60_000;
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const { port: bound } = this.server.address() as AddressInfo;
    return `http://${host}:${bound}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
  private healthStatus(): number {
    if (!this.faults.initialized) return 501;
    if (this.faults.sealed) return 503;
    if (this.faults.standby) return 429;
    return 200;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://vault");
    const path = url.pathname;
    let method = req.method ?? "GET";
    if (method === "GET" && url.searchParams.get("list") === "true") method = "LIST";
    const reply = (status: number, body?: unknown, headers?: Record<string, string>) => {
      this.record(req, path, status);
      send(res, status, body, headers);
    };

    if (path === "/v1/sys/health") {
      const status = this.healthStatus();
      const sealed = this.faults.sealed || !this.faults.initialized;
      if (this.faults.sealed && this.faults.unsealAfterHealthChecks > 0)
        this.faults.sealed = --this.faults.unsealAfterHealthChecks > 0;
      return reply(status, {
        initialized: this.faults.initialized,
        sealed,
        standby: this.faults.standby,
        performance_standby: false,
        server_time_utc: Math.floor(Date.now() / 1000),
        version: "1.17.0+standin",
        cluster_name: "dev-bootstrap-standin",
      });
    }
    if (path === "/v1/sys/seal-status") {
      return reply(200, {
        type: "shamir",
        initialized: this.faults.initialized,
        sealed: this.faults.sealed,
        t: 1,
        n: 1,
      });
    }
    if (!this.faults.initialized) return reply(503, errorBody("Vault is not initialized"));
    if (this.faults.sealed) return reply(503, errorBody("Vault is sealed"));
    if (this.faults.rateLimit.remaining > 0) {
      this.faults.rateLimit.remaining--;
      return reply(429, errorBody(`request path "${path.slice(4)}": rate limit quota exceeded`), {
        "retry-after": String(this.faults.rateLimit.retryAfterSeconds),
      });
    }
    const rel = path.replace(/^\/v1\//, "");
    const body = () => this.body(req);
    // A login needs no token: it is how a client gets one.
    if (await serveKubernetesAuth(this, method, rel, false, body, reply)) return;
    const token = req.headers["x-vault-token"];
    const policy = typeof token === "string" ? this.tokens.get(token) : undefined;
    if (!policy) return reply(403, errorBody("permission denied"));
    if (
      policy.deny?.some((prefix) => rel.startsWith(prefix)) ||
      (policy.allow && !allows(policy.allow, method, rel))
    ) {
      return reply(403, errorBody("1 error occurred:\n\t* permission denied\n\n"));
    }
    if (await serveSys(this, method, rel, body, reply)) return;
    if (await serveKubernetesAuth(this, method, rel, true, body, reply)) return;

    if (rel === "auth/token/lookup-self" && method === "GET") {
      return reply(200, {
        data: {
          policies: policy.deny ? ["default", "limited"] : ["root"],
          ttl: 0,
          renewable: false,
        },
      });
    }
    if (rel === "sys/mounts" && method === "GET") {
      const data: Record<string, unknown> = {};
      for (const [p, m] of this.mounts)
        data[`${p}/`] = { type: m.type, options: { version: m.version } };
      return reply(200, { ...data, data });
    }
    const mountMatch = /^sys\/mounts\/(.+?)\/?$/.exec(rel);
    if (mountMatch) {
      const mp = mountMatch[1]!;
      if (method === "GET") {
        const m = this.mounts.get(mp);
        if (!m) return reply(400, errorBody(`No secret engine mount at ${mp}/`));
        const info = { type: m.type, options: { version: m.version }, description: "" };
        return reply(200, { ...info, data: info });
      }
      if (method === "POST" || method === "PUT") {
        if (this.mounts.has(mp)) return reply(400, errorBody(`path is already in use at ${mp}/`));
        const body = await this.body(req);
        const type = String(body?.type ?? "");
        if (!type) return reply(400, errorBody("missing type"));
        const options = (body?.options ?? {}) as { version?: string };
        this.addMount(mp, type, type === "kv" ? String(options.version ?? "1") : "");
        return reply(204);
      }
    }

    // Longest mount prefix wins, as in Vault's router.
    const mountPath = [...this.mounts.keys()]
      .sort((a, b) => b.length - a.length)
      .find((m) => rel === m || rel.startsWith(`${m}/`));
    if (!mountPath)
      return reply(404, errorBody(`no handler for route "${rel}". route entry not found.`));
    const mount = this.mounts.get(mountPath)!;
    const sub = rel.slice(mountPath.length + 1);
    if (mount.type !== "kv" || mount.version !== "2") {
      return reply(404, errorBody(`unsupported path for this stand-in: ${rel}`));
    }
    return this.kv2(req, res, method, mountPath, mount, sub, reply);
  }
}
