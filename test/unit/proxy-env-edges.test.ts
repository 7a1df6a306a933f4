/**
 * The edges of proxy choice, by Go's httpproxy rules (kubectl and the vault CLI in
 * the same shell go where we go): address literals that are not addresses, CIDR
 * widths out of range, ports taken from the scheme, loopback, proxy URL forms.
 */
import { describe, expect, it } from "vitest";
import { bypassesProxy, parseProxy, proxyFor } from "../../src/core/proxy-env.js";

const via = (url: string, env: NodeJS.ProcessEnv) => proxyFor(new URL(url), env)?.proxy.href;

describe("NO_PROXY address entries", () => {
  it.each([
    ["the top of an IPv4 range", "10.0.0.0/8", "10.255.255.255", true],
    ["an IPv4 part past 255 is no address", "10.0.0.0/8", "10.0.0.256", false],
    ["three parts are no address", "10.0.0.0/8", "10.0.1", false],
    ["a part of four digits is no address", "10.0.0.0/8", "10.0.0.0001", false],
    ["/0 takes every IPv4 address", "0.0.0.0/0", "203.0.113.9", true],
    ["/32 takes the one address", "203.0.113.9/32", "203.0.113.9", true],
    ["/32 no other", "203.0.113.9/32", "203.0.113.8", false],
    ["a width past 32 is skipped", "10.0.0.0/33", "10.0.0.1", false],
    ["a negative width is skipped", "10.0.0.0/-1", "10.0.0.1", false],
    ["a width that is no number is skipped", "10.0.0.0/x", "10.0.0.1", false],
    ["a network that is no address is skipped", "10.0.0/8", "10.0.0.1", false],
    ["an IPv4 range does not take an IPv6 address", "0.0.0.0/0", "fd00::1", false],
    ["an IPv6 range does not take an IPv4 address", "::/0", "10.0.0.1", false],
    ["::/0 takes every IPv6 address", "::/0", "1:2:3:4:5:6:7:8", true],
    ["/128 takes the one address", "fd00::1/128", "fd00::1", true],
    ["/128 no other", "fd00::1/128", "fd00::2", false],
    ["a width past 128 is skipped", "fd00::/129", "fd00::1", false],
    ["seven groups without :: are no address", "::/0", "1:2:3:4:5:6:7", false],
    ["nine groups are no address", "::/0", "1:2:3:4:5:6:7:8:9", false],
    [":: with eight groups is no address", "::/0", "1::2:3:4:5:6:7:8", false],
    ["two :: are no address", "::/0", "fd00::1::2", false],
    ["a group that is not hex is no address", "::/0", "fd00::g", false],
    ["a group of five digits is no address", "::/0", "fd00::12345", false],
    ["an IPv6 address ending in an IPv4 one", "64:ff9b::/96", "64:ff9b::192.0.2.1", true],
    ["an IPv4 tail past 255 is no address", "::/0", "64:ff9b::192.0.2.256", false],
    ["the IPv4 tail counts as two groups", "::/0", "1:2:3:4:5:6:1.2.3.4", true],
    ["too many groups with an IPv4 tail", "::/0", "1:2:3:4:5:6:7:1.2.3.4", false],
  ])("%s", (_, noProxy, host, expected) => {
    expect(bypassesProxy(noProxy, host, "443")).toBe(expected);
  });

  it("an IPv6 entry matches the same address written another way, and only an address", () => {
    expect(bypassesProxy("fd00:0::1", "fd00:0:0:0:0:0:0:1", "443")).toBe(true);
    expect(bypassesProxy("fd00::1", "fd00::2", "443")).toBe(false);
    expect(bypassesProxy("10.0.0.1", "10.0.0.1.nip.io", "443")).toBe(false);
    // Go's httpproxy strips brackets only with a port: "[fd00::1]" is a name that matches no address.
    expect(bypassesProxy("[fd00::1]", "fd00::1", "443")).toBe(false);
    expect(bypassesProxy("[fd00::1]:8200", "fd00::1", "443")).toBe(false);
    expect(bypassesProxy("10.0.0.1:8200", "10.0.0.1", "443")).toBe(false);
    expect(bypassesProxy("10.0.0.1:8200", "10.0.0.1", "8200")).toBe(true);
    expect(bypassesProxy("fd00::1", "[fd00::1]", "443")).toBe(true);
  });

  it("empty entries are skipped; an entry whose port is no number matches no port", () => {
    expect(bypassesProxy(",, ,", "a.corp", "443")).toBe(false);
    expect(bypassesProxy("", "a.corp", "443")).toBe(false);
    expect(bypassesProxy("a.corp:https", "a.corp", "443")).toBe(false);
    expect(bypassesProxy("b.corp,a.corp", "a.corp", "443")).toBe(true);
    expect(bypassesProxy(".corp", "corp", "443")).toBe(false);
    expect(bypassesProxy("corp", "acorp", "443")).toBe(false);
  });
});

