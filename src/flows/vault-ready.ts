/**
 * Before seeding: wait until Vault answers as active or standby (bounded backoff
 * to a deadline), and make sure the KV v2 mount exists.
 */
import type { Vault } from "../adapters/vault.js";
import {
  isTlsCode,
  VaultAnswerError,
  VaultHttpError,
  VaultNetworkError,
} from "../adapters/vault-errors.js";
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import { backoffDelay } from "../core/retry.js";
import type { CheckpointLogger, StepHandle } from "../log/logger.js";
import { reportProgress } from "../log/progress.js";
import type { Clock, Host } from "./host.js";
import { step as runStep } from "./step.js";

/** What the Vault steps talk through: this run's client, its clock and its signal. */
export interface VaultCalls {
  vault: Vault;
  log: CheckpointLogger;
  clock: Clock;
  signal: AbortSignal | undefined;
}

/** The run's Vault client and ports, gathered once for the Vault steps. */
export async function vaultCalls(host: Host, log: CheckpointLogger): Promise<VaultCalls> {
  return { vault: await host.vault(), log, clock: host.clock, signal: host.signal };
}

/** 403: names the capability the token lacks on the path, and how to grant it (FAULTS.md 2). */
export const denied = (capability: string, apiPath: string) =>
  new StepError(
    `permission denied: the Vault token lacks '${capability}' on ${apiPath}`,
    // Stryker disable next-line Regex: every API path starts with /v1/, so its first /v1/ is the leading one
    `grant a policy with capabilities ["${capability}"] on path "${apiPath.replace(/^\/v1\//, "")}", or use another token`,
  );
/**
 * A TLS failure in words: what it means and the setting that fixes it, or undefined
 * when `code` is no TLS failure. No retry fixes one (an untrusted CA stays untrusted),
 * so it fails the step at once instead of waiting out the ready timeout. Codes are
 * OpenSSL's verify errors and alerts as Node names them.
 */
export function tlsFailure(
  code: string,
  /** Whether a client certificate was sent: a refusal without one means "one is required". */
  sentClientCert = false,
): { cause: string; hint: string } | undefined {
  if (
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/.test(
      code,
    )
  )
    return {
      cause: "its certificate is signed by a CA this machine does not trust",
      hint: "set VAULT_CACERT (or VAULT_CAPATH) to the PEM file of the CA that signed Vault's certificate (or VAULT_SKIP_VERIFY=true for a throwaway dev server)",
    };
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return {
      cause: "its certificate is not issued for the host in VAULT_ADDR",
      hint: "use the host name the certificate names in VAULT_ADDR, or set VAULT_TLS_SERVER_NAME to it (e.g. when reaching Vault through a port-forward)",
    };
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID")
    return {
      cause: `its certificate is ${code === "CERT_HAS_EXPIRED" ? "expired" : "not valid yet"}`,
      hint: "renew Vault's certificate (or check this machine's clock)",
    };
  const clientAlert =
    /^ERR_SSL_(SSLV3|TLSV1)_ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)$/.test(
      code,
    );
  // Go's TLS server (Vault's) answers a missing client certificate with bad_certificate.
  if (code === "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED" || (clientAlert && !sentClientCert))
    return {
      cause: "it requires a client certificate",
      hint: "set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY to the PEM files of your client certificate and its key",
    };
  if (clientAlert)
    return {
      cause: "it refused the client certificate",
      hint: "set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY to a certificate Vault's client CA signed, unexpired, and its key",
    };
  if (code === "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE")
    return {
      cause: "it ended the TLS handshake",
      hint: "Vault may require a client certificate (set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY), or share no TLS version or cipher with this client",
    };
  if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || code === "ERR_SSL_PACKET_LENGTH_TOO_LONG")
    return {
      cause: "it does not speak TLS on that port",
      hint: "Vault serves plain HTTP there: use http:// in VAULT_ADDR",
    };
  if (isTlsCode(code))
    return {
      cause: `TLS failed (${code})`,
      hint: "check VAULT_ADDR and the TLS settings (VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_TLS_SERVER_NAME)",
    };
  return undefined;
}

const tlsError = (addr: string, code: string, failure: { cause: string; hint: string }) =>
  new StepError(
    `cannot connect to Vault at ${addr} over TLS: ${failure.cause} (${code})`,
    `${failure.hint}; nothing was written`,
  );

/**
 * Waits until Vault answers as active or standby, with bounded backoff to a deadline
 * (vault.readyTimeoutSeconds, or `readyTimeoutMs`: 0 asks once and does not wait).
 */
export async function waitForVault(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: { readyTimeoutMs?: number } = {},
): Promise<void> {
  const { config } = resolved;
  return waitReady(await vaultCalls(host, log), {
    readyTimeoutMs: options.readyTimeoutMs ?? config.vault.readyTimeoutSeconds * 1000,
    progressSeconds: config.log.progressSeconds,
  });
}

