/**
 * The HTTP layer of our Vault client, on node:http(s). Each request:
 *  - has a time limit, and the run's signal (SIGINT/SIGTERM) ends it;
 *  - follows the vault CLI's TLS, proxy and namespace settings (config/vault-env.ts):
 *    the CAs to trust, the client certificate, the server name, skip-verify, a proxy
 *    (a CONNECT tunnel for https://, an absolute-URL request for http://), and
 *    VAULT_NAMESPACE as X-Vault-Namespace;
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
import { isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Clock } from "./ports.js";
import { TimeLimitError, withTimeLimit } from "./time-limit.js";
import { isTlsCode, VaultAnswerError, VaultHttpError, VaultNetworkError } from "./vault-errors.js";

export { VaultAnswerError, VaultHttpError };

/**
 * The largest answer read from Vault. Vault takes requests of at most
 * max_request_size (default 32 MiB, developer.hashicorp.com/vault/docs/configuration/listener/tcp),
 * so no secret it stored can be larger; its answer adds metadata, and Go's encoder
 * may escape some characters longer (`<` as `\u003c`): twice that is room enough.
 * Anything beyond is not an answer to our requests, and would be held in memory.
 */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface VaultHttpOptions {
  /** Vault's address, e.g. http://127.0.0.1:8200 (a trailing slash is ignored). */
  addr: string;
  token: string;
  timeoutMs: number;
  /** How many 429 answers in a row are waited out before giving up. */
  rateLimitAttempts: number;
  /** Longest single wait for a Retry-After. */
  maxRetryAfterMs: number;
  /** The run's clock: a 429's wait, and a Retry-After date read against its time. */
  clock: Pick<Clock, "now" | "sleep">;
  /** The run's signal: SIGINT/SIGTERM aborts the request in flight and a 429's wait. */
  signal?: AbortSignal | undefined;
  /** TLS settings (VAULT_CACERT, VAULT_CLIENT_CERT, …); default: the system's CAs, verified. */
  tls?: VaultTls | undefined;
  /** The proxy requests go through (VAULT_PROXY_ADDR, HTTPS_PROXY, …), or none. */
  proxy?: URL | undefined;
  /** Vault Enterprise namespace (VAULT_NAMESPACE). */
  namespace?: string | undefined;
  /** The largest answer body read (default MAX_ANSWER_BYTES). */
  maxAnswerBytes?: number | undefined;
}

export interface VaultTls {
  /** PEM certificates trusted instead of the system's. */
  ca?: string[] | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  servername?: string | undefined;
  rejectUnauthorized: boolean;
}

interface VaultAnswer {
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

/** The proxy refused to open a tunnel to Vault (its status says why: 407, 403, 502 …). */
class ProxyRefused extends Error {
  readonly code = "EPROXY";
  constructor(readonly status: number) {
    super(`the proxy answered CONNECT with HTTP ${status}`);
  }
}

/** Proxy-Authorization for a proxy URL holding user:password, as Go's transport sends it. */
function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { "proxy-authorization": `Basic ${Buffer.from(user).toString("base64")}` };
}

const bare = (host: string) => host.replace(/^\[|\]$/g, "");

/** A socket tunnelled through `proxy` to `target`'s host and port (HTTP CONNECT). */
function tunnel(proxy: URL, target: URL, signal: AbortSignal, tls: VaultTls): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const authority = `${target.hostname}:${target.port || "443"}`;
    const send = proxy.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send({
      host: bare(proxy.hostname),
      port: proxy.port || (proxy.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: authority,
      headers: { host: authority, ...proxyAuth(proxy) },
      signal,
      agent: false,
      // An https:// proxy is verified against the same CAs as Vault (a corporate CA).
      ...(proxy.protocol === "https:" && tls.ca ? { ca: tls.ca } : {}),
    });
    req.on("connect", (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(new ProxyRefused(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
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
async function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
  tls: VaultTls,
  proxy: URL | undefined,
  maxBytes: number,
): Promise<Exchange> {
  const https = url.protocol === "https:";
  const host = bare(url.hostname);
  const tlsOptions = {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}),
    // Node checks the certificate against servername: VAULT_TLS_SERVER_NAME, else the
    // host (an IP is checked against the certificate's IP SANs and sent as no SNI).
    ...(tls.servername ? { servername: tls.servername } : isIP(host) ? {} : { servername: host }),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
  const sized =
    body === undefined
      ? headers
      : { ...headers, "content-length": String(Buffer.byteLength(body)) };
  // Through a proxy: https:// in a CONNECT tunnel (TLS end to end, the proxy sees
  // only the host and port); http:// as an absolute-URL request to the proxy.
  const tunnelled = https && proxy ? await tunnel(proxy, url, signal, tls) : undefined;
  return new Promise((resolve, reject) => {
    const send = https ? httpsRequest : httpRequest;
    const options = tunnelled
      ? {
          method,
          headers: sized,
          signal,
          createConnection: () => tlsConnect({ socket: tunnelled, host, ...tlsOptions }),
        }
      : proxy
        ? {
            host: bare(proxy.hostname),
            port: proxy.port || 80,
            path: url.href,
            method,
            headers: { ...sized, host: url.host, ...proxyAuth(proxy) },
            signal,
            agent: false,
          }
        : { method, headers: sized, signal, ...(https ? tlsOptions : {}) };
    const req = send(
      ...((tunnelled || !proxy ? [url, options] : [options]) as [URL, typeof options]),
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

function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  if (Array.isArray(header)) return retryAfterMs(header[0], now);
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: string; name?: string } }).cause;
  if (error instanceof TimeLimitError || cause instanceof TimeLimitError) return "ETIMEDOUT";
  if ((error as Error).name === "TimeoutError" || cause?.name === "TimeoutError")
    return "ETIMEDOUT";
  return cause?.code ?? (error as { code?: string }).code ?? "ENETWORK";
}

type VaultRequest = (
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
      // As the vault CLI sends it: a Vault Agent or Proxy listener may require it.
      "x-vault-request": "true",
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
            options.tls ?? { rejectUnauthorized: true },
            options.proxy,
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
        // Through a proxy, a connection that could not be made is the proxy's, not Vault's.
        const detail =
          error instanceof ProxyRefused
            ? error.message
            : options.proxy && refused && !isTlsCode(code)
              ? `${code} at the proxy ${options.proxy.host}`
              : undefined;
        throw new VaultNetworkError(
          `${method} ${path}: ${code === "ETIMEDOUT" ? `no answer within ${options.timeoutMs} ms` : `connection failed (${detail ?? code})`}`,
          code,
          method,
          path,
          writes && !refused && !detail,
          detail,
        );
      }
      const { status, text } = answer;
      if (status === 429 && !isHealth && attempt < options.rateLimitAttempts) {
        const wait =
          retryAfterMs(answer.headers["retry-after"], options.clock.now()) ?? 1000 * attempt;
        await options.clock.sleep(Math.min(wait, options.maxRetryAfterMs), options.signal);
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
