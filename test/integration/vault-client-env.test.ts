/**
 * The vault CLI's client environment, against TLS servers made for the test with
 * openssl (a CA for Vault's certificate, another for client certificates, a third
 * that nobody trusts): a Vault that requires a client certificate, a certificate
 * issued for another name, a CA directory, the CLI's boolean, duration and count
 * parsing. Each run is the built CLI as its own process.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer, type Server } from "node:https";
import {
  connect,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { runChild } from "../helpers/run-child.js";
import { answerVaultPreamble, sendJson } from "../helpers/vault-preamble.js";
import { makeWorkspace } from "../helpers/workspace.js";

const TOKEN = "s.client-env-token";
const dir = mkdtempSync(join(tmpdir(), "vcenv-"));
const file = (name: string) => join(dir, name);
const ssl = async (...args: string[]) => {
  const r = await runChild("openssl", args, { cwd: dir });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
};

async function makeCa(name: string) {
  await ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
  );
}
async function issue(name: string, ca: string, subject: string, ext: string) {
  await ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    subject,
  );
  writeFileSync(file(`${name}.ext`), `${ext}\n`);
  await ssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  );
}

/** A Vault that answers the preamble and stores KV writes; records what it saw. */
function vaultHandler(seen: { tokens: string[]; paths: string[] }) {
  return (req: IncomingMessage, res: ServerResponse) => {
    seen.tokens.push(String(req.headers["x-vault-token"] ?? ""));
    const url = req.url!.split("?")[0]!;
    seen.paths.push(url);
    if (answerVaultPreamble(url, res)) return;
    if (url.startsWith("/v1/secret/data/")) {
      if (req.method === "GET") return sendJson(res, 404, { errors: [] });
      req.resume();
      req.on("end", () => sendJson(res, 200, { data: { version: 1 } }));
      return;
    }
    sendJson(res, 404, { errors: ["no route"] });
  };
}

const listen = (server: Server | TcpServer | ReturnType<typeof createHttpServer>) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );

let mtls: Server; // requires a client certificate from client-ca
let named: Server; // certificate for vault.test only
let silent: TcpServer; // accepts and never answers
const sockets: Socket[] = [];
let mtlsAddr = "";
let namedPort = 0;
let silentAddr = "";
const seen = { tokens: [] as string[], paths: [] as string[] };

