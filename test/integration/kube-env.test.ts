/**
 * The Kubernetes client in the shell developers already have: a KUBECONFIG of several
 * files, read as kubectl reads it, and a corporate proxy from HTTPS_PROXY / NO_PROXY
 * unless the kubeconfig names its own `proxy-url` (client-go: the kubeconfig wins).
 * Each run is the built CLI as its own process; the proxy is a real CONNECT proxy that
 * resolves the cluster's name itself (the name resolves nowhere else: `.invalid`).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KubeStandIn } from "../../src/sandbox/kube-server.js";
import { VaultStandIn } from "../../src/sandbox/vault-server.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { type ConnectProxy, startConnectProxy } from "../helpers/connect-proxy.js";
import { kubectlBinary } from "../helpers/helm.js";
import { startHungServer } from "../helpers/spawned.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

const run = promisify(execFile);
const CONFIG =
  "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 30\nkube:\n  requestTimeoutSeconds: 5\n  requestAttempts: 1\n";

describe("a KUBECONFIG of three files, as kubectl reads it", () => {
  let world: World;
  let ws: Workspace;
  beforeEach(async () => {
    world = await startWorld();
    ws = makeWorkspace({ "dev-bootstrap.yaml": CONFIG, "vault/fixtures/db.yaml": DB_URL_FIXTURES });
  });
  afterEach(async () => world.stop());

  it("a missing file, a cluster named twice, current-context only in the last file: works, on the first file's cluster", async () => {
    // The team's file: the cluster and the credentials, no context.
    const team = ws.write(
      "kube/team.yaml",
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: standin",
        "    cluster:",
        `      server: ${world.kube.url}`,
        "      insecure-skip-tls-verify: true",
        "users:",
        "  - name: standin",
        "    user:",
        `      token: ${world.kube.token}`,
        "",
      ].join("\n"),
    );
    // The developer's file: an older entry for the same cluster name (nothing listens
    // there), a context, and the current-context.
    const mine = ws.write(
      "kube/mine.yaml",
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: standin",
        "    cluster:",
        "      server: http://127.0.0.1:9",
        "      insecure-skip-tls-verify: true",
        "contexts:",
        "  - name: dev",
        "    context: { cluster: standin, user: standin, namespace: default }",
        "current-context: dev",
        "",
      ].join("\n"),
    );
    const kubeconfig = [team, join(ws.dir, "kube/gone.yaml"), mine].join(delimiter);

    const kubectl = await run(
      kubectlBinary(),
      ["config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}"],
      { env: { PATH: process.env.PATH, HOME: ws.dir, KUBECONFIG: kubeconfig } },
    );
    expect(kubectl.stdout).toBe(world.kube.url);

    const r = await runCli(["ensure-local-secrets"], {
      cwd: ws.dir,
      env: cleanEnv({ ...world.env, KUBECONFIG: kubeconfig }),
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[eso:detect\] ✔ ESO serves/);
    expect(world.kube.requests.length).toBeGreaterThan(0);
  });
});

/** A CA and a certificate for `name`, made with openssl, in `dir`. */
async function certificateFor(dir: string, name: string) {
  const openssl = (args: string[]) => run("openssl", args, { cwd: dir });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(
    ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1"]
      .concat(["-subj", "/CN=test CA", "-addext", "basicConstraints=critical,CA:TRUE"])
      .concat(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
  );
  await openssl([
    "req",
    "-new",
    ...ec,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    `/CN=${name}`,
  ]);
  writeFileSync(
    join(dir, "server.ext"),
    `extendedKeyUsage=serverAuth\nsubjectAltName=DNS:${name}\n`,
  );
  await openssl(
    ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key"].concat([
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "1",
      "-extfile",
      "server.ext",
    ]),
  );
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { ca: read("ca.crt"), cert: read("server.crt"), key: read("server.key") };
}

