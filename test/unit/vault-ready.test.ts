/**
 * Before seeding: waiting for Vault and checking the token and the KV v2 mount,
 * driven in-process over a scripted Vault client and a virtual clock (every wait
 * recorded, none spent). What a user relies on: a sealed, uninitialised or
 * unreachable Vault is waited for within vault.readyTimeoutSeconds with bounded,
 * spaced retries and then named with its fix; a standby node is not fatal; a TLS
 * failure or an answer that is no answer fails at once (no retry fixes it); a
 * missing mount is enabled (never in a plan), a wrong one is named with its fix,
 * and a 403 names what the token lacks.
 *
 * References: developer.hashicorp.com/vault/api-docs/system/health (200 active,
 * 429 standby, 501 uninitialised, 503 sealed), …/api-docs/system/mounts, and
 * Vault's request handling (vault/request_handling.go: a write to a path with no
 * existence check, as sys/mounts/<path> is, is an update operation).
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  VaultAnswerError,
  VaultHttpError,
  VaultNetworkError,
} from "../../src/adapters/vault-errors.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import type { Host } from "../../src/flows/host.js";
import { ensureKv2Mount, waitForVault } from "../../src/flows/vault-ready.js";
import { type VirtualClock, virtualClock } from "../helpers/clock.js";
import { type CapturedLog, captureLog, partialHost } from "../helpers/flow-run.js";
import { type ScriptedVault, scriptedVault } from "../helpers/scripted-vault.js";
import { makeWorkspace } from "../helpers/workspace.js";

const ADDR = "https://vault.test:8200";

let vault: ScriptedVault;
let clock: VirtualClock;
let host: Host;
let run: CapturedLog;

const setUp = (options: Parameters<typeof scriptedVault>[0] = {}, signal?: AbortSignal) => {
  vault = scriptedVault(options);
  clock = virtualClock();
  host = partialHost({ clock, vault: async () => vault, signal });
  run = captureLog({ command: "ensure-local-secrets", clock, masker: host.masker });
};
beforeEach(() => setUp());

const resolved = (yaml?: string) =>
  resolveConfig({
    cwd: makeWorkspace(yaml === undefined ? {} : { "dev-bootstrap.yaml": yaml }).dir,
    env: {},
  });

const wait = (options: { readyTimeoutMs?: number; yaml?: string } = {}) =>
  waitForVault(
    host,
    resolved(options.yaml),
    run.log,
    options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs },
  );

/** The fail line the step wrote, with the error it threw. */
async function failure(promise: Promise<unknown>, step = "vault:health") {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepError);
  const line = run.checkpoint(step, "fail");
  expect(line).toMatchObject({
    message: (error as StepError).message,
    hint: (error as StepError).hint,
  });
  return line as { message: string; hint: string };
}

const notesOf = (step: string) =>
  run
    .notes()
    .filter((n) => n.step === step)
    .map((n) => n.message);

const sealed = { status: 503, state: "sealed" } as const;
const refused = (detail?: string) =>
  new VaultNetworkError(
    "GET /v1/sys/health: connection failed (ECONNREFUSED)",
    "ECONNREFUSED",
    "GET",
    "/v1/sys/health",
    false,
    detail,
  );

