/**
 * The HTTP layer of our Vault client, on node:http(s). Each request:
 *  - has a time limit, and the run's signal (SIGINT/SIGTERM) ends it;
 *  - follows the vault CLI's TLS and namespace settings: VAULT_CACERT's CA,
 *    VAULT_SKIP_VERIFY, and VAULT_NAMESPACE as X-Vault-Namespace;
 *  - waits out a 429 with Retry-After (at least that long, capped) a bounded
 *    number of times, except on sys/health, where 429 means "standby" (FAULTS.md 8);
 *  - turns a network failure into a typed error that says whether the request
 *    may have reached Vault (FAULTS.md 7: re-read before retrying a write);
 *  - answers with the status code and the parsed body, always.
 *
 * Why not fetch: Node compiles its fetch implementation on first use (~25 ms of
 * CPU on every start), and fetch takes no CA or verify option without undici.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface VaultHttpOptions {
  /** Vault's address, e.g. http://127.0.0.1:8200 (a trailing slash is ignored). */
  addr: string;
  token: string;
  timeoutMs: number;
  /** How many 429 answers in a row are waited out before giving up. */
  rateLimitAttempts: number;
  /** Longest single wait for a Retry-After. */
  maxRetryAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  /** The run's signal: SIGINT/SIGTERM aborts the request in flight. */
  signal?: AbortSignal | undefined;
  /** PEM of the CA that signed Vault's certificate (VAULT_CACERT). */
  ca?: string | undefined;
  /** Do not verify Vault's certificate (VAULT_SKIP_VERIFY). */
  skipVerify?: boolean | undefined;
  /** Vault Enterprise namespace (VAULT_NAMESPACE). */
  namespace?: string | undefined;
}

export interface VaultAnswer {
  status: number;
  body: unknown;
}

export class VaultNetworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly method: string,
    readonly path: string,
    /** True when the request body may have reached Vault before the failure. */
    readonly mayHaveReachedServer: boolean,
  ) {
    super(message);
    this.name = "VaultNetworkError";
  }
}

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

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request; the answer's body is read under the same time limit as its headers. */
function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
  tls: { ca?: string | undefined; rejectUnauthorized: boolean },
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method,
        headers:
          body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) },
        signal,
        ...(url.protocol === "https:"
          ? { ...(tls.ca ? { ca: tls.ca } : {}), rejectUnauthorized: tls.rejectUnauthorized }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** TLS failures: the request never reached Vault, and retrying will not help. */
export function isTlsCode(code: string): boolean {
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  if (Array.isArray(header)) return retryAfterMs(header[0]);
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkCode(error: unknown, limit: AbortSignal): string {
  if (limit.aborted) return "ETIMEDOUT";
  const cause = (error as { cause?: { code?: string; name?: string } }).cause;
  if ((error as Error).name === "TimeoutError" || cause?.name === "TimeoutError")
    return "ETIMEDOUT";
  return cause?.code ?? (error as { code?: string }).code ?? "ENETWORK";
}

export type VaultRequest = (
  method: "GET" | "POST",
  /** API path below /v1, e.g. "/sys/health". */
  path: string,
  json?: unknown,
) => Promise<VaultAnswer>;

/**
 * A request function bound to one Vault. It resolves with every answer, 4xx and 5xx
 * included: the caller decides what a status means (see `ok`).
 */
export function createVaultRequest(options: VaultHttpOptions): VaultRequest {
  const base = options.addr.replace(/\/+$/, "");
  return async (method, apiPath, json) => {
    const url = new URL(`${base}/v1${apiPath}`);
    const path = url.pathname;
    const isHealth = /\/sys\/health$/.test(path);
    const writes = method !== "GET";
    const body = json !== undefined ? JSON.stringify(json) : undefined;
    const headers: Record<string, string> = {
      ...(options.token ? { "x-vault-token": options.token } : {}),
      ...(options.namespace ? { "x-vault-namespace": options.namespace } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw options.signal.reason;
      const limit = AbortSignal.timeout(options.timeoutMs);
      let answer: Exchange;
      try {
        answer = await exchange(
          url,
          method,
          headers,
          body,
          options.signal ? AbortSignal.any([limit, options.signal]) : limit,
          { ca: options.ca, rejectUnauthorized: options.skipVerify !== true },
        );
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const code = networkCode(error, limit);
        const refused =
          code === "ECONNREFUSED" ||
          code === "ENOTFOUND" ||
          code === "EAI_AGAIN" ||
          isTlsCode(code);
        throw new VaultNetworkError(
          `${method} ${path}: ${code === "ETIMEDOUT" ? `no answer within ${options.timeoutMs} ms` : `connection failed (${code})`}`,
          code,
          method,
          path,
          writes && !refused,
        );
      }
      const { status, text } = answer;
      if (status === 429 && !isHealth && attempt < options.rateLimitAttempts) {
        const wait = retryAfterMs(answer.headers["retry-after"]) ?? 1000 * attempt;
        await options.sleep(Math.min(wait, options.maxRetryAfterMs));
        continue;
      }
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        parsed = { errors: [`non-JSON answer (HTTP ${status})`] };
      }
      return { status, body: parsed };
    }
  };
}

/** The body of a 2xx answer; any other status becomes a VaultHttpError. */
export function ok<T>(answer: VaultAnswer, method: string, apiPath: string): T {
  if (answer.status >= 200 && answer.status < 300) return answer.body as T;
  const body = answer.body as { errors?: unknown } | undefined;
  const errors = Array.isArray(body?.errors) ? body.errors.map(String) : [];
  throw new VaultHttpError(answer.status, errors, method, `/v1${apiPath}`, answer.body);
}
