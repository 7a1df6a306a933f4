/**
 * The HTTP layer of our Vault client, on node:http(s). Each request:
 *  - has a time limit, and the run's signal (SIGINT/SIGTERM) ends it;
 *  - follows the vault CLI's TLS and namespace settings: VAULT_CACERT's CA,
 *    VAULT_SKIP_VERIFY, and VAULT_NAMESPACE as X-Vault-Namespace;
 *  - waits out a 429 with Retry-After (at least that long, capped) a bounded
 *    number of times, except on sys/health, where 429 means "standby" (FAULTS.md 8);
 *  - turns a network failure into a typed error that says whether the request
 *    may have reached Vault (FAULTS.md 7: re-read before retrying a write);
 *  - reads at most MAX_ANSWER_BYTES of an answer, and aborts the request past that;
 *  - answers with the status code, the parsed body and its text, always.
 *
 * Why not fetch: Node compiles its fetch implementation on first use (~25 ms of
 * CPU on every start), and fetch takes no CA or verify option without undici.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { TimeLimitError, withTimeLimit } from "./time-limit.js";
import { isTlsCode, VaultAnswerError, VaultHttpError, VaultNetworkError } from "./vault-errors.js";

export { isTlsCode, VaultAnswerError, VaultHttpError, VaultNetworkError };

/**
 * The largest answer read from Vault. Vault takes requests of at most
 * max_request_size (default 32 MiB, developer.hashicorp.com/vault/docs/configuration/listener/tcp),
 * so no secret it stored can be larger; its answer adds metadata, and Go's encoder
 * may escape some characters longer (`<` as `\u003c`): twice that is room enough.
 * Anything beyond is not an answer to our requests, and would be held in memory.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

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
  /** The largest answer body read (default MAX_ANSWER_BYTES). */
  maxAnswerBytes?: number | undefined;
}

export interface VaultAnswer {
  status: number;
  /** The parsed body; `{ errors: ["non-JSON answer …"] }` when it is not JSON. */
  body: unknown;
  /** The body as Vault sent it (for values whose JSON text must survive, kv-json.ts). */
  text: string;
  /** False when the body was not JSON. */
  json: boolean;
}

/** A body that is sent as it is: already JSON text, never re-encoded. */
export class JsonText {
  constructor(readonly text: string) {}
}

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** The answer's body passed the size cap; the request was aborted. */
class TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`answer larger than ${limit} bytes`);
  }
}

/**
 * One request; the answer's body is read under the same time limit as its headers,
 * and at most `maxBytes` of it: past that the request is destroyed (a declared
 * Content-Length past it is refused before any byte is read).
 */
function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
  tls: { ca?: string | undefined; rejectUnauthorized: boolean },
  maxBytes: number,
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
        let size = 0;
        const tooLarge = () => {
          reject(new TooLarge(maxBytes));
          req.destroy();
        };
        if (Number(res.headers["content-length"] ?? 0) > maxBytes) return tooLarge();
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) return tooLarge();
          chunks.push(c);
        });
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

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  if (Array.isArray(header)) return retryAfterMs(header[0]);
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; name?: string } }).cause;
  if (error instanceof TimeLimitError || cause instanceof TimeLimitError) return "ETIMEDOUT";
  if ((error as Error).name === "TimeoutError" || cause?.name === "TimeoutError")
    return "ETIMEDOUT";
  return cause?.code ?? (error as { code?: string }).code ?? "ENETWORK";
}

export type VaultRequest = (
  method: "GET" | "POST",
  /** API path below /v1, e.g. "/sys/health". */
  path: string,
  /** Encoded with JSON.stringify, or sent as it is when JsonText. */
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
    const body =
      json instanceof JsonText ? json.text : json !== undefined ? JSON.stringify(json) : undefined;
    const maxBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
    const headers: Record<string, string> = {
      ...(options.token ? { "x-vault-token": options.token } : {}),
      ...(options.namespace ? { "x-vault-namespace": options.namespace } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw options.signal.reason;
      let answer: Exchange;
      try {
        // The limit holds whatever the garbage collector does (see time-limit.ts).
        answer = await withTimeLimit(options.timeoutMs, options.signal, (signal) =>
          exchange(
            url,
            method,
            headers,
            body,
            signal,
            { ca: options.ca, rejectUnauthorized: options.skipVerify !== true },
            maxBytes,
          ),
        );
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof TooLarge)
          throw new VaultAnswerError(
            `${method} ${path}: Vault's answer is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB; stopped reading it`,
            method,
            path,
          );
        const code = networkCode(error);
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
      let isJson = true;
      try {
        parsed = text ? JSON.parse(text) : {};
      } catch {
        isJson = false;
        parsed = { errors: [`non-JSON answer (HTTP ${status})`] };
      }
      return { status, body: parsed, text, json: isJson };
    }
  };
}

/**
 * The body of a 2xx answer; any other status becomes a VaultHttpError, and a 2xx
 * whose body is not JSON a VaultAnswerError (it is no answer we can act on).
 */
export function ok<T>(answer: VaultAnswer, method: string, apiPath: string): T {
  if (answer.status >= 200 && answer.status < 300) {
    if (
      !answer.json ||
      (answer.text !== "" && (typeof answer.body !== "object" || answer.body === null))
    )
      throw new VaultAnswerError(
        `${method} /v1${apiPath}: Vault answered HTTP ${answer.status} with a body that is not a JSON object`,
        method,
        `/v1${apiPath}`,
      );
    return answer.body as T;
  }
  const body = answer.body as { errors?: unknown } | undefined;
  const errors = Array.isArray(body?.errors) ? body.errors.map(String) : [];
  throw new VaultHttpError(answer.status, errors, method, `/v1${apiPath}`, answer.body);
}
