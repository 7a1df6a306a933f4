/**
 * Proxy choice by the rules of Go's golang.org/x/net/http/httpproxy (FromEnvironment,
 * ProxyFunc, useProxy, the NO_PROXY matchers), which kubectl and the vault CLI follow.
 */
import { describe, expect, it } from "vitest";
import { bypassesProxy, proxyFor } from "../../src/core/proxy-env.js";

const via = (url: string, env: NodeJS.ProcessEnv) => proxyFor(new URL(url), env)?.proxy.href;

describe("proxyFor", () => {
  it.each([
    [
      "https goes through HTTPS_PROXY",
      "https://vault.corp:8200",
      { HTTPS_PROXY: "http://p:3128" },
      "http://p:3128/",
    ],
    [
      "http goes through HTTP_PROXY",
      "http://vault.corp:8200",
      { HTTP_PROXY: "http://p:3128" },
      "http://p:3128/",
    ],
    ["https ignores HTTP_PROXY", "https://vault.corp", { HTTP_PROXY: "http://p:3128" }, undefined],
    [
      "upper case wins over lower case",
      "https://a.corp",
      { HTTPS_PROXY: "http://up:1", https_proxy: "http://low:2" },
      "http://up:1/",
    ],
    [
      "lower case alone is used",
      "https://a.corp",
      { https_proxy: "http://low:2" },
      "http://low:2/",
    ],
    [
      "an empty upper case falls to lower case (getEnvAny)",
      "https://a.corp",
      { HTTPS_PROXY: "", https_proxy: "http://low:2" },
      "http://low:2/",
    ],
    [
      "a proxy without a scheme is http://",
      "https://a.corp",
      { HTTPS_PROXY: "p.corp:3128" },
      "http://p.corp:3128/",
    ],
    ["socks5 is kept", "https://a.corp", { HTTPS_PROXY: "socks5://s:1080" }, "socks5://s:1080"],
    ["localhost never", "https://localhost:8200", { HTTPS_PROXY: "http://p:1" }, undefined],
    ["loopback IPv4 never", "https://127.0.0.2:8200", { HTTPS_PROXY: "http://p:1" }, undefined],
    ["loopback IPv6 never", "https://[::1]:8200", { HTTPS_PROXY: "http://p:1" }, undefined],
    [
      "HTTP_PROXY is ignored under CGI (REQUEST_METHOD)",
      "http://a.corp",
      { HTTP_PROXY: "http://p:1", REQUEST_METHOD: "GET" },
      undefined,
    ],
    [
      "NO_PROXY=* bypasses all",
      "https://a.corp",
      { HTTPS_PROXY: "http://p:1", NO_PROXY: "*" },
      undefined,
    ],
    [
      "no_proxy is read when NO_PROXY is unset",
      "https://a.corp",
      { HTTPS_PROXY: "http://p:1", no_proxy: "a.corp" },
      undefined,
    ],
  ])("%s", (_, url, env, expected) => {
    expect(via(url, env as NodeJS.ProcessEnv)).toBe(expected);
  });

  it("a malformed proxy names its variable, never its value (it may hold a password)", () => {
    const bad = () => proxyFor(new URL("https://a.corp"), { HTTPS_PROXY: "ftp://u:s3cret@p:1" });
    expect(bad).toThrow(/^HTTPS_PROXY: the value is not a proxy URL/);
    expect(bad).not.toThrow(/s3cret/);
  });
});

describe("bypassesProxy (NO_PROXY matching)", () => {
  it.each([
    ["a domain matches itself", "example.com", "example.com", "443", true],
    ["a domain matches its subdomains", "example.com", "api.example.com", "443", true],
    ["but not a longer name", "example.com", "notexample.com", "443", false],
    ["a leading dot matches subdomains only", ".example.com", "example.com", "443", false],
    ["a leading dot matches a subdomain", ".example.com", "a.example.com", "443", true],
    ["*. is the same as a leading dot", "*.example.com", "example.com", "443", false],
    ["*. matches a subdomain", "*.example.com", "a.example.com", "443", true],
    ["a port limits the match", "example.com:8200", "example.com", "443", false],
    ["the right port matches", "example.com:8200", "example.com", "8200", true],
    ["case does not matter", "EXAMPLE.com", "Api.Example.COM", "443", true],
    ["blanks around entries are trimmed", " a.corp , b.corp ", "b.corp", "443", true],
    ["an IP matches that IP", "10.1.2.3", "10.1.2.3", "443", true],
    ["an IP does not match another", "10.1.2.3", "10.1.2.4", "443", false],
    ["a CIDR matches inside", "10.0.0.0/8", "10.200.3.4", "443", true],
    ["a CIDR does not match outside", "10.0.0.0/8", "11.0.0.1", "443", false],
    ["a CIDR does not match a host name", "10.0.0.0/8", "ten.corp", "443", false],
    ["an IPv6 CIDR matches inside", "fd00::/8", "fd12:3456::1", "443", true],
    ["an IPv6 literal with a port", "[fd00::1]:8200", "fd00::1", "8200", true],
  ])("%s", (_, noProxy, host, port, expected) => {
    expect(bypassesProxy(noProxy, host, port)).toBe(expected);
  });
});

describe("IPv6 forms in NO_PROXY", () => {
  it.each([
    ["an embedded IPv4 after ::ffff:", "::ffff:10.0.0.0/104", "::ffff:10.1.2.3", true],
    ["an embedded IPv4 alone after ::", "::10.1.2.3", "::a01:203", true],
    ["full and compressed spellings are the same address", "fd00:0:0:0:0:0:0:1", "fd00::1", true],
  ])("%s", (_, noProxy, host, expected) => {
    expect(bypassesProxy(noProxy, host, "443")).toBe(expected);
  });
});
