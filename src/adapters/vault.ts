/**
 * Vault: the few KV v2 and sys calls the flows need, over our own HTTP layer
 * (vault-http.ts), with answers turned into tagged results and typed errors.
 */
import { membersAt, objectText } from "../core/kv-json.js";
import type { Clock } from "./ports.js";
import {
  createVaultRequest,
  JsonText,
  ok,
  VaultAnswerError,
  VaultHttpError,
  type VaultTls,
} from "./vault-http.js";

type HealthState = "active" | "standby" | "sealed" | "uninitialized" | "other";

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
      /** Every value as text (non-strings as the JSON text Vault sent), for comparing with fixtures. */
      data: Record<string, string>;
      /**
       * Every value's JSON text exactly as Vault sent it (big integers, `1.50`, `-0`,
       * nested objects), for rewriting the path without changing what others stored.
       */
      raw: Map<string, string>;
      /** When this version was written (`metadata.created_time`), when Vault said. */
      createdTime?: string;
    };

export interface MountInfo {
  type: string;
  version: string | undefined;
}

interface VaultOptions {
  addr: string;
  token: string;
  timeoutMs?: number;
  rateLimitAttempts?: number;
  maxRetryAfterMs?: number;
  /** The largest answer body read (default MAX_ANSWER_BYTES). */
  maxAnswerBytes?: number;
  /** The run's clock: every wait (a 429's Retry-After) is on it. */
  clock: Pick<Clock, "now" | "sleep">;
  /** The run's signal: SIGINT/SIGTERM aborts the request in flight and any wait. */
  signal?: AbortSignal | undefined;
  /** TLS, proxy and namespace settings, as the vault CLI takes them (config/vault-env.ts). */
  tls?: VaultTls | undefined;
  proxy?: URL | undefined;
  namespace?: string | undefined;
  /**
   * VAULT_MAX_RETRIES: retries of a rate-limited request (429) and of a refused
   * connection after the health check; undefined keeps the defaults (4 and 3).
   */
  maxRetries?: number | undefined;
}

export interface Vault {
  readonly addr: string;
  /** Retries of a connection refused after the health check (VAULT_MAX_RETRIES), if set. */
  readonly maxRetries?: number | undefined;
  /** True when a client certificate is sent (VAULT_CLIENT_CERT), for naming a TLS refusal. */
  readonly sendsClientCert?: boolean | undefined;
  health(): Promise<Health>;
  lookupSelf(): Promise<{ policies: string[] }>;
  readMount(mount: string): Promise<MountInfo | undefined>;
  enableKv2(mount: string): Promise<void>;
  kvRead(mount: string, path: string): Promise<KvRead>;
  /** Writes `data` (each value JSON text, sent as it is) with check-and-set `cas`. */
  kvWrite(
    mount: string,
    path: string,
    data: ReadonlyMap<string, string>,
    cas: number,
  ): Promise<number>;
  /** GET `path` (after /v1); undefined for 404. Other answers than 2xx throw VaultHttpError. */
  read<T = unknown>(path: string): Promise<T | undefined>;
  /** POST `json` to `path` (after /v1): Vault's write for config, roles and policies. */
  write(path: string, json: unknown): Promise<void>;
}

export function createVault(options: VaultOptions): Vault {
  const request = createVaultRequest({
    addr: options.addr,
    token: options.token,
    timeoutMs: options.timeoutMs ?? 10_000,
    rateLimitAttempts:
      options.rateLimitAttempts ?? (options.maxRetries === undefined ? 5 : options.maxRetries + 1),
    maxRetryAfterMs: options.maxRetryAfterMs ?? 10_000,
    clock: options.clock,
    signal: options.signal,
    tls: options.tls,
    proxy: options.proxy,
    namespace: options.namespace,
    maxAnswerBytes: options.maxAnswerBytes,
  });
  const get = async <T>(path: string): Promise<T> => ok<T>(await request("GET", path), "GET", path);
  const post = async <T>(path: string, json: unknown): Promise<T> =>
    ok<T>(await request("POST", path, json), "POST", path);

  return {
    addr: options.addr,
    maxRetries: options.maxRetries,
    sendsClientCert: options.tls?.cert !== undefined,

    async health() {
      // Every sys/health answer carries a body; the status code is what tells
      // active (200), standby (429), uninitialised (501) and sealed (503) apart.
      const { status, body } = (await request("GET", "/sys/health")) as {
        status: number;
        body: { version?: string } | undefined;
      };
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
      const body = await get<{ data?: { policies?: string[] } }>("/auth/token/lookup-self");
      return { policies: body.data?.policies ?? [] };
    },

    async readMount(mount) {
      try {
        const body = await get<{
          type?: string;
          options?: { version?: string } | null;
          data?: { type?: string; options?: { version?: string } | null };
        }>(`/sys/mounts/${mount}`);
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
      await post(`/sys/mounts/${mount}`, {
        type: "kv",
        options: { version: "2" },
        description: "local secrets (dev-bootstrap)",
      });
    },

    async kvRead(mount, path) {
      const apiPath = `/${mount}/data/${path}`;
      try {
        const answer = await request("GET", apiPath);
        const body = ok<{
          data?: {
            data?: Record<string, unknown> | null;
            metadata?: { version?: unknown; created_time?: unknown };
          };
        }>(answer, "GET", apiPath);
        const version = body.data?.metadata?.version;
        const members = membersAt(answer.text, ["data", "data"]);
        // A 200 without the secret's data or version is no answer: taking it for an
        // empty secret would write over whatever is there.
        if (!members || typeof version !== "number" || !Number.isInteger(version) || version < 1)
          throw new VaultAnswerError(
            `GET /v1${apiPath}: Vault answered HTTP ${answer.status} without ${members ? "data.metadata.version" : "a data.data object"}`,
            "GET",
            `/v1${apiPath}`,
          );
        // Null-prototype maps: a key named __proto__ is a key like any other.
        const data: Record<string, string> = Object.create(null);
        const raw = new Map<string, string>();
        for (const [k, json] of members) {
          raw.set(k, json);
          data[k] = json.startsWith('"') ? (JSON.parse(json) as string) : json;
        }
        const created = body.data?.metadata?.created_time;
        return typeof created === "string"
          ? { kind: "present", version, data, raw, createdTime: created }
          : { kind: "present", version, data, raw };
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
      // Built as text: each value goes out as the JSON text it is, never through a number.
      const text = `{"data":${objectText(data)},"options":${JSON.stringify({ cas })}}`;
      const body = await post<{ data?: { version?: number } }>(
        `/${mount}/data/${path}`,
        new JsonText(text),
      );
      return body.data?.version ?? cas + 1;
    },

    async read<T>(path: string) {
      try {
        return await get<T>(path);
      } catch (error) {
        if (error instanceof VaultHttpError && error.status === 404) return undefined;
        throw error;
      }
    },

    async write(path, json) {
      await post(path, json);
    },
  };
}
