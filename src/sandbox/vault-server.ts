/**
 * A loopback stand-in for the parts of Vault's HTTP API dev-bootstrap uses.
 * It is not Vault: it follows Vault's documented answers for sys/health,
 * sys/mounts, token lookup-self and the KV v2 engine (data, metadata, config,
 * versions, check-and-set, cas_required, soft delete), including status codes
 * and `{"errors":[…]}` bodies, so the real node-vault client can be tested.
 * Tests switch it into sealed / uninitialised / standby / 403 / 429 modes and
 * make it drop a connection after a write.
 *
 * References: developer.hashicorp.com/vault/api-docs/system/health,
 * …/system/mounts, …/secret/kv/kv-v2, …/auth/token#lookup-a-token-self.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface KvVersion {
  data: Record<string, unknown> | null;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

interface KvEntry {
  versions: Map<number, KvVersion>;
  current: number;
  casRequired: boolean;
  created: string;
  updated: string;
}

interface Mount {
  type: string;
  version: string;
  casRequired: boolean;
  maxVersions: number;
  kv: Map<string, KvEntry>;
}

export interface TokenPolicy {
  /** Path prefixes (after /v1/) this token may not touch; ACL denial answers 403. */
  deny?: string[];
}

export interface VaultStandInOptions {
  /** The root token; generated when omitted. */
  rootToken?: string;
  /** Mount a KV v2 engine at `secret/` like `vault server -dev` does. */
  devMount?: boolean;
}

export interface VaultFaults {
  sealed: boolean;
  /** While sealed, unseal after answering this many more health checks (0: stay sealed). */
  unsealAfterHealthChecks: number;
  initialized: boolean;
  standby: boolean;
  /** Answer this many further non-health requests with 429 and this Retry-After (s). */
  rateLimit: { remaining: number; retryAfterSeconds: number };
  /** Apply this many further KV writes, then drop the connection without answering. */
  resetAfterWrite: number;
  /** Called before a KV write is applied, e.g. to simulate a concurrent writer. */
  beforeWrite?: (mount: string, path: string) => void;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
}

const now = () => new Date().toISOString();

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  if (status === 204 || body === undefined) {
    res.writeHead(status === 200 ? 204 : status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...headers,
    })
    .end(text);
}

const errorBody = (...errors: string[]) => ({ errors });

export class VaultStandIn {
  readonly rootToken: string;
  readonly tokens = new Map<string, TokenPolicy>();
  readonly mounts = new Map<string, Mount>();
  readonly requests: RequestRecord[] = [];
  faults: VaultFaults = {
    sealed: false,
    unsealAfterHealthChecks: 0,
    initialized: true,
    standby: false,
    rateLimit: { remaining: 0, retryAfterSeconds: 1 },
    resetAfterWrite: 0,
  };
  private server: Server | undefined;
  private readonly sockets = new Set<import("node:net").Socket>();
  /**
   * Awaited after every KV v2 write made over HTTP, before the write is answered,
   * so a controller reacting to Vault (the sandbox's database roles) has
   * converged by the time the writer's next command runs.
   */
  afterWrite:
    | ((mount: string, path: string, data: Record<string, unknown>) => Promise<void>)
    | undefined;

  constructor(options: VaultStandInOptions = {}) {
    this.rootToken = options.rootToken ?? `hvs.${randomBytes(18).toString("base64url")}`;
    this.tokens.set(this.rootToken, {});
    if (options.devMount !== false) this.addMount("secret", "kv", "2");
  }

  addMount(path: string, type: string, version: string): Mount {
    const mount: Mount = { type, version, casRequired: false, maxVersions: 0, kv: new Map() };
    this.mounts.set(path, mount);
    return mount;
  }

  /** A token with a policy that denies some path prefixes. */
  addToken(policy: TokenPolicy): string {
    const token = `hvs.${randomBytes(18).toString("base64url")}`;
    this.tokens.set(token, policy);
    return token;
  }

  /** Current data of a KV v2 secret, or undefined. */
  read(mount: string, path: string): Record<string, unknown> | undefined {
    const entry = this.mounts.get(mount)?.kv.get(path);
    const v = entry?.versions.get(entry.current);
    return v && !v.destroyed && !v.deletion_time ? (v.data ?? undefined) : undefined;
  }

  /** Number of versions ever written to a KV v2 secret. */
  versionCount(mount: string, path: string): number {
    return this.mounts.get(mount)?.kv.get(path)?.current ?? 0;
  }

  totalVersions(mount = "secret"): number {
    let n = 0;
    for (const entry of this.mounts.get(mount)?.kv.values() ?? []) n += entry.current;
    return n;
  }

  /** Writes as another client would (bypassing HTTP), bumping the version. */
  writeDirect(mount: string, path: string, data: Record<string, unknown>): number {
    const m = this.mounts.get(mount);
    if (!m) throw new Error(`no mount ${mount}`);
    return this.applyWrite(m, path, data);
  }

  softDelete(mount: string, path: string): void {
    const entry = this.mounts.get(mount)?.kv.get(path);
    const v = entry?.versions.get(entry.current);
    if (v) v.deletion_time = now();
  }

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

  private record(req: IncomingMessage, path: string, status: number) {
    this.requests.push({ method: req.method ?? "GET", path, status });
  }