describe("waiting for Vault", () => {
  it("an active Vault: one health check, ready with its version, no wait", async () => {
    await wait();
    expect(run.checkpoint("vault:health", "start")).toMatchObject({
      message: `waiting for Vault at ${ADDR}`,
    });
    expect(run.checkpoint("vault:health", "ok")).toMatchObject({
      message: `Vault ready at ${ADDR} (1.17.2)`,
    });
    expect(vault.callsOf("health")).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    // No progress note is left to fire after the step.
    expect(clock.pending()).toEqual([]);

    setUp();
    vault.script("health", { status: 200, state: "active" });
    await wait();
    expect(run.checkpoint("vault:health", "ok")).toMatchObject({
      message: `Vault ready at ${ADDR}`,
    });
  });

  it("a standby node (429) is not fatal: a warning with the fix, no wait (FAULTS.md 8)", async () => {
    vault.script("health", { status: 429, state: "standby" });
    await wait();
    expect(run.checkpoint("vault:health", "warn")).toMatchObject({
      message: `Vault at ${ADDR} is a standby node (HTTP 429); continuing`,
      hint: "point VAULT_ADDR at the active node to avoid forwarding",
    });
    expect(run.checkpoint("vault:health", "fail")).toBeUndefined();
    expect(vault.callsOf("health")).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("a sealed Vault that unseals: asked again after growing, jittered backoffs", async () => {
    vault.script("health", sealed, sealed, sealed, { status: 200, state: "active" });
    await wait();
    expect(vault.callsOf("health")).toHaveLength(4);
    expect(clock.sleeps).toHaveLength(3);
    // 200 ms, doubling, each ±20 %.
    const [first, second, third] = clock.sleeps as [number, number, number];
    expect(first).toBeGreaterThanOrEqual(160);
    expect(first).toBeLessThanOrEqual(240);
    expect(second).toBeGreaterThanOrEqual(320);
    expect(second).toBeLessThanOrEqual(480);
    expect(third).toBeGreaterThanOrEqual(640);
    expect(third).toBeLessThanOrEqual(960);
    expect(run.checkpoint("vault:health", "ok")).toBeDefined();
  });

  it("sealed to the end: fails at vault.readyTimeoutSeconds exactly, naming the fix (FAULTS.md 1)", async () => {
    vault.script("health", sealed);
    const line = await failure(wait());
    expect(line).toMatchObject({
      message: `Vault sealed at ${ADDR}`,
      hint: "unseal it ('vault operator unseal') or restart the dev server; waited 30 s, nothing was written",
    });
    // The default deadline (30 s), not a moment past it: the last wait is cut to what is left.
    expect(clock.elapsed()).toBe(30_000);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(2400);
    expect(vault.callsOf("health")).toHaveLength(clock.sleeps.length + 1);
    // Nothing but health checks: no token check, no mount, no write.
    expect(vault.calls.every(([method]) => method === "health")).toBe(true);
    expect(clock.pending()).toEqual([]);
  });

  it("says every few seconds what it waits for and how long it has waited", async () => {
    vault.script("health", sealed);
    await failure(
      wait({ yaml: "vault:\n  readyTimeoutSeconds: 12\nlog:\n  progressSeconds: 4\n" }),
    );
    expect(notesOf("vault:health")).toEqual([
      `still waiting for Vault at ${ADDR} (sealed); 4 s of 12 s`,
      `still waiting for Vault at ${ADDR} (sealed); 8 s of 12 s`,
      `still waiting for Vault at ${ADDR} (sealed); 12 s of 12 s`,
    ]);
  });

  it("a first answer slow to come: the note names Vault alone, with no state yet", async () => {
    vault.health = async () => {
      clock.advance(5000);
      return { status: 200, state: "active" };
    };
    await wait();
    expect(notesOf("vault:health")).toEqual([`still waiting for Vault at ${ADDR}; 5 s of 30 s`]);
  });

  it("uninitialised to the end: names 'vault operator init', within the configured timeout", async () => {
    vault.script("health", { status: 501, state: "uninitialized" });
    const line = await failure(wait({ yaml: "vault:\n  readyTimeoutSeconds: 3\n" }));
    expect(line).toMatchObject({
      message: `Vault not initialised at ${ADDR}`,
      hint: "initialise it ('vault operator init') or use a dev server; waited 3 s",
    });
    expect(clock.elapsed()).toBe(3000);
  });

  it("any other health status: names the status and points at the server's logs", async () => {
    vault.script("health", { status: 500, state: "other" });
    const line = await failure(wait({ readyTimeoutMs: 2000 }));
    expect(line).toMatchObject({
      message: `Vault not ready at ${ADDR} (sys/health answered HTTP 500)`,
      hint: "check the server's logs; waited 2 s",
    });
  });

  it("unreachable to the end: names the network error, and says it in the progress notes", async () => {
    vault.script("health", refused());
    const line = await failure(wait({ yaml: "vault:\n  readyTimeoutSeconds: 6\n" }));
    expect(line).toMatchObject({
      message: `Vault unreachable at ${ADDR} (ECONNREFUSED)`,
      hint: "start Vault or fix VAULT_ADDR (is the port-forward running?); waited 6 s",
    });
    expect(notesOf("vault:health")[0]).toBe(
      `still waiting for Vault at ${ADDR} (unreachable, ECONNREFUSED); 5 s of 6 s`,
    );
    expect(clock.elapsed()).toBe(6000);
  });

  it("a proxy that does not take the request: names the proxy, and the proxy settings to check", async () => {
    vault.script("health", refused("ECONNREFUSED at the proxy proxy.test"));
    const line = await failure(wait({ readyTimeoutMs: 1000 }));
    expect(line).toMatchObject({
      message: `Vault unreachable at ${ADDR} (ECONNREFUSED at the proxy proxy.test)`,
      hint: "the proxy (HTTPS_PROXY / HTTP_PROXY, or VAULT_PROXY_ADDR) did not take the request to Vault: check that it runs and its credentials (http://user:pass@proxy:3128), or add Vault's host to NO_PROXY; waited 1 s",
    });
  });

  it("the last state seen is the one reported", async () => {
    vault.script("health", sealed, refused());
    expect((await failure(wait({ readyTimeoutMs: 3000 }))).message).toBe(
      `Vault unreachable at ${ADDR} (ECONNREFUSED)`,
    );
    setUp();
    vault.script("health", refused(), sealed);
    expect((await failure(wait({ readyTimeoutMs: 3000 }))).message).toBe(`Vault sealed at ${ADDR}`);
  });

  it("a timeout of 0 asks once and does not wait", async () => {
    vault.script("health", sealed);
    const line = await failure(wait({ readyTimeoutMs: 0 }));
    expect(line.hint).toContain("waited 0 s");
    expect(vault.callsOf("health")).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it("an interrupt ends the wait: no further health check (FAULTS.md 37)", async () => {
    const abort = new AbortController();
    setUp({}, abort.signal);
    vault.health = async () => {
      abort.abort(new Error("interrupted"));
      return sealed;
    };
    await expect(wait()).rejects.toThrow("interrupted");
    expect(clock.sleeps).toEqual([]);
  });

  it("an answer that is no answer fails at once, asking whether VAULT_ADDR is Vault", async () => {
    vault.script(
      "health",
      new VaultAnswerError("GET /v1/sys/health: answer is not JSON", "GET", "/v1/sys/health"),
    );
    const line = await failure(wait());
    expect(line).toMatchObject({
      message: "Vault's answer is unusable: GET /v1/sys/health: answer is not JSON",
      hint: "is VAULT_ADDR Vault itself (not a proxy or another service)? Nothing was written",
    });
    expect(clock.sleeps).toEqual([]);
  });

  it("an error that is none of Vault's passes through unreported, for the CLI to report once", async () => {
    const bug = new TypeError("boom");
    vault.script("health", bug);
    await expect(wait()).rejects.toBe(bug);
    expect(run.checkpoint("vault:health", "fail")).toBeUndefined();
  });
});

/**
 * TLS failures as Node names them: OpenSSL's certificate verify errors
 * (nodejs.org/api/tls.html, "X509 certificate error codes") and the alerts a
 * server sends (ERR_SSL_<version>_ALERT_<alert>). Go's TLS server, Vault's, answers
 * a missing client certificate with certificate_required on TLS 1.3 and
 * bad_certificate before it (crypto/tls, handshake_server.go).
 */
describe("a TLS failure fails at once, naming its cause and the setting that fixes it", () => {
  const CA = [
    "its certificate is signed by a CA this machine does not trust",
    "set VAULT_CACERT (or VAULT_CAPATH) to the PEM file of the CA that signed Vault's certificate (or VAULT_SKIP_VERIFY=true for a throwaway dev server)",
  ];
  const REQUIRED = [
    "it requires a client certificate",
    "set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY to the PEM files of your client certificate and its key",
  ];
  const REFUSED = [
    "it refused the client certificate",
    "set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY to a certificate Vault's client CA signed, unexpired, and its key",
  ];
  const PLAIN = [
    "it does not speak TLS on that port",
    "Vault serves plain HTTP there: use http:// in VAULT_ADDR",
  ];
  const ALERTS = [
    "UNKNOWN_CA",
    "BAD_CERTIFICATE",
    "CERTIFICATE_UNKNOWN",
    "CERTIFICATE_EXPIRED",
    "CERTIFICATE_REVOKED",
    "UNSUPPORTED_CERTIFICATE",
    "ACCESS_DENIED",
    "DECRYPT_ERROR",
  ];
  const cases: Array<[string, boolean, string[]]> = [
    ...[
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "SELF_SIGNED_CERT_IN_CHAIN",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "UNABLE_TO_GET_ISSUER_CERT",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      "CERT_UNTRUSTED",
      "CERT_SIGNATURE_FAILURE",
    ].map((code): [string, boolean, string[]] => [code, false, CA]),
    [
      "ERR_TLS_CERT_ALTNAME_INVALID",
      false,
      [
        "its certificate is not issued for the host in VAULT_ADDR",
        "use the host name the certificate names in VAULT_ADDR, or set VAULT_TLS_SERVER_NAME to it (e.g. when reaching Vault through a port-forward)",
      ],
    ],
    [
      "CERT_HAS_EXPIRED",
      false,
      ["its certificate is expired", "renew Vault's certificate (or check this machine's clock)"],
    ],
    [
      "CERT_NOT_YET_VALID",
      false,
      [
        "its certificate is not valid yet",
        "renew Vault's certificate (or check this machine's clock)",
      ],
    ],
    ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", false, REQUIRED],
    ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", true, REQUIRED],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", false, REQUIRED],
    ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", true, REFUSED],
    ...ALERTS.map((alert): [string, boolean, string[]] => [
      `ERR_SSL_TLSV1_ALERT_${alert}`,
      true,
      REFUSED,
    ]),
    ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", false, REQUIRED],
    [
      "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
      false,
      [
        "it ended the TLS handshake",
        "Vault may require a client certificate (set VAULT_CLIENT_CERT and VAULT_CLIENT_KEY), or share no TLS version or cipher with this client",
      ],
    ],
    ["ERR_SSL_WRONG_VERSION_NUMBER", false, PLAIN],
    ["ERR_SSL_PACKET_LENGTH_TOO_LONG", false, PLAIN],
    [
      "ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
      false,
      [
        "TLS failed (ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC)",
        "check VAULT_ADDR and the TLS settings (VAULT_CACERT, VAULT_CLIENT_CERT, VAULT_TLS_SERVER_NAME)",
      ],
    ],
  ];

  it.each(cases)("%s (client certificate sent: %s)", async (code, sendsClientCert, expected) => {
    // A client that does not say whether it sends one counts as sending none.
    setUp(sendsClientCert ? { sendsClientCert } : {});
    vault.script(
      "health",
      new VaultNetworkError(`GET /v1/sys/health: ${code}`, code, "GET", "/v1/sys/health", false),
    );
    const line = await failure(wait());
    expect(line).toEqual(
      expect.objectContaining({
        message: `cannot connect to Vault at ${ADDR} over TLS: ${expected[0]} (${code})`,
        hint: `${expected[1]}; nothing was written`,
      }),
    );
    expect(vault.callsOf("health")).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe("checking the token and the KV v2 mount", () => {
  const check = (options: { plan?: boolean; yaml?: string } = {}) =>
    ensureKv2Mount(host, resolved(options.yaml), run.log, { plan: options.plan ?? false });

  it("a KV v2 mount: the token is checked, the mount read, nothing enabled", async () => {
    await check();
    expect(run.checkpoint("vault:mount", "start")).toMatchObject({
      message: "checking the token and the secret/ mount",
    });
    expect(run.checkpoint("vault:mount", "ok")).toMatchObject({
      message: "mount secret/ is KV v2",
    });
    expect(vault.calls).toEqual([["lookupSelf"], ["readMount", "secret"]]);
  });

  it("vault.mount names the mount checked", async () => {
    await check({ yaml: "vault:\n  mount: team-kv\n" });
    expect(vault.callsOf("readMount")).toEqual([["team-kv"]]);
    expect(run.checkpoint("vault:mount", "ok")).toMatchObject({
      message: "mount team-kv/ is KV v2",
    });
  });

  it("a missing mount is enabled as KV v2", async () => {
    vault.script("readMount", undefined);
    await check();
    expect(vault.callsOf("enableKv2")).toEqual([["secret"]]);
    expect(run.checkpoint("vault:mount", "ok")).toMatchObject({
      message: "enabled KV v2 at secret/",
    });
  });

  it("a plan only says a missing mount would be enabled", async () => {
    vault.script("readMount", undefined);
    await check({ plan: true });
    expect(vault.callsOf("enableKv2")).toEqual([]);
    expect(run.checkpoint("vault:mount", "ok")).toMatchObject({
      message: "mount secret/ does not exist; it would be enabled as KV v2",
    });
  });

  it("another run enabled it between our read and our write: read again, and it is KV v2", async () => {
    // Vault's answer to enabling a path already mounted (a 400; hashicorp/vault#5718, opexdev/core#479).
    vault.script("readMount", undefined, { type: "kv", version: "2" });
    vault.script(
      "enableKv2",
      new VaultHttpError(
        400,
        ["path is already in use at secret/"],
        "POST",
        "/v1/sys/mounts/secret",
        {},
      ),
    );
    await check();
    expect(vault.callsOf("readMount")).toHaveLength(2);
    expect(run.checkpoint("vault:mount", "ok")).toMatchObject({
      message: "mount secret/ was enabled by another run meanwhile; it is KV v2",
    });
  });

  it("enabled meanwhile as something else: named as that", async () => {
    vault.script("readMount", undefined, { type: "kv", version: "1" });
    vault.script(
      "enableKv2",
      new VaultHttpError(400, ["Path Is Already In Use at secret/"], "POST", "", {}),
    );
    const line = await failure(check(), "vault:mount");
    expect(line.message).toBe("mount secret/ is KV version 1, not KV v2");
  });

  it("in use, yet unreadable after the race: says so", async () => {
    vault.script("readMount", undefined);
    vault.script(
      "enableKv2",
      new VaultHttpError(400, ["invalid", "path is already in use at secret/"], "POST", "", {}),
    );
    const line = await failure(check(), "vault:mount");
    expect(line).toMatchObject({
      message: "mount secret/ is in use but cannot be read",
      hint: "check 'vault secrets list'",
    });
  });

  it("any other refusal to enable is no race: it passes through, and the mount is not read again", async () => {
    const refusal = new VaultHttpError(400, ["invalid mount type"], "POST", "", {});
    vault.script("readMount", undefined);
    vault.script("enableKv2", refusal);
    await expect(check()).rejects.toBe(refusal);
    expect(vault.callsOf("readMount")).toHaveLength(1);
    const other = new VaultHttpError(500, ["path is already in use at secret/"], "POST", "", {});
    vault.script("enableKv2", other);
    await expect(check()).rejects.toBe(other);
  });

  it("a KV version 1 mount: names the upgrade command", async () => {
    vault.script("readMount", { type: "kv", version: "1" });
    const line = await failure(check(), "vault:mount");
    expect(line).toMatchObject({
      message: "mount secret/ is KV version 1, not KV v2",
      hint: "upgrade it: vault kv enable-versioning secret/",
    });
    setUp();
    vault.script("readMount", { type: "kv", version: undefined });
    expect((await failure(check(), "vault:mount")).message).toBe(
      "mount secret/ is KV version 1, not KV v2",
    );
  });

  it("another engine at the mount: names it, and vault.mount", async () => {
    vault.script("readMount", { type: "transit", version: undefined });
    const line = await failure(check(), "vault:mount");
    expect(line).toMatchObject({
      message: "mount secret/ is a 'transit' engine, not KV v2",
      hint: "set vault.mount to a KV v2 mount",
    });
    // Whatever its options say: only a kv engine is KV v2.
    setUp();
    vault.script("readMount", { type: "transit", version: "2" });
    expect((await failure(check(), "vault:mount")).message).toBe(
      "mount secret/ is a 'transit' engine, not KV v2",
    );
  });

  it("a token Vault refuses: says so before reading the mount", async () => {
    vault.script(
      "lookupSelf",
      new VaultHttpError(403, ["permission denied"], "GET", "/v1/auth/token/lookup-self", {}),
    );
    const line = await failure(check(), "vault:mount");
    expect(line).toMatchObject({
      message: "Vault rejected the token (permission denied on auth/token/lookup-self)",
      hint: "set VAULT_TOKEN, VAULT_TOKEN_FILE or ~/.vault-token to a valid token",
    });
    expect(vault.callsOf("readMount")).toEqual([]);
  });

  it("any other failure of the token check passes through unreported", async () => {
    const error = new VaultHttpError(500, ["internal error"], "GET", "", {});
    vault.script("lookupSelf", error);
    await expect(check()).rejects.toBe(error);
    expect(run.checkpoint("vault:mount", "fail")).toBeUndefined();
  });

  it("any other failure to read the mount passes through: nothing is assumed, nothing enabled", async () => {
    const error = new VaultHttpError(500, ["internal error"], "GET", "/v1/sys/mounts/secret", {});
    vault.script("readMount", error);
    await expect(check()).rejects.toBe(error);
    expect(run.checkpoint("vault:mount", "warn")).toBeUndefined();
    expect(vault.callsOf("enableKv2")).toEqual([]);
  });

  it("a token that may not read the mount: warns and assumes KV v2, enabling nothing", async () => {
    vault.script("readMount", new VaultHttpError(403, ["permission denied"], "GET", "", {}));
    await check();
    expect(run.checkpoint("vault:mount", "warn")).toMatchObject({
      message: "cannot read sys/mounts/secret with this token; assuming it is KV v2",
      hint: "grant 'read' on sys/mounts/* to let dev-bootstrap check it",
    });
    expect(vault.callsOf("enableKv2")).toEqual([]);
    expect(run.checkpoint("vault:mount", "ok")).toBeUndefined();
  });

  it("a token that may not enable the mount: names the 'update' capability on sys/mounts/<mount> (FAULTS.md 2)", async () => {
    // sys/mounts/<path> has no existence check, so Vault takes a POST there for an
    // update (vault/request_handling.go): a policy granting only "create" is refused.
    vault.script("readMount", undefined);
    vault.script("enableKv2", new VaultHttpError(403, ["permission denied"], "POST", "", {}));
    const line = await failure(check(), "vault:mount");
    expect(line).toMatchObject({
      message: "permission denied: the Vault token lacks 'update' on /v1/sys/mounts/secret",
      hint: 'grant a policy with capabilities ["update"] on path "sys/mounts/secret", or use another token',
    });
  });

  it("an unreadable mount answer on any request fails at once", async () => {
    vault.script(
      "readMount",
      new VaultAnswerError("GET /v1/sys/mounts/secret: not JSON", "GET", ""),
    );
    const line = await failure(check(), "vault:mount");
    expect(line.message).toBe("Vault's answer is unusable: GET /v1/sys/mounts/secret: not JSON");
    expect(clock.sleeps).toEqual([]);
  });
});

describe("after the health check, Vault sealed or gone", () => {
  const check = () => ensureKv2Mount(host, resolved(), run.log, { plan: false });
  const status = (code: number) => new VaultHttpError(code, [], "GET", "", {});
  const refusedAt = (mayHaveReachedServer = false) =>
    new VaultNetworkError("connection failed", "ECONNREFUSED", "GET", "", mayHaveReachedServer);

  it("sealed (503) at the token check: says where, and to unseal, then rerun", async () => {
    vault.script("lookupSelf", status(503));
    const line = await failure(check(), "vault:mount");
    expect(line).toMatchObject({
      message: `Vault sealed at ${ADDR} (at auth/token/lookup-self, after the health check)`,
      hint: "unseal it ('vault operator unseal') or restart the dev server, then rerun; nothing was written",
    });
    expect(clock.sleeps).toEqual([]);
  });

  it("uninitialised (501) at the mount: says where, and to initialise, then rerun", async () => {
    vault.script("readMount", status(501));
    const line = await failure(check(), "vault:mount");
    expect(line).toMatchObject({
      message: `Vault not initialised at ${ADDR} (at sys/mounts/secret, after the health check)`,
      hint: "initialise it ('vault operator init') or use a dev server, then rerun",
    });
  });

  it("sealed while enabling the mount: names that request", async () => {
    vault.script("readMount", undefined);
    vault.script("enableKv2", status(503));
    expect((await failure(check(), "vault:mount")).message).toBe(
      `Vault sealed at ${ADDR} (at sys/mounts/secret, after the health check)`,
    );
  });

  it("a refused connection is retried, spaced, with a note per retry", async () => {
    vault.script("lookupSelf", refusedAt(), refusedAt(), { policies: ["root"] });
    await check();
    expect(vault.callsOf("lookupSelf")).toHaveLength(3);
    expect(notesOf("vault:mount")).toEqual([
      "Vault refused the connection at auth/token/lookup-self (ECONNREFUSED); retry 1 of 3",
      "Vault refused the connection at auth/token/lookup-self (ECONNREFUSED); retry 2 of 3",
    ]);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(160);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(240);
    expect(clock.sleeps[1]).toBeGreaterThanOrEqual(320);
    expect(clock.sleeps[1]).toBeLessThanOrEqual(480);
    expect(run.checkpoint("vault:mount", "ok")).toBeDefined();
  });

  it("refused on every attempt: four in all, then says Vault went away", async () => {
    vault.script("readMount", refusedAt());
    const line = await failure(check(), "vault:mount");
    expect(line).toMatchObject({
      message: `Vault unreachable at ${ADDR} (ECONNREFUSED at sys/mounts/secret, 4 attempts)`,
      hint: "Vault answered its health check, then went away: is it restarting? Check the server, then rerun",
    });
    expect(vault.callsOf("readMount")).toHaveLength(4);
    expect(clock.sleeps).toHaveLength(3);
  });

  it("VAULT_MAX_RETRIES sets the attempts: 0 is one attempt, no retry", async () => {
    setUp({ maxRetries: 0 });
    vault.script("lookupSelf", refusedAt());
    const line = await failure(check(), "vault:mount");
    expect(line.message).toBe(
      `Vault unreachable at ${ADDR} (ECONNREFUSED at auth/token/lookup-self, 1 attempt)`,
    );
    expect(clock.sleeps).toEqual([]);

    setUp({ maxRetries: 1 });
    vault.script("lookupSelf", refusedAt());
    expect((await failure(check(), "vault:mount")).message).toContain("2 attempts");
    expect(notesOf("vault:mount")).toEqual([
      "Vault refused the connection at auth/token/lookup-self (ECONNREFUSED); retry 1 of 1",
    ]);
  });

  it("an interrupt ends the retries: no further attempt (FAULTS.md 37)", async () => {
    const abort = new AbortController();
    setUp({}, abort.signal);
    vault.lookupSelf = async () => {
      abort.abort(new Error("interrupted"));
      throw refusedAt();
    };
    await expect(check()).rejects.toThrow("interrupted");
    expect(clock.sleeps).toEqual([]);
  });

  it("a failure after the request may have reached Vault is not retried", async () => {
    const reset = refusedAt(true);
    vault.script("lookupSelf", reset);
    await expect(check()).rejects.toBe(reset);
    expect(vault.callsOf("lookupSelf")).toHaveLength(1);
  });

  it("a TLS failure after the health check fails at once with its fix", async () => {
    setUp({ sendsClientCert: true });
    vault.script(
      "readMount",
      new VaultNetworkError("tls", "ERR_SSL_TLSV1_ALERT_CERTIFICATE_EXPIRED", "GET", "", false),
    );
    const line = await failure(check(), "vault:mount");
    expect(line.message).toBe(
      `cannot connect to Vault at ${ADDR} over TLS: it refused the client certificate (ERR_SSL_TLSV1_ALERT_CERTIFICATE_EXPIRED)`,
    );
    expect(vault.callsOf("readMount")).toHaveLength(1);
  });
});
