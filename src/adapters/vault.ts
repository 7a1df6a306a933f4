/**
 * Vault over node-vault: the few KV v2 and sys calls the flows need, with
 * answers turned into tagged results and typed errors.
 */
import nodeVault from "node-vault";
import { sleep } from "../core/retry.js";
import { createTransport, statusOfBody, VaultNetworkError } from "./vault-transport.js";

export { VaultNetworkError };

type NodeVaultClient = {
  request(o: { path: string; method: string; json?: unknown }): Promise<unknown>;
  read(path: string): Promise<unknown>;
  write(path: string, data: unknown): Promise<unknown>;
  health(): Promise<unknown>;
  tokenLookupSelf(): Promise<unknown>;
  mount(args: Record<string, unknown>): Promise<unknown>;
};

export class VaultHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly method: string,
    readonly path: string,
    readonly body: unknown,
  ) {
    super(`${method} ${path}: HTTP ${status}${errors.length ? `: ${errors.join("; ")}` : ""}`);
    this.name = "VaultHttpError";
  }
}

export type HealthState = "active" | "standby" | "sealed" | "uninitialized" | "other";

export interface Health {
  status: number;
  state: HealthState;
  version?: string;
}

export type KvRead =
  | { kind: "missing" }
  | { kind: "deleted"; version: number; deletedAt: string; destroyed: boolean }
  | {
      kind: "present";
      version: number;
      /** Every value as text (non-strings as JSON), for comparing with fixtures. */
      data: Record<string, string>;
      /** The values as stored, JSON types kept, for rewriting the path without changing them. */
      raw: Record<string, unknown>;
    };

export interface MountInfo {
  type: string;
  version: string | undefined;
}

export interface VaultOptions {
  addr: string;
  token: string;
  timeoutMs?: number;
  rateLimitAttempts?: number;
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The run's signal: SIGINT/SIGTERM aborts the request in flight and any wait. */
  signal?: AbortSignal | undefined;
  /** TLS and namespace settings, as the vault CLI takes them (VAULT_CACERT …). */
  ca?: string | undefined;
  skipVerify?: boolean | undefined;
  namespace?: string | undefined;
}

export interface Vault {
  readonly addr: string;
  health(): Promise<Health>;
  lookupSelf(): Promise<{ policies: string[] }>;
  readMount(mount: string): Promise<MountInfo | undefined>;
  enableKv2(mount: string): Promise<void>;
  kvRead(mount: string, path: string): Promise<KvRead>;
  kvWrite(mount: string, path: string, data: Record<string, unknown>, cas: number): Promise<number>;
}

function asHttpError(error: unknown, method: string, path: string): unknown {
  const e = error as { response?: { statusCode?: number; body?: unknown } };
  if (!e?.response?.statusCode) return error;
  const body = e.response.body as { errors?: unknown } | undefined;
  const errors = Array.isArray(body?.errors) ? body.errors.map(String) : [];
  return new VaultHttpError(e.response.statusCode, errors, method, path, body);
}

export function createVault(options: VaultOptions): Vault {
  const transport = createTransport({
    timeoutMs: options.timeoutMs ?? 10_000,
    rateLimitAttempts: options.rateLimitAttempts ?? 5,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 10_000,
    sleep: options.sleep ?? ((ms) => sleep(ms, options.signal)),
    signal: options.signal,
    ca: options.ca,
    skipVerify: options.skipVerify,
    namespace: options.namespace,
  });
  const client = (nodeVault as (config: Record<string, unknown>) => NodeVaultClient)({
    apiVersion: "v1",
    endpoint: options.addr,
    token: options.token,
    "request-promise": transport,
    // node-vault's debug output prints request bodies (secret values) under DEBUG=*.
    debug: () => {},
  });

  async function call<T>(method: string, path: string, fn: () => Promise<unknown>): Promise<T> {
    try {
      return (await fn()) as T;
    } catch (error) {
      throw asHttpError(error, method, path);
    }
  }

  return {
    addr: options.addr,

    async health() {
      // node-vault resolves every sys/health answer; the status code is what tells
      // active (200), standby (429), uninitialised (501) and sealed (503) apart.
      const body = (await client.health()) as {
        version?: string;
        sealed?: boolean;
        initialized?: boolean;
      };
      const status = (body && typeof body === "object" && statusOfBody.get(body)) || 0;
      const state: HealthState =
        status === 200
          ? "active"
          : status === 429 || status === 472 || status === 473
            ? "standby"
            : status === 501
              ? "uninitialized"
              : status === 503
                ? "sealed"
                : "other";
      return body?.version ? { status, state, version: body.version } : { status, state };
    },

    async lookupSelf() {
      const body = await call<{ data?: { policies?: string[] } }>(
        "GET",
        "/v1/auth/token/lookup-self",
        () => client.tokenLookupSelf(),
      );
      return { policies: body.data?.policies ?? [] };
    },

    async readMount(mount) {
      const path = `/v1/sys/mounts/${mount}`;
      try {
        const body = await call<{
          type?: string;
          options?: { version?: string } | null;
          data?: { type?: string; options?: { version?: string } | null };
        }>("GET", path, () => client.request({ path: `/sys/mounts/${mount}`, method: "GET" }));
        const info = body.data ?? body;
        return { type: info.type ?? "unknown", version: info.options?.version ?? undefined };
      } catch (error) {
        // Vault answers 400 "No secret engine mount at …" for an unmounted path.
        if (error instanceof VaultHttpError && (error.status === 400 || error.status === 404))
          return undefined;
        throw error;
      }
    },

    async enableKv2(mount) {
      await call("POST", `/v1/sys/mounts/${mount}`, () =>
        client.mount({
          mount_point: mount,
          type: "kv",
          options: { version: "2" },
          description: "local secrets (dev-bootstrap)",
        }),
      );
    },

    async kvRead(mount, path) {
      const apiPath = `/v1/${mount}/data/${path}`;
      try {
        const body = await call<{
          data?: { data?: Record<string, unknown> | null; metadata?: { version?: number } };
        }>("GET", apiPath, () => client.read(`${mount}/data/${path}`));
        const raw = body.data?.data ?? {};
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(raw))
          data[k] = typeof v === "string" ? v : JSON.stringify(v);
        return { kind: "present", version: body.data?.metadata?.version ?? 0, data, raw };
      } catch (error) {
        if (error instanceof VaultHttpError && error.status === 404) {
          // A soft-deleted latest version answers 404 *with* its metadata (FAULTS.md 6).
          const meta = (
            error.body as {
              data?: {
                metadata?: { version?: number; deletion_time?: string; destroyed?: boolean };
              };
            }
          )?.data?.metadata;
          if (meta?.version) {
            return {
              kind: "deleted",
              version: meta.version,
              deletedAt: meta.deletion_time ?? "",
              destroyed: meta.destroyed === true,
            };
          }
          return { kind: "missing" };
        }
        throw error;
      }
    },

    async kvWrite(mount, path, data, cas) {
      const body = await call<{ data?: { version?: number } }>(
        "POST",
        `/v1/${mount}/data/${path}`,
        () => client.write(`${mount}/data/${path}`, { data, options: { cas } }),
      );
      return body.data?.version ?? cas + 1;
    },
  };
}
