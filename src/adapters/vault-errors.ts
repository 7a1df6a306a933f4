/**
 * The Vault client's errors, kept apart from vault-http.ts so that code which only
 * inspects them (the flows) does not load node:http(s) with them.
 */

export class VaultNetworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly method: string,
    readonly path: string,
    /** True when the request body may have reached Vault before the failure. */
    readonly mayHaveReachedServer: boolean,
    /** What happened, in words, when the code alone does not say (a proxy's refusal). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = "VaultNetworkError";
  }
}

/**
 * Vault answered, but not with anything we can use: a body past the size cap, or a
 * 2xx whose body is not JSON (a proxy's page, a truncated answer). The body is never
 * quoted: a KV read holds secrets.
 */
export class VaultAnswerError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "VaultAnswerError";
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

/** TLS failures: the request never reached Vault, and retrying will not help. */
export function isTlsCode(code: string): boolean {
  return /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);
}