describe("NO_PROXY entries as Go reads them (test/integration/proxy-env-go.test.ts holds them against Go)", () => {
  it("an IPv4 part with a leading zero makes a name, matched only as text (Go 1.17+)", () => {
    expect(bypassesProxy("010.0.0.1", "10.0.0.1", "443")).toBe(false);
    expect(bypassesProxy("10.0.0.01", "10.0.0.1", "443")).toBe(false);
    expect(bypassesProxy("010.0.0.0/8", "10.1.2.3", "443")).toBe(false);
    expect(bypassesProxy("10.0.0.0/08", "10.1.2.3", "443")).toBe(true);
    expect(bypassesProxy("0.0.0.0/0", "10.0.0.1", "443")).toBe(true);
  });

  it("an IPv4-mapped IPv6 address is the IPv4 address, both as entry and as host", () => {
    expect(bypassesProxy("::ffff:10.0.0.1", "10.0.0.1", "443")).toBe(true);
    expect(bypassesProxy("10.0.0.1", "::ffff:a00:1", "443")).toBe(true);
    expect(bypassesProxy("10.0.0.0/8", "::ffff:a01:203", "443")).toBe(true);
    expect(bypassesProxy("::ffff:10.0.0.0/104", "10.1.2.3", "443")).toBe(true);
    expect(bypassesProxy("::ffff:10.0.0.0/104", "11.0.0.1", "443")).toBe(false);
    expect(bypassesProxy("::ffff:10.0.0.1", "10.0.0.2", "443")).toBe(false);
    expect(bypassesProxy("fd00::/8", "10.0.0.1", "443")).toBe(false);
    expect(via("https://[::ffff:7f00:1]/", { HTTPS_PROXY: "http://p:1" })).toBeUndefined();
  });

  it("a CIDR Go's net.ParseCIDR refuses matches nothing, not even its own address", () => {
    expect(bypassesProxy("10.0.0.1/33", "10.0.0.1", "443")).toBe(false);
    expect(bypassesProxy("fd00::1/129", "fd00::1", "443")).toBe(false);
    expect(bypassesProxy("10.0.0.0/8/8", "10.0.0.0", "443")).toBe(false);
    expect(bypassesProxy("10.0.0.0/8x", "10.0.0.0", "443")).toBe(false);
    expect(bypassesProxy("::ffff:0.0.0.0/96", "10.0.0.1", "443")).toBe(true);
    expect(bypassesProxy("::ffff:10.0.0.0/95", "10.0.0.1", "443")).toBe(false);
    expect(bypassesProxy("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", "443")).toBe(true);
  });

  it("an entry ending in a colon matches every port; one without a host is skipped", () => {
    expect(bypassesProxy("a.corp:", "a.corp", "6443")).toBe(true);
    expect(bypassesProxy(":6443", "a.corp", "6443")).toBe(false);
    expect(bypassesProxy("[]:6443", "a.corp", "6443")).toBe(false);
    expect(bypassesProxy("[fd00::1]:", "fd00::1", "443")).toBe(true);
  });

  it("a bracketed entry net.SplitHostPort refuses is a name that matches no address", () => {
    expect(bypassesProxy("[fd00::1]:443", "fd00::1", "443")).toBe(true);
    expect(bypassesProxy("[fd00::1]x:443", "fd00::1", "443")).toBe(false);
    expect(bypassesProxy("[fd00::1]:443:1", "fd00::1", "443")).toBe(false);
  });

  it("a name in Unicode matches its ASCII (IDNA) form", () => {
    expect(bypassesProxy("bücher.example", "xn--bcher-kva.example", "443")).toBe(true);
    expect(bypassesProxy(".bücher.example", "a.xn--bcher-kva.example", "443")).toBe(true);
    expect(bypassesProxy("bücher.example", "bucher.example", "443")).toBe(false);
  });
});

