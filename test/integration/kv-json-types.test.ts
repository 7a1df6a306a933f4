/** FAULTS.md 44: values another party stored that are not strings keep their JSON type. */
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
    const r = await runCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: vault.rootToken }),
    });
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
});