  private async body(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!chunks.length) return {};
    try {
      const v = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
      return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
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
    const token = req.headers["x-vault-token"];
    const policy = typeof token === "string" ? this.tokens.get(token) : undefined;
    if (!policy) return reply(403, errorBody("permission denied"));
    const rel = path.replace(/^\/v1\//, "");
    if (policy.deny?.some((prefix) => rel.startsWith(prefix))) {
      return reply(403, errorBody("1 error occurred:\n\t* permission denied\n\n"));
    }

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

  private applyWrite(mount: Mount, path: string, data: Record<string, unknown>): number {
    let entry = mount.kv.get(path);
    if (!entry) {
      entry = {
        versions: new Map(),
        current: 0,
        casRequired: false,
        created: now(),
        updated: now(),
      };
      mount.kv.set(path, entry);
    }
    entry.current += 1;
    entry.updated = now();
    entry.versions.set(entry.current, {
      data,
      created_time: now(),
      deletion_time: "",
      destroyed: false,
    });
    return entry.current;
  }

  private metadataOf(entry: KvEntry, version: number) {
    const v = entry.versions.get(version)!;
    return {
      created_time: v.created_time,
      custom_metadata: null,
      deletion_time: v.deletion_time,
      destroyed: v.destroyed,
      version,
    };
  }

  private async kv2(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    mountPath: string,
    mount: Mount,
    sub: string,
    reply: (status: number, body?: unknown, headers?: Record<string, string>) => void,
  ): Promise<void> {
    if (sub === "config") {
      if (method === "GET") {
        return reply(200, {
          data: {
            cas_required: mount.casRequired,
            max_versions: mount.maxVersions,
            delete_version_after: "0s",
          },
        });
      }
      const body = await this.body(req);
      if (typeof body?.cas_required === "boolean") mount.casRequired = body.cas_required;
      return reply(204);
    }
    const [kind, ...rest] = sub.split("/");
    const path = rest.join("/");
    if (kind === "data") {
      const entry = mount.kv.get(path);
      if (method === "GET") {
        if (!entry || entry.current === 0) return reply(404, errorBody());
        const v = entry.versions.get(entry.current)!;
        const metadata = this.metadataOf(entry, entry.current);
        if (v.deletion_time || v.destroyed) return reply(404, { data: { data: null, metadata } });
        return reply(200, {
          request_id: randomBytes(8).toString("hex"),
          data: { data: v.data, metadata },
        });
      }
      if (method === "POST" || method === "PUT") {
        const body = await this.body(req);
        if (!body || typeof body.data !== "object" || body.data === null)
          return reply(400, errorBody("no data provided"));
        const cas = (body.options as { cas?: unknown } | undefined)?.cas;
        const casRequired = mount.casRequired || entry?.casRequired === true;
        if (cas === undefined && casRequired)
          return reply(400, errorBody("check-and-set parameter required for this call"));
        this.faults.beforeWrite?.(mountPath, path);
        const current = mount.kv.get(path)?.current ?? 0;
        if (cas !== undefined && Number(cas) !== current) {
          return reply(400, errorBody("check-and-set parameter did not match the current version"));
        }
        const version = this.applyWrite(mount, path, body.data as Record<string, unknown>);
        await this.afterWrite?.(mountPath, path, body.data as Record<string, unknown>);
        if (this.faults.resetAfterWrite > 0) {
          this.faults.resetAfterWrite--;
          this.record(req, req.url ?? "", 0);
          req.socket.destroy();
          return;
        }
        const e = mount.kv.get(path)!;
        return reply(200, { data: this.metadataOf(e, version) });
      }
      if (method === "DELETE") {
        if (entry) this.softDelete(mountPath, path);
        return reply(204);
      }
    }
    if (kind === "metadata") {
      if (method === "LIST") {
        const prefix = path ? `${path.replace(/\/$/, "")}/` : "";
        const keys = new Set<string>();
        for (const p of mount.kv.keys()) {
          if (!p.startsWith(prefix)) continue;
          const restKey = p.slice(prefix.length);
          const slash = restKey.indexOf("/");
          keys.add(slash < 0 ? restKey : restKey.slice(0, slash + 1));
        }
        if (!keys.size) return reply(404, errorBody());
        return reply(200, { data: { keys: [...keys].sort() } });
      }
      const entry = mount.kv.get(path);
      if (method === "GET") {
        if (!entry) return reply(404, errorBody());
        const versions: Record<string, unknown> = {};
        for (const n of entry.versions.keys()) versions[n] = this.metadataOf(entry, n);
        return reply(200, {
          data: {
            cas_required: entry.casRequired,
            created_time: entry.created,
            current_version: entry.current,
            oldest_version: 1,
            updated_time: entry.updated,
            max_versions: 0,
            versions,
          },
        });
      }
      if (method === "POST" || method === "PUT") {
        const body = await this.body(req);
        const e = entry ?? {
          versions: new Map(),
          current: 0,
          casRequired: false,
          created: now(),
          updated: now(),
        };
        if (typeof body?.cas_required === "boolean") e.casRequired = body.cas_required;
        mount.kv.set(path, e);
        return reply(204);
      }
      if (method === "DELETE") {
        mount.kv.delete(path);
        return reply(204);
      }
    }
    if (kind === "undelete" && (method === "POST" || method === "PUT")) {
      const body = await this.body(req);
      const entry = mount.kv.get(path);
      for (const n of (body?.versions as number[] | undefined) ?? []) {
        const v = entry?.versions.get(n);
        if (v && !v.destroyed) v.deletion_time = "";
      }
      return reply(204);
    }
    void res;
    return reply(405, errorBody("unsupported operation"));
  }
}
