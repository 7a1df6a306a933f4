/**
 * The HTTP transport node-vault uses (its documented `request-promise` hook),
 * on node:http(s) — not fetch, whose implementation Node loads and compiles on
 * first use (~25 ms of CPU on every start), and takes no CA or verify option
 * without undici. We supply our own so that:
 *  - every request has a timeout, and the run's signal (SIGINT/SIGTERM) ends it;
 *  - TLS follows the vault CLI: VAULT_CACERT's CA, VAULT_SKIP_VERIFY, and
 *    VAULT_NAMESPACE as X-Vault-Namespace on every request;
 *  - a 429 with Retry-After is waited out (at least that long, capped) a bounded
 *    number of times — except on sys/health, where 429 means "standby" (FAULTS.md 8);
 *  - a network failure becomes a typed error that says whether the request may
 *    have reached Vault (FAULTS.md 7: re-read before retrying a write);
 *  - the HTTP status of every answer is known, even where node-vault resolves
 *    the body of a non-200 sys/health answer as if it were a success (FAULTS.md 1).
 */

export interface TransportOptions {
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

interface RequesterOptions {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
}

export interface RequesterResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
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

import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

interface Answer {
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
): Promise<Answer> {
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

/** HTTP status of each parsed response body, for the answers node-vault hides it from. */
export const statusOfBody = new WeakMap<object, number>();

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

export function createTransport(options: TransportOptions) {
  async function send(req: RequesterOptions): Promise<RequesterResponse> {
    const url = new URL(req.uri);
    const path = url.pathname;
    const isHealth = /\/sys\/health$/.test(path);
    const writes = req.method !== "GET" && req.method !== "LIST";
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw options.signal.reason;
      const limit = AbortSignal.timeout(options.timeoutMs);
      let answer: Answer;
      try {
        answer = await exchange(
          url,
          req.method,
          {
            ...(req.headers ?? {}),
            ...(options.namespace ? { "x-vault-namespace": options.namespace } : {}),
            ...(req.json !== undefined ? { "content-type": "application/json" } : {}),
          },
          req.json !== undefined ? JSON.stringify(req.json) : undefined,
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
          `${req.method} ${path}: ${code === "ETIMEDOUT" ? `no answer within ${options.timeoutMs} ms` : `connection failed (${code})`}`,
          code,
          req.method,
          path,
          writes && !refused,
        );
      }
      const { status, text } = answer;
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { errors: [`non-JSON answer (HTTP ${status})`] };
      }
      if (body && typeof body === "object") statusOfBody.set(body, status);
      if (status === 429 && !isHealth && attempt < options.rateLimitAttempts) {
        const wait = retryAfterMs(answer.headers["retry-after"]) ?? 1000 * attempt;
        await options.sleep(Math.min(wait, options.maxRetryAfterMs));
        continue;
      }
      return { statusCode: status, body, request: { path } };
    }
  }
  // node-vault calls `.defaults(rpDefaults)` on the object passed as `request-promise`.
  return { defaults: () => send };
}
