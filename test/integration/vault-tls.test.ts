/**
 * The vault CLI's conventions: VAULT_CACERT (trust this CA), VAULT_SKIP_VERIFY
 * (do not verify; throwaway dev servers only) and VAULT_NAMESPACE (sent as
 * X-Vault-Namespace on every request). A scripted Vault serves TLS with a
 * certificate from a CA made for the test.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { runChild } from "../helpers/run-child.js";
import { answerVaultPreamble, sendJson } from "../helpers/vault-preamble.js";
import { makeWorkspace } from "../helpers/workspace.js";

const TOKEN = "s.tls-token-5678";
let server: Server;
let addr = "";
let caFile = "";
const namespaces: Array<string | undefined> = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "vtls-"));
  const ssl = async (...args: string[]) => {
    const r = await runChild("openssl", args, { cwd: dir });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
  };
  await ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=test-ca",
  );
  await ssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "srv.key",
    "-out",
    "srv.csr",
    "-subj",
    "/CN=127.0.0.1",
  );
  execFileSync("sh", ["-c", "printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf"], { cwd: dir });
  await ssl(
    "x509",
    "-req",
    "-in",
    "srv.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "srv.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  );
  caFile = join(dir, "ca.pem");
  const kv = new Map<string, unknown>();
  server = createServer(
    { key: readFileSync(join(dir, "srv.key")), cert: readFileSync(join(dir, "srv.pem")) },
    (req, res) => {
      namespaces.push(req.headers["x-vault-namespace"] as string | undefined);
      const send = (status: number, body: unknown) => sendJson(res, status, body);
      const url = req.url!.split("?")[0]!;
      if (answerVaultPreamble(url, res)) return;
      if (url.startsWith("/v1/secret/data/")) {
        if (req.method === "GET") {
          const data = kv.get(url);
          return data
            ? send(200, { data: { data, metadata: { version: 1 } } })
            : send(404, { errors: [] });
        }
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          kv.set(url, JSON.parse(body).data);
          send(200, { data: { version: 1 } });
        });
        return;
      }
      send(404, { errors: ["no route"] });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  addr = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 60_000);
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

const seed = (extra: Record<string, string>) => {
  const ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 1\n",
    "vault/fixtures/a.yaml": "paths:\n  app/x:\n    A: b\n",
  });
  return runCli(["ensure-local-secrets", "--skip-eso"], {
    cwd: ws.dir,
    env: cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: TOKEN, ...extra }),
  });
};

describe("Vault over TLS with the vault CLI's environment variables", () => {
  it("VAULT_CACERT trusts the CA; VAULT_NAMESPACE goes on every request", async () => {
    namespaces.length = 0;
    const r = await seed({ VAULT_CACERT: caFile, VAULT_NAMESPACE: "team-a" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Vault sync success/);
    expect(namespaces.length).toBeGreaterThan(3);
    expect(namespaces.every((n) => n === "team-a")).toBe(true);
  });

  it("without the CA the certificate is refused, with a hint naming VAULT_CACERT", async () => {
    const r = await seed({});
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /cannot connect to Vault at https:\/\/127\.0\.0\.1:\d+ over TLS: .*CA this machine does not trust \([A-Z_]+\).*hint: .*VAULT_CACERT/,
    );
  });

  it("VAULT_SKIP_VERIFY=true connects without verifying", async () => {
    const r = await seed({ VAULT_SKIP_VERIFY: "true" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it("VAULT_CACERT naming a missing file is a config error", async () => {
    const r = await seed({ VAULT_CACERT: "/nonexistent/ca.pem" });
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(
      /VAULT_CACERT: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/,
    );
  });
});