/** waitForVault over calls already gathered (the seeding reuses them for every step). */
export async function waitReady(
  calls: VaultCalls,
  options: { readyTimeoutMs: number; progressSeconds: number },
): Promise<void> {
  const { vault, log, clock } = calls;
  const now = clock.now;
  return runStep(
    log,
    "vault:health",
    `waiting for Vault at ${vault.addr}`,
    async (step) => {
      const deadline = now() + options.readyTimeoutMs;
      let last = "";
      const stopProgress = reportProgress(
        step,
        {
          intervalMs: options.progressSeconds * 1000,
          limitSeconds: Math.round(options.readyTimeoutMs / 1000),
          clock,
        },
        () =>
          // Stryker disable next-line Regex: "unreachable:" starts the text, so its first occurrence is the leading one
          `Vault at ${vault.addr}${last ? ` (${last.replace(/^unreachable:/, "unreachable, ")})` : ""}`,
      );
      try {
        return await pollVault(calls, options.readyTimeoutMs, step, deadline, (l) => (last = l));
      } finally {
        stopProgress();
      }
    },
    { owns: (e) => e instanceof StepError },
  );
}

async function pollVault(
  calls: VaultCalls,
  readyTimeoutMs: number,
  step: StepHandle,
  deadline: number,
  setLast: (last: string) => void,
): Promise<void> {
  const { vault, clock } = calls;
  const now = clock.now;
  // Stryker disable next-line StringLiteral: every attempt sets it (or returns, or throws) before it is read
  let last = "";
  for (let attempt = 1; ; attempt++) {
    try {
      const health = await vault.health();
      if (health.state === "active") {
        step.ok(`Vault ready at ${vault.addr}${health.version ? ` (${health.version})` : ""}`);
        return;
      }
      if (health.state === "standby") {
        // 429 from sys/health means a standby node: not fatal, it forwards requests.
        step.warn(
          `Vault at ${vault.addr} is a standby node (HTTP ${health.status}); continuing`,
          "point VAULT_ADDR at the active node to avoid forwarding",
        );
        return;
      }
      last =
        health.state === "sealed"
          ? "sealed"
          : health.state === "uninitialized"
            ? "uninitialized"
            : `http-${health.status}`;
    } catch (error) {
      if (error instanceof VaultAnswerError) throw unusable(error);
      if (!(error instanceof VaultNetworkError)) throw error;
      const tls = tlsFailure(error.code, vault.sendsClientCert);
      if (tls) throw tlsError(vault.addr, error.code, tls);
      last = `unreachable:${error.detail ?? error.code}`;
    }
    setLast(last);
    if (now() >= deadline) break;
    await clock.sleep(Math.min(backoffDelay(attempt), Math.max(0, deadline - now())), calls.signal);
  }
  const waited = `${Math.round(readyTimeoutMs / 1000)} s`;
  const [message, hint] =
    last === "sealed"
      ? [
          `Vault sealed at ${vault.addr}`,
          `unseal it ('vault operator unseal') or restart the dev server; waited ${waited}, nothing was written`,
        ]
      : last === "uninitialized"
        ? [
            `Vault not initialised at ${vault.addr}`,
            `initialise it ('vault operator init') or use a dev server; waited ${waited}`,
          ]
        : last.startsWith("unreachable")
          ? [
              `Vault unreachable at ${vault.addr} (${last.slice("unreachable:".length)})`,
              last.includes("proxy")
                ? `the proxy (HTTPS_PROXY / HTTP_PROXY, or VAULT_PROXY_ADDR) did not take the request to Vault: check that it runs and its credentials (http://user:pass@proxy:3128), or add Vault's host to NO_PROXY; waited ${waited}`
                : `start Vault or fix VAULT_ADDR (is the port-forward running?); waited ${waited}`,
            ]
          : [
              `Vault not ready at ${vault.addr} (sys/health answered ${last.replace("http-", "HTTP ")})`,
              `check the server's logs; waited ${waited}`,
            ];
  throw new StepError(message, hint);
}

/** An answer that is no answer (past the size cap, a 2xx that is not JSON): not retried. */
const unusable = (error: VaultAnswerError) =>
  new StepError(
    `Vault's answer is unusable: ${error.message}`,
    "is VAULT_ADDR Vault itself (not a proxy or another service)? Nothing was written",
  );

/** Attempts of a request after the health check when Vault refuses the connection (default). */
const REFUSED_ATTEMPTS = 4;

/**
 * A request after the health check, classified as the health check does: sealed
 * (503) or uninitialised (501) is a StepError with its fix; a connection refused
 * (or unanswered) before the request reached Vault is retried, bounded.
 */
