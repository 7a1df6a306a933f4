/**
 * FAULTS.md 44 and 49: values another party stored keep their JSON type and their
 * exact JSON text when we rewrite the path, and any fixture key name is stored as written.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VaultStandIn } from "../../src/sandbox/vault-server.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

let vault: VaultStandIn;
let addr: string;
let ws: Workspace;
beforeEach(async () => {
  vault = new VaultStandIn();
  addr = await vault.listen();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\n",
    "vault/fixtures/a.yaml": "paths:\n  app/x:\n    A: new\n    N: '42'\n",
  });
});
afterEach(async () => vault.close());

const seed = () =>
  runCli(["ensure-local-secrets", "--skip-eso"], {
    cwd: ws.dir,
    env: cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: vault.rootToken }),
  });

/** What another client does: its own JSON text, straight to Vault's HTTP API. */
async function writeRaw(path: string, text: string): Promise<void> {
  const res = await fetch(`${addr}/v1/secret/data/${path}`, {
    method: "POST",
    headers: { "x-vault-token": vault.rootToken, "content-type": "application/json" },
    body: text,
  });
  expect(res.status, await res.text()).toBe(200);
}

/** The answer's text, as another client reads it. */
async function readRaw(path: string): Promise<string> {
  const res = await fetch(`${addr}/v1/secret/data/${path}`, {
    headers: { "x-vault-token": vault.rootToken },
  });
  expect(res.status).toBe(200);
  return res.text();
}

describe("rewriting a path that holds non-string values", () => {
  it("keeps every other key's value exactly as it was", async () => {
    vault.writeDirect("secret", "app/x", {
      A: "old",
      N: 42,
      COUNT: 7,
      ENABLED: true,
      NOTHING: null,
      NESTED: { k: [1, "two"] },
    });
    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(vault.read("secret", "app/x")).toEqual({
      A: "new",
      // The fixture declares N as the string "42": it matched 42 and was not rewritten.
      N: 42,
      COUNT: 7,
      ENABLED: true,
      NOTHING: null,
      NESTED: { k: [1, "two"] },
    });
  });

  it("a big integer, -0, 1.50 and 1e2 another party stored survive a rewrite exactly", async () => {
    await writeRaw(
      "app/x",
      '{"data":{"A":"old","BIG":12345678901234567890,"NEG":-0,"DEC":1.50,"EXP":1e2,' +
        '"NESTED":{"ids":[12345678901234567891, 2.50],"s":"a\\u00e9\\"b"}},"options":{"cas":0}}',
    );
    const before = await readRaw("app/x");
    expect(before).toContain('"BIG":12345678901234567890');

    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Vault sync success \(written 1, unchanged 0, paths 1\)/);

    const after = await readRaw("app/x");
    expect(vault.versionCount("secret", "app/x")).toBe(2);
    expect(after).toContain('"A":"new"');
    expect(after).toContain('"N":"42"');
    for (const kept of [
      '"BIG":12345678901234567890',
      '"NEG":-0',
      '"DEC":1.50',
      '"EXP":1e2',
      '"NESTED":{"ids":[12345678901234567891, 2.50],"s":"a\\u00e9\\"b"}',
    ])
      expect(after).toContain(kept);
  });

  it("a fixture key named __proto__ is stored as written, and a second run writes nothing", async () => {
    ws.write("vault/fixtures/a.yaml", "paths:\n  app/x:\n    __proto__: p\n    A: a\n");
    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/written 1, unchanged 0/);
    const text = await readRaw("app/x");
    expect(text).toContain('"__proto__":"p"');
    expect(text).toContain('"A":"a"');

    const again = await seed();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/written 0, unchanged 1/);
    expect(vault.versionCount("secret", "app/x")).toBe(1);
  });
});
