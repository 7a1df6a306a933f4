/**
 * FAULTS.md 29 with the real clients: a secret value inside an error object that
 * @kubernetes/client-node (ApiException embeds the response body) or our Vault client
 * (the response body's errors) builds never reaches the output or the journal,
 * not even with DEBUG's stack traces.
 */
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { answerVaultPreamble, sendJson } from "../helpers/vault-preamble.js";
import { DB_URL_FIXTURES, makeWorkspace } from "../helpers/workspace.js";

let world: World | undefined;
let server: Server | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe("a secret echoed back in a client's error", () => {
  it("client-node: the API server's 422 message quoting the password is masked", async () => {
    world = await startWorld();
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 20\n",
      "vault/fixtures/db.yaml": DB_URL_FIXTURES,
    });
    const env = cleanEnv({ ...world.env, DEBUG: "dev-bootstrap" });
    expect((await runCli(["ensure-local-secrets"], { cwd: ws.dir, env })).code).toBe(0);
    const password = String(world.vault.read("secret", "platform/db")?.DB_PASSWORD);
    // A real API server quotes invalid values: data[KEY]: Invalid value: "<value>".
    world.kube.failures.push({
      verb: "create",
      resource: "secrets",
      code: 422,
      reason: "Invalid",
      message: `Secret "db-migrations-local" is invalid: data[FLYWAY_PASSWORD]: Invalid value: "${password}": rejected`,
      times: 1,
    });
    const r = await runCli(["bootstrap-db-migrations-secret"], { cwd: ws.dir, env });
    expect(r.code).toBe(1);
    const everything = r.stdout + r.stderr + ws.journal();
    expect(everything).toMatch(/HTTP 422 Invalid/);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(encodeURIComponent(password));
  });

  it("the Vault client: a Vault error body quoting the value is masked, stack included", async () => {
    const canary = "canary-S3cr3t-4f9a/@:";
    server = createServer((req, res) => {
      const send = (status: number, body: unknown) => sendJson(res, status, body);
      const url = req.url!.split("?")[0]!;
      if (answerVaultPreamble(url, res)) return;
      if (req.method === "GET") return send(404, { errors: [] });
      send(400, { errors: [`cannot store value "${canary}": invalid`] });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const addr = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\n",
      "vault/fixtures/a.yaml": `paths:\n  app/x:\n    A: { value: "${canary}", secret: true }\n`,
    });
    const r = await runCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: "s.token-abc-123", DEBUG: "dev-bootstrap" }),
    });
    expect(r.code).toBe(1);
    const everything = r.stdout + r.stderr + ws.journal();
    expect(everything).toMatch(/HTTP 400/);
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain("s.token-abc-123");
  });
});