async function afterHealth<T>(
  options: VaultCalls,
  step: StepHandle,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const addr = options.vault.addr;
  const attempts =
    options.vault.maxRetries === undefined ? REFUSED_ATTEMPTS : options.vault.maxRetries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof VaultAnswerError) throw unusable(error);
      if (error instanceof VaultHttpError && (error.status === 503 || error.status === 501)) {
        throw new StepError(
          `Vault ${error.status === 503 ? "sealed" : "not initialised"} at ${addr} (at ${what}, after the health check)`,
          error.status === 503
            ? "unseal it ('vault operator unseal') or restart the dev server, then rerun; nothing was written"
            : "initialise it ('vault operator init') or use a dev server, then rerun",
        );
      }
      const tls =
        error instanceof VaultNetworkError
          ? tlsFailure(error.code, options.vault.sendsClientCert)
          : undefined;
      if (tls) throw tlsError(addr, (error as VaultNetworkError).code, tls);
      if (error instanceof VaultNetworkError && !error.mayHaveReachedServer) {
        if (attempt >= attempts)
          throw new StepError(
            `Vault unreachable at ${addr} (${error.code} at ${what}, ${attempts} attempt${attempts === 1 ? "" : "s"})`,
            "Vault answered its health check, then went away: is it restarting? Check the server, then rerun",
          );
        step.note(
          `Vault refused the connection at ${what} (${error.code}); retry ${attempt} of ${attempts - 1}`,
        );
        await options.clock.sleep(backoffDelay(attempt), options.signal);
        continue;
      }
      throw error;
    }
  }
}

/**
 * Checks the token and makes sure the mount (vault.mount) is KV v2, enabling it when
 * missing; with `plan`, a missing mount is reported, never enabled.
 */
export async function ensureKv2Mount(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: { plan: boolean },
): Promise<void> {
  await checkKv2Mount(await vaultCalls(host, log), resolved.config.vault.mount, options.plan);
}

/** ensureKv2Mount over calls already gathered (the seeding reuses them for every step). */
export async function checkKv2Mount(
  calls: VaultCalls,
  mount: string,
  plan: boolean,
): Promise<void> {
  await runStep(
    calls.log,
    "vault:mount",
    `checking the token and the ${mount}/ mount`,
    (step) =>
      checkMount(calls, mount, plan, step, (error: StepError): never => {
        throw error;
      }),
    { owns: (e) => e instanceof StepError },
  );
}

async function checkMount(
  options: VaultCalls,
  mount: string,
  plan: boolean,
  step: StepHandle,
  fail: (error: StepError) => never,
): Promise<void> {
  const { vault } = options;
  try {
    await afterHealth(options, step, "auth/token/lookup-self", () => vault.lookupSelf());
  } catch (error) {
    if (error instanceof VaultHttpError && error.status === 403) {
      fail(
        new StepError(
          `Vault rejected the token (permission denied on auth/token/lookup-self)`,
          "set VAULT_TOKEN, VAULT_TOKEN_FILE or ~/.vault-token to a valid token",
        ),
      );
    }
    throw error;
  }
  const readMount = () =>
    afterHealth(options, step, `sys/mounts/${mount}`, () => vault.readMount(mount));
  let info: Awaited<ReturnType<Vault["readMount"]>>;
  try {
    info = await readMount();
  } catch (error) {
    if (error instanceof VaultHttpError && error.status === 403) {
      step.warn(
        `cannot read sys/mounts/${mount} with this token; assuming it is KV v2`,
        "grant 'read' on sys/mounts/* to let dev-bootstrap check it",
      );
      return;
    }
    throw error;
  }
  let raced = false;
  if (!info) {
    if (plan) {
      step.ok(`mount ${mount}/ does not exist; it would be enabled as KV v2`);
      return;
    }
    try {
      await afterHealth(options, step, `sys/mounts/${mount}`, () => vault.enableKv2(mount));
    } catch (error) {
      if (error instanceof VaultHttpError && error.status === 403)
        fail(denied("update", `/v1/sys/mounts/${mount}`));
      // Another run enabled it between our read and our write: it exists now.
      if (
        !(
          error instanceof VaultHttpError &&
          error.status === 400 &&
          error.errors.some((e) => /already in use/i.test(e))
        )
      )
        throw error;
      raced = true;
    }
    if (!raced) {
      step.ok(`enabled KV v2 at ${mount}/`);
      return;
    }
    info = await readMount();
    if (!info)
      fail(
        new StepError(`mount ${mount}/ is in use but cannot be read`, "check 'vault secrets list'"),
      );
  }
  if (info!.type !== "kv" || info!.version !== "2") {
    fail(
      new StepError(
        `mount ${mount}/ is ${info!.type === "kv" ? "KV version 1" : `a '${info!.type}' engine`}, not KV v2`,
        info!.type === "kv"
          ? `upgrade it: vault kv enable-versioning ${mount}/`
          : "set vault.mount to a KV v2 mount",
      ),
    );
  }
  step.ok(
    raced
      ? `mount ${mount}/ was enabled by another run meanwhile; it is KV v2`
      : `mount ${mount}/ is KV v2`,
  );
}
