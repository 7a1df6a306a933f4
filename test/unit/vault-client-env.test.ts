/**
 * The vault CLI's parsing rules, case by case from Go's documentation (strconv.ParseBool,
 * time.ParseDuration, strconv.ParseUint) and go-secure-stdlib's ParseDurationSecond;
 * the token helper line of ~/.vault; which proxy Vault's requests take.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import { vaultProxy } from "../../src/config/vault-env.js";
import { tokenHelperIn, vaultCliConfigPath } from "../../src/config/vault-token.js";
import { parseDurationSecond, parseGoBool, parseGoUint32 } from "../../src/core/go-parse.js";
import { tlsFailure } from "../../src/flows/vault-ready.js";

describe("Go's strconv.ParseBool", () => {
  it.each([
    ["1", true],
    ["t", true],
    ["T", true],
    ["TRUE", true],
    ["true", true],
    ["True", true],
    ["0", false],
    ["f", false],
    ["F", false],
    ["FALSE", false],
    ["false", false],
    ["False", false],
    ["yes", undefined],
    ["on", undefined],
    ["tRUE", undefined],
    [" true", undefined],
    ["", undefined],
  ])("%j → %j", (text, expected) => expect(parseGoBool(text)).toBe(expected));
});

describe("parseutil.ParseDurationSecond (VAULT_CLIENT_TIMEOUT), in ms", () => {
  it.each([
    ["30", 30_000],
    ["0", 0],
    ["2d", 172_800_000],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["300ms", 300],
    ["2us", 0.002],
    [".5s", 500],
    ["1.s", 1000],
    ["-1s", -1000],
    ["abc", undefined],
    ["1", 1000],
    ["5x", undefined],
    ["s", undefined],
    ["1.5", undefined],
    ["1 s", undefined],
    ["1d2h", undefined],
  ])("%j → %j", (text, expected) => expect(parseDurationSecond(text)).toBe(expected));
});

describe("strconv.ParseUint(s, 10, 32) (VAULT_MAX_RETRIES)", () => {
  it.each([
    ["0", 0],
    ["2", 2],
    ["4294967295", 4294967295],
    ["4294967296", undefined],
    ["-1", undefined],
    ["+1", undefined],
    ["1.0", undefined],
    ["", undefined],
  ])("%j → %j", (text, expected) => expect(parseGoUint32(text)).toBe(expected));
});

describe("the schema reads the variables so", () => {
  const vault = (env: NodeJS.ProcessEnv) => resolveConfig({ cwd: "/", env }).config.vault;
  it("VAULT_CLIENT_TIMEOUT in ms, 0 for the default; VAULT_MAX_RETRIES bounded", () => {
    expect(vault({ VAULT_CLIENT_TIMEOUT: "1m30s" }).clientTimeout).toBe(90_000);
    expect(vault({ VAULT_CLIENT_TIMEOUT: "5" }).clientTimeout).toBe(5000);
    expect(vault({ VAULT_CLIENT_TIMEOUT: "0" }).clientTimeout).toBe(10_000);
    expect(() => vault({ VAULT_CLIENT_TIMEOUT: "-5s" })).toThrow(/must not be negative/);
    expect(vault({ VAULT_MAX_RETRIES: "0" }).maxRetries).toBe(0);
    expect(() => vault({ VAULT_MAX_RETRIES: "4000" })).toThrow(/at most 100 retries/);
    expect(vault({ VAULT_SKIP_VERIFY: "F" }).skipVerify).toBe(false);
  });
});

describe("the vault CLI's config file", () => {
  it("VAULT_CONFIG_PATH with ~, else ~/.vault", () => {
    expect(vaultCliConfigPath({}, "/home/d")).toBe("/home/d/.vault");
    expect(vaultCliConfigPath({ VAULT_CONFIG_PATH: "~/cfg/vault.hcl" }, "/home/d")).toBe(
      "/home/d/cfg/vault.hcl",
    );
    expect(vaultCliConfigPath({ VAULT_CONFIG_PATH: "/etc/vault.hcl" }, "/home/d")).toBe(
      "/etc/vault.hcl",
    );
  });
  it("token_helper in HCL or JSON, comments skipped", () => {
    expect(tokenHelperIn('token_helper = "/usr/local/bin/helper"\n')).toBe("/usr/local/bin/helper");
    expect(tokenHelperIn('# token_helper = "/old"\n  token_helper="/new" # now\n')).toBe("/new");
    expect(tokenHelperIn('{\n  "token_helper": "C:\\\\bin\\\\h.exe"\n}')).toBe("C:\\bin\\h.exe");
    expect(tokenHelperIn("// nothing here\n")).toBeUndefined();
  });
});

describe("the proxy of Vault's requests", () => {
  const via = (addr: string, env: NodeJS.ProcessEnv) => vaultProxy(addr, env)?.url.href;
  it("follows HTTPS_PROXY / HTTP_PROXY / NO_PROXY by Go's rules (never for loopback)", () => {
    const env = { HTTPS_PROXY: "proxy:3128", HTTP_PROXY: "http://p80:80" };
    expect(via("https://vault.corp:8200", env)).toBe("http://proxy:3128/");
    expect(via("http://vault.corp:8200", env)).toBe("http://p80/");
    expect(via("https://127.0.0.1:8200", env)).toBeUndefined();
    expect(via("https://vault.corp:8200", { ...env, NO_PROXY: ".corp" })).toBeUndefined();
  });
  it("VAULT_PROXY_ADDR, else VAULT_HTTP_PROXY, for every request, as the vault CLI", () => {
    const env = { HTTPS_PROXY: "http://a:1", VAULT_HTTP_PROXY: "http://b:2", NO_PROXY: "*" };
    expect(via("https://127.0.0.1:8200", env)).toBe("http://b:2/");
    expect(via("https://vault.corp", { ...env, VAULT_PROXY_ADDR: "http://c:3" })).toBe(
      "http://c:3/",
    );
  });
  it("refuses a socks proxy and a malformed one, naming the variable", () => {
    expect(() => vaultProxy("https://vault.corp", { HTTPS_PROXY: "socks5://s:1080" })).toThrow(
      /HTTPS_PROXY: a socks5 proxy is not supported for Vault/,
    );
    expect(() =>
      vaultProxy("https://vault.corp", { VAULT_PROXY_ADDR: "ftp://user:s3cret@proxy:21" }),
    ).toThrow(/^VAULT_PROXY_ADDR: the value is not a proxy URL/);
  });
});

describe("TLS failures name their cause", () => {
  it.each([
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", /CA this machine does not trust/, /VAULT_CACERT/],
    ["SELF_SIGNED_CERT_IN_CHAIN", /CA this machine does not trust/, /VAULT_CACERT/],
    ["ERR_TLS_CERT_ALTNAME_INVALID", /not issued for the host/, /VAULT_TLS_SERVER_NAME/],
    ["CERT_HAS_EXPIRED", /expired/, /renew/],
    [
      "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
      /requires a client certificate/,
      /VAULT_CLIENT_CERT/,
    ],
    ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA", /requires a client certificate/, /VAULT_CLIENT_CERT/],
    ["ERR_SSL_WRONG_VERSION_NUMBER", /does not speak TLS/, /http:\/\//],
  ])("%s", (code, cause, hint) => {
    // As sent without a client certificate.
    const failure = tlsFailure(code);
    expect(failure?.cause).toMatch(cause);
    expect(failure?.hint).toMatch(hint);
  });
  it("a client-certificate alert without a certificate sent means one is required (Go's bad_certificate)", () => {
    expect(tlsFailure("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", false)?.cause).toMatch(
      /requires a client certificate/,
    );
    expect(tlsFailure("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE", true)?.cause).toMatch(
      /refused the client certificate/,
    );
  });
  it("network failures are no TLS failure (they are retried)", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENOTFOUND", "EPROXY"])
      expect(tlsFailure(code)).toBeUndefined();
  });
});