describe("proxyFor: ports from the scheme, loopback, variables", () => {
  it("an entry's port is compared with the URL's, or its scheme's default", () => {
    const env = { HTTP_PROXY: "http://p:1", HTTPS_PROXY: "http://p:1" };
    expect(via("http://a.corp", { ...env, NO_PROXY: "a.corp:80" })).toBeUndefined();
    expect(via("http://a.corp", { ...env, NO_PROXY: "a.corp:443" })).toBe("http://p:1/");
    expect(via("https://a.corp", { ...env, NO_PROXY: "a.corp:443" })).toBeUndefined();
    expect(via("https://a.corp", { ...env, NO_PROXY: "a.corp:80" })).toBe("http://p:1/");
    expect(via("https://a.corp:8200", { ...env, NO_PROXY: "a.corp:8200" })).toBeUndefined();
  });

  it("only loopback goes direct unasked: 127/8 and ::1, not their neighbours", () => {
    const env = { HTTPS_PROXY: "http://p:1" };
    expect(via("https://127.255.255.254", env)).toBeUndefined();
    expect(via("https://128.0.0.1", env)).toBe("http://p:1/");
    expect(via("https://126.255.255.255", env)).toBe("http://p:1/");
    expect(via("https://[::2]", env)).toBe("http://p:1/");
    expect(via("https://[::]", env)).toBe("http://p:1/");
    expect(via("https://localhost.corp", env)).toBe("http://p:1/");
  });

  it("an empty NO_PROXY falls to no_proxy; neither set bypasses nothing", () => {
    expect(
      via("https://a.corp", { HTTPS_PROXY: "http://p:1", NO_PROXY: "", no_proxy: "a.corp" }),
    ).toBeUndefined();
    expect(via("https://a.corp", { HTTPS_PROXY: "http://p:1" })).toBe("http://p:1/");
    expect(via("http://a.corp", { http_proxy: "http://low:2" })).toBe("http://low:2/");
    expect(via("http://a.corp", { HTTP_PROXY: "", http_proxy: "" })).toBeUndefined();
    expect(proxyFor(new URL("http://a.corp"), { HTTP_PROXY: "http://p:1" })?.from).toBe(
      "HTTP_PROXY",
    );
    expect(proxyFor(new URL("https://a.corp"), { https_proxy: "http://p:1" })?.from).toBe(
      "https_proxy",
    );
  });

  it("REQUEST_METHOD does not stop HTTPS_PROXY", () => {
    expect(via("https://a.corp", { HTTPS_PROXY: "http://p:1", REQUEST_METHOD: "GET" })).toBe(
      "http://p:1/",
    );
  });

  it("a malformed proxy is not an error when NO_PROXY or loopback sends the request direct", () => {
    expect(via("https://a.corp", { HTTPS_PROXY: "ftp://p", NO_PROXY: "a.corp" })).toBeUndefined();
    expect(via("https://127.0.0.1", { HTTPS_PROXY: "ftp://p" })).toBeUndefined();
  });
});

describe("parseProxy", () => {
  it.each([
    ["https://p.corp:443", "https://p.corp/"],
    ["socks5h://s:1080", "socks5h://s:1080"],
    ["socks5://u:pw@s:1080", "socks5://u:pw@s:1080"],
    ["p.corp", "http://p.corp/"],
    ["p.corp:3128", "http://p.corp:3128/"],
    ["10.0.0.5:3128", "http://10.0.0.5:3128/"],
    ["u:pw@p.corp:3128", "http://u:pw@p.corp:3128/"],
  ])("%s → %s", (value, href) => {
    expect(parseProxy(value, "HTTPS_PROXY").href).toBe(href);
  });

  it.each(["ftp://p.corp", "", "://", "gopher://p:70"])(
    "refuses %j, naming the variable",
    (value) => {
      expect(() => parseProxy(value, "http_proxy")).toThrow(
        "http_proxy: the value is not a proxy URL (http, https, socks5 or socks5h)",
      );
    },
  );
});