beforeAll(async () => {
  await makeCa("ca");
  await makeCa("client-ca");
  await makeCa("stranger-ca");
  await issue("srv", "ca", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1");
  await issue("named", "ca", "/CN=vault.test", "subjectAltName=DNS:vault.test");
  await issue("client", "client-ca", "/CN=developer", "extendedKeyUsage=clientAuth");
  await issue("stranger", "stranger-ca", "/CN=stranger", "extendedKeyUsage=clientAuth");
  mkdirSync(file("cadir"));
  writeFileSync(file("cadir/ca.pem"), readFileSync(file("ca.pem")));
  writeFileSync(file("not-pem.txt"), "this is no certificate\n");
  mtls = createServer(
    {
      key: readFileSync(file("srv.key")),
      cert: readFileSync(file("srv.pem")),
      ca: readFileSync(file("client-ca.pem")),
      requestCert: true,
      rejectUnauthorized: true,
    },
    vaultHandler(seen),
  );
  named = createServer(
    { key: readFileSync(file("named.key")), cert: readFileSync(file("named.pem")) },
    vaultHandler(seen),
  );
  silent = createTcpServer((s) => sockets.push(s));
  mtlsAddr = `https://127.0.0.1:${await listen(mtls)}`;
  namedPort = await listen(named);
  silentAddr = `http://127.0.0.1:${await listen(silent)}`;
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  mtls.closeAllConnections();
  named.closeAllConnections();
  await Promise.all(
    [mtls, named, silent].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
  rmSync(dir, { recursive: true, force: true });
});

/** ensure-local-secrets --skip-eso with a long ready timeout: only a fail-fast ends it early. */
async function seed(env: Record<string, string>, readyTimeoutSeconds = 30) {
  const ws = makeWorkspace({
    "dev-bootstrap.yaml": `vault:\n  readyTimeoutSeconds: ${readyTimeoutSeconds}\n`,
    "vault/fixtures/a.yaml": "paths:\n  app/x:\n    A: b\n",
  });
  const started = Date.now();
  const r = await runCli(["ensure-local-secrets", "--skip-eso"], {
    cwd: ws.dir,
    env: cleanEnv({ VAULT_TOKEN: TOKEN, ...env }),
  });
  return { ...r, ms: Date.now() - started, out: r.stdout + r.stderr };
}

describe("a Vault that requires a client certificate", () => {
  it("works with VAULT_CLIENT_CERT and VAULT_CLIENT_KEY", async () => {
    const r = await seed({
      VAULT_ADDR: mtlsAddr,
      VAULT_CACERT: file("ca.pem"),
      VAULT_CLIENT_CERT: file("client.pem"),
      VAULT_CLIENT_KEY: file("client.key"),
    });
    expect(r.code, r.out).toBe(0);
    expect(r.stdout).toMatch(/Vault sync success/);
  });

  it("without them, fails in under 2 s saying a client certificate is required", async () => {
    const r = await seed({ VAULT_ADDR: mtlsAddr, VAULT_CACERT: file("ca.pem") });
    expect(r.code, r.out).toBe(1);
    // The step itself (its printed duration) in under 2 s, not the 30 s ready timeout;
    // the whole process, node's start included, well within the same order.
    const step = /\[vault:health\] ✖ .*\((\d+) ms\)/.exec(r.stdout);
    expect(Number(step?.[1])).toBeLessThan(2000);
    expect(r.ms).toBeLessThan(3500);
    expect(r.stdout).toMatch(/client certificate/);
    expect(r.stdout).toMatch(/hint: .*VAULT_CLIENT_CERT and VAULT_CLIENT_KEY/);
    expect(r.stdout).not.toMatch(/VAULT_CACERT to the PEM/);
  });

  it("a certificate from a CA Vault does not trust is refused at once, named as the client's", async () => {
    // OpenSSL's own server (not node's, which hangs up without an alert) verifies the
    // client certificate and sends the TLS alert a real Vault sends.
    const server = spawn(
      "openssl",
      [
        "s_server",
        "-accept",
        "127.0.0.1:0",
        "-cert",
        file("srv.pem"),
        "-key",
        file("srv.key"),
      ].concat(["-Verify", "1", "-CAfile", file("client-ca.pem"), "-verify_return_error", "-www"]),
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let text = "";
        server.stdout.on("data", (d) => {
          text += d;
          const found = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(text);
          if (found) resolve(found[1]!);
        });
        server.on("exit", () => reject(new Error(`openssl s_server exited: ${text}`)));
      });
      const r = await seed({
        VAULT_ADDR: `https://127.0.0.1:${port}`,
        VAULT_CACERT: file("ca.pem"),
        VAULT_CLIENT_CERT: file("stranger.pem"),
        VAULT_CLIENT_KEY: file("stranger.key"),
      });
      expect(r.code, r.out).toBe(1);
      expect(r.ms).toBeLessThan(3500);
      expect(r.stdout).toMatch(/refused the client certificate.*ERR_SSL_TLSV1_ALERT_UNKNOWN_CA/);
      expect(r.stdout).toMatch(/hint: .*VAULT_CLIENT_CERT and VAULT_CLIENT_KEY/);
    } finally {
      server.kill();
    }
  });

  it("a key that is not the certificate's, or a certificate without its key, is a config error", async () => {
    const mismatch = await seed({
      VAULT_ADDR: mtlsAddr,
      VAULT_CLIENT_CERT: file("client.pem"),
      VAULT_CLIENT_KEY: file("stranger.key"),
    });
    expect(mismatch.code).toBe(2);
    expect(mismatch.out).toMatch(
      /VAULT_CLIENT_KEY: .*stranger\.key is not the key of the certificate/,
    );
    const alone = await seed({ VAULT_ADDR: mtlsAddr, VAULT_CLIENT_CERT: file("client.pem") });
    expect(alone.code).toBe(2);
    expect(alone.out).toMatch(/VAULT_CLIENT_CERT is set without .*VAULT_CLIENT_KEY/);
  });
});