describe("the Kubernetes API behind a proxy", () => {
  const NAME = "kube.cluster.invalid";
  let certs: { ca: string; cert: string; key: string };
  let certDir: string;
  let kube: KubeStandIn;
  let vault: VaultStandIn;
  let vaultAddr: string;
  let port: number;
  let ws: Workspace;
  const proxies: ConnectProxy[] = [];

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), "kube-proxy-tls-"));
    certs = await certificateFor(certDir, NAME);
  });
  afterAll(() => rmSync(certDir, { recursive: true, force: true }));
  beforeEach(async () => {
    kube = new KubeStandIn({ namespaces: ["default", "ameide"] });
    port = Number(new URL(await kube.listen(0, "127.0.0.1", certs)).port);
    vault = new VaultStandIn();
    vaultAddr = await vault.listen();
    ws = makeWorkspace({ "dev-bootstrap.yaml": CONFIG, "vault/fixtures/db.yaml": DB_URL_FIXTURES });
  });
  afterEach(async () => {
    await Promise.all([kube.close(), vault.close(), ...proxies.splice(0).map((p) => p.close())]);
  });

  const proxy = async (options: Parameters<typeof startConnectProxy>[0] = {}) => {
    const p = await startConnectProxy({ hosts: { [NAME]: "127.0.0.1" }, ...options });
    proxies.push(p);
    return p;
  };
  const kubeconfig = (extra = "") =>
    ws.write(
      "kubeconfig",
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: corp",
        "    cluster:",
        `      server: https://${NAME}:${port}`,
        `      certificate-authority-data: ${Buffer.from(certs.ca).toString("base64")}`,
        extra,
        "users:",
        "  - name: dev",
        "    user:",
        `      token: ${kube.token}`,
        "contexts:",
        "  - name: corp",
        "    context: { cluster: corp, user: dev, namespace: default }",
        "current-context: corp",
        "",
      ]
        .filter((l) => l !== "")
        .join("\n"),
    );
  const check = (env: Record<string, string>) =>
    runCli(["check-db-migrations-secret"], {
      cwd: ws.dir,
      env: cleanEnv({ VAULT_ADDR: vaultAddr, VAULT_TOKEN: vault.rootToken, ...env }),
    });
  /** The run reached the API: the secret it reads is reported missing (exit 3). */
  const reachedTheApi = (r: { code: number; stdout: string; stderr: string }) => {
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/secret ameide\/db-migrations-local does not exist/);
  };

  it("HTTPS_PROXY carries the requests, through CONNECT, TLS verified end to end", async () => {
    const p = await proxy();
    const r = await check({ KUBECONFIG: kubeconfig(), HTTPS_PROXY: p.url });
    reachedTheApi(r);
    expect(p.connects.length).toBeGreaterThan(0);
    expect(new Set(p.connects)).toEqual(new Set([`${NAME}:${port}`]));
  });

  it("lower-case https_proxy is honoured too, and NO_PROXY sends the cluster direct", async () => {
    const p = await proxy();
    const r = await check({ KUBECONFIG: kubeconfig(), https_proxy: p.url });
    reachedTheApi(r);
    expect(p.connects.length).toBeGreaterThan(0);

    const q = await proxy();
    const direct = await check({
      KUBECONFIG: kubeconfig(),
      HTTPS_PROXY: q.url,
      NO_PROXY: "localhost,.cluster.invalid",
    });
    // Direct, the name resolves nowhere: the proxy saw nothing and the message names no proxy.
    expect(direct.code, direct.stdout + direct.stderr).toBe(1);
    expect(direct.stdout).toMatch(
      // A resolver that cannot answer at all makes it a time-out instead.
      new RegExp(
        `Kubernetes API (unreachable at https://${NAME}:${port} \\((ENOTFOUND|EAI_AGAIN)|at https://${NAME}:${port} did not answer)`,
      ),
    );
    expect(direct.stdout).not.toMatch(/through the proxy/);
    expect(q.connects).toEqual([]);
  });

  it("the kubeconfig's proxy-url wins over HTTPS_PROXY, as with kubectl", async () => {
    const fromKubeconfig = await proxy();
    const fromEnv = await proxy();
    const r = await check({
      KUBECONFIG: kubeconfig(`      proxy-url: ${fromKubeconfig.url}`),
      HTTPS_PROXY: fromEnv.url,
    });
    reachedTheApi(r);
    expect(fromKubeconfig.connects.length).toBeGreaterThan(0);
    expect(fromEnv.connects).toEqual([]);
  });

  it("proxy credentials in HTTPS_PROXY are sent and never printed; without them, the 407 is named", async () => {
    const p = await proxy({ basicAuth: "dev:pr0xy-s3cret" });
    const refused = await check({ KUBECONFIG: kubeconfig(), HTTPS_PROXY: p.url });
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout).toContain(
      `the proxy ${p.url} (HTTPS_PROXY) refused the tunnel to https://${NAME}:${port} (HTTP 407)`,
    );
    expect(refused.stdout).toMatch(/hint: the proxy wants credentials/);

    const withCredentials = p.url.replace("http://", "http://dev:pr0xy-s3cret@");
    const r = await check({ KUBECONFIG: kubeconfig(), HTTPS_PROXY: withCredentials });
    reachedTheApi(r);
    expect(p.credentials.at(-1)).toBe(
      `Basic ${Buffer.from("dev:pr0xy-s3cret").toString("base64")}`,
    );
    expect(r.stdout + r.stderr).not.toContain("pr0xy-s3cret");
  });

  it("a proxy that is down is named in the message, with the variable that set it", async () => {
    const p = await proxy();
    await p.close();
    proxies.splice(proxies.indexOf(p), 1);
    const r = await check({ KUBECONFIG: kubeconfig(), HTTPS_PROXY: p.url });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(
      `Kubernetes API unreachable at https://${NAME}:${port} through the proxy ${p.url} (HTTPS_PROXY) (ECONNREFUSED`,
    );
  });

  it("a proxy that accepts connections and never answers ends the run at the request's limit", async () => {
    const hung = await startHungServer();
    try {
      ws.write("dev-bootstrap.yaml", "kube:\n  requestTimeoutSeconds: 2\n  requestAttempts: 1\n");
      const started = Date.now();
      const r = await check({ KUBECONFIG: kubeconfig(), HTTPS_PROXY: hung.url });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(r.stdout).toContain(
        `Kubernetes API at https://${NAME}:${port} through the proxy ${hung.url} (HTTPS_PROXY) did not answer within 2 s`,
      );
      expect(r.stdout).toMatch(
        /hint: the proxy \(HTTPS_PROXY\) or the API server accepts connections/,
      );
      expect(hung.connections).toBeGreaterThan(0);
    } finally {
      await hung.close();
    }
  });

  it("a malformed HTTPS_PROXY is a configuration error that does not echo the value", async () => {
    const r = await check({
      KUBECONFIG: kubeconfig(),
      HTTPS_PROXY: "ftp://dev:pr0xy-s3cret@proxy",
    });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/HTTPS_PROXY is not a proxy URL/);
    expect(r.stdout + r.stderr).not.toContain("pr0xy-s3cret");
  });
});
