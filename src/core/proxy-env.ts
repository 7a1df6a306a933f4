/**
 * Which proxy a request to a URL goes through, from the environment, by the rules of
 * Go's golang.org/x/net/http/httpproxy (`FromEnvironment`, `Config.ProxyFunc`,
 * `useProxy`), which kubectl and the vault CLI both follow, so dev-bootstrap goes
 * where they go in the same shell:
 *
 * - HTTPS_PROXY for https URLs, HTTP_PROXY for http URLs; each upper case first, then
 *   lower case (`getEnvAny`); an empty value means none. HTTP_PROXY is ignored when
 *   REQUEST_METHOD is set (CGI, "httpoxy").
 * - A proxy without a scheme is taken as http://; schemes http, https, socks5, socks5h.
 * - Never for `localhost` or a loopback IP.
 * - NO_PROXY (then no_proxy): `*` matches everything; otherwise comma-separated entries,
 *   trimmed and lower-cased: a CIDR (`10.0.0.0/8`) matches IPs in it; an IP matches
 *   that IP; `host[:port]` matches the host and its subdomains; `.host` and `*.host`
 *   match subdomains only. An entry with a port matches only that port.
 * - Addresses as Go's net package reads them: no leading zeros in IPv4 parts, and an
 *   IPv4-mapped IPv6 address is the IPv4 address.
 * Held against Go's own net/http in test/integration/proxy-env-go.test.ts, which also
 * lists where we part from it on purpose (socks5h, an unknown scheme, CGI).
 * Pure: the environment is passed in.
 */

/**
 * An IPv4 address as a 32-bit number, or undefined. A part with a leading zero
 * ("010") is no address: Go's net.ParseIP refuses it since Go 1.17, so such a
 * NO_PROXY entry is a name to Go, matched as text.
 */
function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255))
    return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** An IPv6 address as a 128-bit bigint, or undefined (`::` and a trailing IPv4 allowed). */
function ipv6(text: string): bigint | undefined {
  if (!text.includes(":")) return undefined;
  let body = text;
  const tail: number[] = [];
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4) {
    const n = ipv4(v4[1]!);
    if (n === undefined) return undefined;
    tail.push(n >>> 16, n & 0xffff);
    // "::1.2.3.4" keeps its "::"; "64:ff9b::1.2.3.4" drops the colon before the IPv4.
    const before = body.slice(0, v4.index);
    body = before.endsWith(":") ? `${before}:` : before;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const missing = 8 - head.length - rest.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [
    ...head.map((g) => Number.parseInt(g, 16)),
    ...Array<number>(halves.length === 2 ? missing : 0).fill(0),
    ...rest.map((g) => Number.parseInt(g, 16)),
    ...tail,
  ];
  return all.reduce((n, g) => (n << 16n) | BigInt(g), 0n);
}

/** The IPv6 prefix of an IPv4-mapped address (::ffff:0:0/96). */
const MAPPED = 0xffffn << 32n;

/**
 * The address as a family and a number, or undefined when `text` is no IP literal.
 * An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is the IPv4 address, as in Go,
 * where net.IP.Equal, IPNet.Contains and IsLoopback treat the two forms alike.
 */
function ipOf(text: string): { family: 4 | 6; value: bigint } | undefined {
  const four = ipv4(text);
  if (four !== undefined) return { family: 4, value: BigInt(four) };
  const six = ipv6(text);
  if (six === undefined) return undefined;
  return six >> 32n === MAPPED >> 32n
    ? { family: 4, value: six & 0xffffffffn }
    : { family: 6, value: six };
}

/**
 * A CIDR entry's network, by Go's net.ParseCIDR and IPNet.Contains: the address is
 * masked first, and an IPv4-mapped network of /96 or more is the IPv4 network of
 * the remaining bits (::ffff:10.0.0.0/104 is 10.0.0.0/8).
 */
function networkOf(entry: string): { family: 4 | 6; value: bigint; bits: number } | undefined {
  const [address, bitsText, extra] = entry.split("/");
  if (extra !== undefined || !/^\d{1,6}$/.test(bitsText ?? "")) return undefined;
  const bits = Number(bitsText);
  const four = ipv4(address ?? "");
  if (four !== undefined)
    return bits > 32 ? undefined : { family: 4, value: BigInt(four) >> BigInt(32 - bits), bits };
  const six = ipv6(address ?? "");
  if (six === undefined || bits > 128) return undefined;
  const masked = (six >> BigInt(128 - bits)) << BigInt(128 - bits);
  if (bits >= 96 && masked >> 32n === MAPPED >> 32n)
    return { family: 4, value: (masked & 0xffffffffn) >> BigInt(128 - bits), bits: bits - 96 };
  return { family: 6, value: six >> BigInt(128 - bits), bits };
}

interface ProxyChoice {
  /** The proxy's URL, normalised (scheme added when missing). */
  proxy: URL;
  /** The variable it came from, for messages. */
  from: string;
}