describe("Vault's certificate", () => {
  it("from an untrusted CA fails at once (not after the ready timeout) naming VAULT_CACERT", async () => {
    const r = await seed({ VAULT_ADDR: `https://127.0.0.1:${namedPort}` });
    expect(r.code, r.out).toBe(1);
    expect(r.ms).toBeLessThan(3500);
    expect(r.stdout).toMatch(/CA this machine does not trust.*hint: set VAULT_CACERT/);
  });

  it("issued for another name fails at once naming VAULT_TLS_SERVER_NAME; setting it works", async () => {
    const addr = `https://127.0.0.1:${namedPort}`;
    const wrong = await seed({ VAULT_ADDR: addr, VAULT_CACERT: file("ca.pem") });
    expect(wrong.code, wrong.out).toBe(1);
    expect(wrong.ms).toBeLessThan(3500);
    expect(wrong.stdout).toMatch(/not issued for the host.*ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(wrong.stdout).toMatch(/hint: .*VAULT_TLS_SERVER_NAME/);
    const right = await seed({
      VAULT_ADDR: addr,
      VAULT_CACERT: file("ca.pem"),
      VAULT_TLS_SERVER_NAME: "vault.test",
    });
    expect(right.code, right.out).toBe(0);
  });

  it("VAULT_CAPATH trusts a directory of CA files", async () => {
    const r = await seed({
      VAULT_ADDR: `https://127.0.0.1:${namedPort}`,
      VAULT_CAPATH: file("cadir"),
      VAULT_TLS_SERVER_NAME: "vault.test",
    });
    expect(r.code, r.out).toBe(0);
  });

  it("VAULT_CACERT that holds no PEM certificate is refused before any request", async () => {
    seen.paths.length = 0;
    const r = await seed({
      VAULT_ADDR: `https://127.0.0.1:${namedPort}`,
      VAULT_CACERT: file("not-pem.txt"),
    });
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/VAULT_CACERT: .*not-pem\.txt holds no PEM certificate/);
    expect(seen.paths).toEqual([]);
  });

  it("VAULT_SKIP_VERIFY=t is read as Go's ParseBool reads it; 'yes' is refused naming what is taken", async () => {
    const ok = await seed({ VAULT_ADDR: `https://127.0.0.1:${namedPort}`, VAULT_SKIP_VERIFY: "t" });
    expect(ok.code, ok.out).toBe(0);
    const bad = await seed({
      VAULT_ADDR: `https://127.0.0.1:${namedPort}`,
      VAULT_SKIP_VERIFY: "yes",
    });
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(
      /VAULT_SKIP_VERIFY: vault\.skipVerify: expected a boolean .*1, t, T, TRUE/,
    );
  });
});

describe("VAULT_CLIENT_TIMEOUT and VAULT_MAX_RETRIES", () => {
  it("VAULT_CLIENT_TIMEOUT bounds each request (a Vault that never answers)", async () => {
    const r = await seed({ VAULT_ADDR: silentAddr, VAULT_CLIENT_TIMEOUT: "300ms" }, 1);
    expect(r.code, r.out).toBe(1);
    expect(r.stdout).toMatch(/Vault unreachable at .*\(ETIMEDOUT\)/);
    // The default limit (10 s) would hold the first request alone past this.
    expect(r.ms).toBeLessThan(6000);
  });

  it("VAULT_MAX_RETRIES bounds the retries of a rate-limited request", async () => {
    let lookups = 0;
    const limited = createHttpServer((req, res) => {
      const url = req.url!.split("?")[0]!;
      if (url === "/v1/auth/token/lookup-self") {
        lookups++;
        res.writeHead(429, { "retry-after": "0", "content-type": "application/json" });
        return res.end('{"errors":["rate limit quota exceeded"]}');
      }
      if (!answerVaultPreamble(url, res)) sendJson(res, 404, { errors: [] });
    });
    const port = await listen(limited);
    try {
      const r = await seed({ VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_MAX_RETRIES: "1" }, 2);
      expect(r.code, r.out).not.toBe(0);
      expect(lookups).toBe(2);
      const bad = await seed(
        { VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_MAX_RETRIES: "-1" },
        2,
      );
      expect(bad.code).toBe(2);
      expect(bad.out).toMatch(/VAULT_MAX_RETRIES: vault\.maxRetries: expected a whole number/);
    } finally {
      await new Promise<void>((resolve) => limited.close(() => resolve()));
    }
  });
});

