/**
 * FAULTS.md 51: text from servers reaches the terminal escaped. A Vault and a
 * Kubernetes API (hand-made here, outside the stand-ins) answer with error bodies
 * that carry terminal escape sequences (clear the screen, retitle the window);
 * neither the live lines, the error on stderr, nor `summary` pass one through.
 */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { VaultStandIn } from "../../src/sandbox/vault-server.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { kubeconfigFor } from "../helpers/spawned.js";
import { answerVaultPreamble, sendJson } from "../helpers/vault-preamble.js";
import { DB_URL_FIXTURES, makeWorkspace } from "../helpers/workspace.js";

const HOSTILE = "denied \u001b[2J\u001b]0;owned\u0007 \u009b31m \u202eevil";
/** Any C0/C1 control character but the line breaks between lines, or a bidi override. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe("server text with terminal escape sequences", () => {
  it("from Vault's error body is escaped live, on stderr and in the summary", async () => {
    const addr = await serve((req, res) => {
      if (answerVaultPreamble(req.url ?? "", res)) return;
      sendJson(res, 400, { errors: [HOSTILE] });
    });
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\n",
      "vault/fixtures/db.yaml": DB_URL_FIXTURES,
    });
    const env = cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: "root" });
    const r = await runCli(["ensure-local-secrets", "--skip-eso"], { cwd: ws.dir, env });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain("\\x1b[2J\\x1b]0;owned\\x07");
    expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    const summary = await runCli(["summary", "--command", "ensure-local-secrets"], {
      cwd: ws.dir,
      env,
    });
    expect(summary.stdout).toContain("\\x1b[2J");
    expect(summary.stdout + summary.stderr).not.toMatch(RAW_CONTROL);
    // The journal holds it as JSON escapes, never raw.
    expect(ws.journal()).not.toMatch(RAW_CONTROL);
  });

  it("from the Kubernetes API's Status message is escaped", async () => {
    const api = await serve((_req, res) =>
      sendJson(res, 500, {
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        reason: "InternalError",
        message: HOSTILE,
        code: 500,
      }),
    );
    const vault = new VaultStandIn();
    const vaultAddr = await vault.listen();
    try {
      const ws = makeWorkspace({
        "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\n",
        "vault/fixtures/db.yaml": DB_URL_FIXTURES,
        kubeconfig: kubeconfigFor(api),
      });
      const env = cleanEnv({
        VAULT_ADDR: vaultAddr,
        VAULT_TOKEN: vault.rootToken,
        KUBECONFIG: join(ws.dir, "kubeconfig"),
      });
      const r = await runCli(["post-start", "--no-tilt"], { cwd: ws.dir, env });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/\[eso:detect\] ✖ .*\\x1b\[2J/);
      expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    } finally {
      await vault.close();
    }
  });
});