const SCHEMES = new Set(["http:", "https:", "socks5:", "socks5h:"]);

function envAny(env: NodeJS.ProcessEnv, ...names: string[]): { value: string; from: string } {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") return { value, from: name };
  }
  return { value: "", from: "" };
}

/**
 * The proxy URL a variable holds; throws an Error naming the variable when it is not
 * one. The value is never echoed: a proxy URL may carry a password.
 */
export function parseProxy(value: string, from: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {}
  // Go: a URL without a scheme (or one url.Parse reads as a bare path) gets http://.
  if (!url || !SCHEMES.has(url.protocol) || !url.host) {
    try {
      const withScheme = new URL(`http://${value}`);
      if (!url?.host) url = withScheme;
    } catch {}
  }
  if (!url?.host || !SCHEMES.has(url.protocol))
    throw new Error(`${from}: the value is not a proxy URL (http, https, socks5 or socks5h)`);
  return url;
}

function defaultPort(protocol: string): string {
  return protocol === "https:" ? "443" : "80";
}

/**
 * Splits an entry as Go's net.SplitHostPort does; where that fails (no port, too many
 * colons), the whole entry is the host, brackets and all, as httpproxy takes it. So
 * "[fd00::1]" is a name that matches no address, "fd00::1" is the address, and
 * "example.com:" matches every port.
 */
function splitEntry(entry: string): { host: string; port: string } {
  const whole = { host: entry, port: "" };
  const last = entry.lastIndexOf(":");
  if (last < 0) return whole;
  if (entry.startsWith("[")) {
    const end = entry.indexOf("]");
    if (end < 0 || end + 1 !== last) return whole;
    const host = entry.slice(1, end);
    if (host.includes("[") || entry.slice(end + 1).includes("]")) return whole;
    return { host, port: entry.slice(last + 1) };
  }
  const host = entry.slice(0, last);
  if (host.includes(":") || host.includes("[") || host.includes("]")) return whole;
  return { host, port: entry.slice(last + 1) };
}

/**
 * A domain suffix (".example") in ASCII, as httpproxy's idnaASCII makes it; unchanged
 * when it is ASCII already or cannot be made so.
 */
function asciiSuffix(suffix: string): string {
  if (!/[^\x20-\x7e]/.test(suffix)) return suffix;
  try {
    // The WHATWG URL parser applies UTS #46 ToASCII to a host, as Go's idna.Lookup does.
    return new URL(`http://x${suffix}`).hostname.slice(1);
  } catch {
    return suffix;
  }
}

/** True when NO_PROXY says `host:port` goes direct. */
export function bypassesProxy(noProxy: string, host: string, port: string): boolean {
  const target = host.toLowerCase().replace(/^\[|\]$/g, "");
  for (const raw of noProxy.split(",")) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === "*") return true;
    if (entry.includes("/")) {
      const net = networkOf(entry);
      const ip = ipOf(target);
      if (net && ip && ip.family === net.family) {
        const width = net.family === 6 ? 128 : 32;
        if (ip.value >> BigInt(width - net.bits) === net.value) return true;
        continue;
      }
      // Go: an entry net.ParseCIDR refuses is read as a name below (it matches only as text).
      if (net) continue;
    }
    const { host: h, port: p } = splitEntry(entry);
    // Go: an entry with no host ("[]:80", ":6443") is malformed and skipped.
    if (!h) continue;
    if (p && p !== port) continue;
    const entryIp = ipOf(h);
    if (entryIp) {
      const ip = ipOf(target);
      if (ip && ip.family === entryIp.family && ip.value === entryIp.value) return true;
      continue;
    }
    let suffix = h.startsWith("*.") ? h.slice(1) : h;
    const matchHost = !suffix.startsWith(".");
    if (matchHost) suffix = `.${suffix}`;
    suffix = asciiSuffix(suffix);
    if (target.endsWith(suffix) || (matchHost && target === suffix.slice(1))) return true;
  }
  return false;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  if (h.toLowerCase() === "localhost") return true;
  const ip = ipOf(h);
  if (ip?.family === 4) return ip.value >> 24n === 127n;
  return ip?.family === 6 && ip.value === 1n;
}

/** The proxy for `target`, or undefined to go direct. Throws when the variable is malformed. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv): ProxyChoice | undefined {
  const https = target.protocol === "https:";
  const chosen = https
    ? envAny(env, "HTTPS_PROXY", "https_proxy")
    : env.REQUEST_METHOD
      ? { value: "", from: "" }
      : envAny(env, "HTTP_PROXY", "http_proxy");
  if (!chosen.value) return undefined;
  const host = target.hostname;
  if (isLoopback(host)) return undefined;
  const port = target.port || defaultPort(target.protocol);
  const noProxy = envAny(env, "NO_PROXY", "no_proxy").value;
  if (bypassesProxy(noProxy, host, port)) return undefined;
  return { proxy: parseProxy(chosen.value, chosen.from), from: chosen.from };
}