describe("the token helper the vault CLI's config names", () => {
  const home = mkdtempSync(join(tmpdir(), "vchome-"));
  const helper = join(home, "bin", "vault-token-helper");
  let plain: ReturnType<typeof createHttpServer>;
  let plainAddr = "";
  afterAll(async () => {
    await new Promise<void>((resolve) => plain.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
  });
  beforeAll(async () => {
    plain = createHttpServer(vaultHandler(seen));
    plainAddr = `http://127.0.0.1:${await listen(plain)}`;
    mkdirSync(join(home, "bin"));
    // A helper as the vault CLI runs it: `<helper> get` prints the token.
    writeFileSync(
      helper,
      '#!/bin/sh\n[ "$1" = get ] || exit 3\n[ -f "$HOME/fail" ] && { echo "keychain locked" >&2; exit 1; }\nprintf "s.from-helper\\n"\n',
      { mode: 0o755 },
    );
    writeFileSync(join(home, ".vault"), `# the vault CLI's config\ntoken_helper = "${helper}"\n`);
    // Left over from before the helper: the CLI no longer reads it, nor do we.
    writeFileSync(join(home, ".vault-token"), "s.stale-file-token\n");
  });

  const run = (extra: Record<string, string> = {}) => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\n",
      "vault/fixtures/a.yaml": "paths:\n  app/x:\n    A: b\n",
    });
    return runCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: cleanEnv({ HOME: home, VAULT_ADDR: plainAddr, ...extra }),
    });
  };

  it("`token_helper` in ~/.vault gives the token, before ~/.vault-token", async () => {
    seen.tokens.length = 0;
    const r = await run();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(seen.tokens.length).toBeGreaterThan(2);
    expect(new Set(seen.tokens)).toEqual(new Set(["s.from-helper"]));
  });

  it("VAULT_CONFIG_PATH names another config file; VAULT_TOKEN still wins", async () => {
    const other = join(home, "other.hcl");
    writeFileSync(other, 'token_helper = "/nonexistent/helper"\n');
    const missing = await run({ VAULT_CONFIG_PATH: other });
    expect(missing.code).toBe(2);
    expect(missing.stdout + missing.stderr).toMatch(
      /the Vault token helper \/nonexistent\/helper could not be run \(ENOENT\)/,
    );
    seen.tokens.length = 0;
    const r = await run({ VAULT_CONFIG_PATH: other, VAULT_TOKEN: "s.from-env" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(new Set(seen.tokens)).toEqual(new Set(["s.from-env"]));
  });

  it("a helper that fails is one line with what it said, and the run stops before Vault", async () => {
    writeFileSync(join(home, "fail"), "");
    try {
      const r = await run();
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(
        /the Vault token helper .*vault-token-helper failed \(exit 1\): keychain locked/,
      );
    } finally {
      execFileSync("rm", [join(home, "fail")]);
    }
  });
});

