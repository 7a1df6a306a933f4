/**
 * The HTTP transport node-vault uses (its documented `request-promise` hook),
 * on Node's fetch. We supply our own so that:
 *  - every request has a timeout;
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

/** HTTP status of each parsed response body, for the answers node-vault hides it from. */
export const statusOfBody = new WeakMap<object, number>();

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkCode(error: unknown): string {
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
      let response: Response;
      try {
        response = await fetch(url, {
          method: req.method,
          headers: {
            ...(req.headers ?? {}),
            ...(req.json !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: req.json !== undefined ? JSON.stringify(req.json) : undefined,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        const code = networkCode(error);
        const refused = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
        throw new VaultNetworkError(
          `${req.method} ${path}: ${code === "ETIMEDOUT" ? `no answer within ${options.timeoutMs} ms` : `connection failed (${code})`}`,
          code,
          req.method,
          path,
          writes && !refused,
        );
      }
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { errors: [`non-JSON answer (HTTP ${response.status})`] };
      }
      if (body && typeof body === "object") statusOfBody.set(body, response.status);
      if (response.status === 429 && !isHealth && attempt < options.rateLimitAttempts) {
        const wait = retryAfterMs(response.headers.get("retry-after")) ?? 1000 * attempt;
        await options.sleep(Math.min(wait, options.maxRetryAfterMs));
        continue;
      }
      return { statusCode: response.status, body, request: { path } };
    }
  }
  // node-vault calls `.defaults(rpDefaults)` on the object passed as `request-promise`.
  return { defaults: () => send };
}
