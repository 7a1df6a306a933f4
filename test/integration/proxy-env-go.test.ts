/**
 * Proxy choice held against Go itself: for each environment, the real
 * net/http.ProxyFromEnvironment (test/go/proxy-choice.go, the
 * golang.org/x/net/http/httpproxy rules kubectl, helm and the vault CLI run) and
 * core/proxy-env.ts must pick the same proxy, or both go direct, or both refuse
 * the variable. Hosts are ones Go's url.Parse and the WHATWG URL parser read
 * alike (WHATWG reads "010.0.0.1" as octal; Go keeps it as a name).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { proxyFor } from "../../src/core/proxy-env.js";
import { goProgram } from "../helpers/go-program.js";
import { runChild } from "../helpers/run-child.js";

let program: string;
beforeAll(async () => {
  program = await goProgram("test/go/proxy-choice.go", "install it: apt-get install -y golang-go");
}, 180_000);

const TARGETS = [
  "https://10.0.0.1/",
  "https://10.0.0.1:6443/",
  "http://10.0.0.1/",
  "https://10.1.2.3/",
  "https://192.168.1.10:8443/",
  "https://[fd00::1]/",
  "https://[fd00::1]:6443/",
  "https://[::ffff:a00:1]/",
  "https://[::ffff:7f00:1]/",
  "https://127.0.0.2/",
  "https://[::1]:8200/",
  "https://localhost:8200/",
  "https://api.example.com/",
  "https://api.example.com:6443/",
  "https://example.com/",
  "https://deep.api.example.com/",
  "https://notexample.com/",
  "http://vault.internal:8200/",
  "https://xn--bcher-kva.example/",
];

const PROXY = { HTTPS_PROXY: "proxy.corp:3128", HTTP_PROXY: "http://web.corp:8080" };

/** NO_PROXY values, each tried against every target. */
const NO_PROXY = [
  "",
  "*",
  "10.0.0.1",
  "010.0.0.1",
  "10.0.0.01",
  "10.0.0.0/8",
  "010.0.0.0/8",
  "10.0.0.0/33",
  "10.0.0.1:6443",
  "10.0.0.1:443",
  "[fd00::1]",
  "fd00::1",
  "[fd00::1]:6443",
  "fd00::/8",
  "::ffff:10.0.0.1",
  "::ffff:10.0.0.0/104",
  "10.0.0.0/8,fd00::/16",
  "example.com",
  ".example.com",
  "*.example.com",
  "EXAMPLE.COM",
  " api.example.com , vault.internal ",
  "api.example.com:6443",
  "example.com:443",
  ":6443",
  ".0.0.1",
  "bücher.example",
  "*",
  "localhost,127.0.0.1",
  "notexample.com,,",
];

interface Env {
  [key: string]: string;
}

/** Go's choice for each target under env, one line each. */
async function goChoices(env: Env): Promise<string[]> {
  const r = await runChild(program, TARGETS, { env: { PATH: process.env.PATH ?? "", ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split("\n");
}

function ourChoice(target: string, env: Env): string {
  try {
    const chosen = proxyFor(new URL(target), env);
    return chosen ? chosen.proxy.href : "DIRECT";
  } catch {
    return "ERROR";
  }
}

const normalise = (choice: string) =>
  choice === "DIRECT" || choice === "ERROR" ? choice : new URL(choice).href;

async function compare(env: Env) {
  const go = await goChoices(env);
  const differences = TARGETS.flatMap((target, i) => {
    const ours = ourChoice(target, env);
    const theirs = normalise(go[i]!);
    return ours === theirs ? [] : [`${target}: Go ${theirs}, ours ${ours}`];
  });
  expect(differences, JSON.stringify(env)).toEqual([]);
}

describe("proxy choice agrees with Go's net/http", () => {
  it.each(NO_PROXY.map((value) => [value]))("NO_PROXY=%j", async (value) => {
    await compare({ ...PROXY, NO_PROXY: value });
  });

  it.each([
    [{ https_proxy: "http://lower:1", NO_PROXY: "" }],
    [{ HTTPS_PROXY: "", https_proxy: "http://lower:1" }],
    [{ HTTPS_PROXY: "socks5://sock:1080" }],
    [{ HTTPS_PROXY: "https://secure:443" }],
    [{ HTTPS_PROXY: "http://user:pa%20ss@proxy:3128" }],
    // Neither Go nor we refuse it: "http://" goes in front, and the proxy is a host named "http".
    [{ HTTPS_PROXY: "http://[bad" }],
    [{ HTTPS_PROXY: "http://proxy:3128", REQUEST_METHOD: "GET" }],
    [{ HTTP_PROXY: "web:8080", no_proxy: "10.0.0.0/8" }],
    [{ HTTPS_PROXY: "proxy:3128", NO_PROXY: "", no_proxy: "example.com" }],
  ] as Env[][])("%j", async (env) => {
    await compare(env);
  });
});

/**
 * Where we part from Go on purpose, each asserted on both sides so a change in
 * either shows. httpproxy's parseProxy knows the schemes http, https and socks5; a
 * value with any other scheme gets "http://" put in front and is used as whatever
 * that makes of it (a proxy host named "ftp"). We say which variable is wrong
 * instead (the value is never echoed). Under CGI
 * (REQUEST_METHOD set) Go refuses an http request HTTP_PROXY would send through a
 * proxy; we send it direct, which keeps HTTP_PROXY unused all the same.
 */
describe("where proxy choice parts from Go on purpose", () => {
  it.each([
    [
      "socks5h is a SOCKS proxy that resolves names, not an HTTP proxy named 'socks5h'",
      { HTTPS_PROXY: "socks5h://sock:1080" },
      "https://api.example.com/",
      "http://socks5h://sock:1080",
      "socks5h://sock:1080",
    ],
    [
      "a scheme that is no proxy's is an error naming the variable, not a proxy named 'ftp'",
      { HTTPS_PROXY: "ftp://nope:21" },
      "https://api.example.com/",
      "http://ftp://nope:21",
      "ERROR",
    ],
    [
      "under CGI an http request goes direct rather than failing",
      { HTTP_PROXY: "http://web:8080", REQUEST_METHOD: "GET" },
      "http://vault.internal:8200/",
      "ERROR",
      "DIRECT",
    ],
  ])("%s", async (_, env, target, go, ours) => {
    const r = await runChild(program, [target], { env: { PATH: process.env.PATH ?? "", ...env } });
    expect(r.stdout.trim()).toBe(go);
    expect(ourChoice(target, env)).toBe(
      ours === "ERROR" || ours === "DIRECT" ? ours : new URL(ours).href,
    );
  });
});