describe("HTTPS_PROXY / HTTP_PROXY / NO_PROXY for Vault, as kubectl and the vault CLI use them", () => {
  /** A CONNECT proxy that records each tunnel's authority and sends it to Vault's port. */
  const tunnels: string[] = [];
  const forwarded: Array<{ request: string; url: string; host: string; auth: string }> = [];
  let proxy: ReturnType<typeof createHttpServer>;
  let proxyUrl = "";
  let plain: ReturnType<typeof createHttpServer>;
  let plainPort = 0;
  beforeAll(async () => {
    plain = createHttpServer(vaultHandler(seen));
    plainPort = await listen(plain);
    proxy = createHttpServer((req, res) => {
      // A forward proxy for http:// URLs: the request line holds the absolute URL.
      forwarded.push({
        request: String(req.headers["x-vault-request"]),
        url: req.url!,
        host: String(req.headers.host),
        auth: String(req.headers["proxy-authorization"] ?? ""),
      });
      const target = new URL(req.url!);
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const up = httpRequest(
          {
            host: "127.0.0.1",
            port: plainPort,
            path: target.pathname,
            method: req.method,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        up.end(Buffer.concat(chunks));
      });
    });
    proxy.on("connect", (req, client: Socket) => {
      tunnels.push(req.url!);
      sockets.push(client);
      if (
        req.headers["proxy-authorization"] !==
        `Basic ${Buffer.from("dev:pa ss").toString("base64")}`
      ) {
        client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
        return;
      }
      const upstream = connect(namedPort, "127.0.0.1", () => {
        sockets.push(upstream);
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(
      [proxy, plain].map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    );
  });

  // vault.test resolves nowhere: only the proxy can reach it.
  const vaultTest = () => `https://vault.test:${namedPort}`;

  it("an https Vault is reached through HTTPS_PROXY in a CONNECT tunnel (TLS end to end)", async () => {
    tunnels.length = 0;
    const r = await seed(
      {
        VAULT_ADDR: vaultTest(),
        VAULT_CACERT: file("ca.pem"),
        HTTPS_PROXY: proxyUrl.replace("http://", "http://dev:pa%20ss@"),
      },
      2,
    );
    expect(r.code, r.out).toBe(0);
    expect(tunnels.length).toBeGreaterThan(2);
    expect(new Set(tunnels)).toEqual(new Set([`vault.test:${namedPort}`]));
  });

  it("NO_PROXY matching Vault's host goes direct; a proxy's refusal is named", async () => {
    tunnels.length = 0;
    const direct = await seed(
      {
        VAULT_ADDR: vaultTest(),
        VAULT_CACERT: file("ca.pem"),
        HTTPS_PROXY: proxyUrl,
        NO_PROXY: "example.com,.test",
      },
      1,
    );
    expect(direct.code).toBe(1);
    expect(tunnels).toEqual([]);
    expect(direct.stdout).toMatch(
      /Vault unreachable at https:\/\/vault\.test:\d+ \((ENOTFOUND|EAI_AGAIN)\)/,
    );
    const refused = await seed(
      { VAULT_ADDR: vaultTest(), VAULT_CACERT: file("ca.pem"), HTTPS_PROXY: proxyUrl },
      1,
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/the proxy answered CONNECT with HTTP 407/);
    expect(refused.stdout).toMatch(/hint: .*NO_PROXY/);
    const closed = await seed(
      { VAULT_ADDR: vaultTest(), VAULT_CACERT: file("ca.pem"), HTTPS_PROXY: "http://127.0.0.1:1" },
      1,
    );
    expect(closed.code).toBe(1);
    expect(closed.stdout).toMatch(
      /Vault unreachable at .*\(ECONNREFUSED at the proxy 127\.0\.0\.1:1\)/,
    );
    expect(closed.stdout).toMatch(/hint: the proxy/);
  });

  it("an http Vault goes through HTTP_PROXY; VAULT_PROXY_ADDR wins over both, as in the vault CLI", async () => {
    forwarded.length = 0;
    const r = await seed({ VAULT_ADDR: `http://vault.test:${plainPort}`, HTTP_PROXY: proxyUrl }, 2);
    expect(r.code, r.out).toBe(0);
    expect(forwarded.length).toBeGreaterThan(2);
    expect(forwarded[0]).toMatchObject({
      url: `http://vault.test:${plainPort}/v1/sys/health`,
      host: `vault.test:${plainPort}`,
      request: "true", // X-Vault-Request, as the vault CLI sends it
    });
    forwarded.length = 0;
    const own = await seed(
      {
        VAULT_ADDR: `http://vault.test:${plainPort}`,
        HTTP_PROXY: "http://127.0.0.1:1",
        NO_PROXY: "*",
        VAULT_PROXY_ADDR: proxyUrl,
      },
      2,
    );
    expect(own.code, own.out).toBe(0);
    expect(forwarded.length).toBeGreaterThan(2);
  });
});
