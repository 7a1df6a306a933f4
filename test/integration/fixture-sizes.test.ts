/**
 * FAULTS.md 53: fixture sizes are capped with a clear error and a position, before
 * anything is read past the cap or written to Vault.
 */
import { truncateSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveFixtures } from "../../src/core/fixture-resolve.js";
import { parseFixtures } from "../../src/core/fixtures.js";
import { VaultStandIn } from "../../src/sandbox/vault-server.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

let vault: VaultStandIn;
let addr: string;
let ws: Workspace;
beforeEach(async () => {
  vault = new VaultStandIn();
  addr = await vault.listen();
  ws = makeWorkspace({ "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\n" });
});
afterEach(async () => vault.close());

const seed = () =>
  runCli(["ensure-local-secrets", "--skip-eso"], {
    cwd: ws.dir,
    env: cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: vault.rootToken }),
  });

describe("fixture sizes", () => {
  it("a 600 MB fixture file is refused by its size, without being read", async () => {
    const file = ws.write("vault/fixtures/big.yaml", "paths:\n");
    // Sparse: 600 MB long, no disk used; reading it would take seconds and memory.
    truncateSync(file, 600_000_000);
    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(
      /vault\/fixtures\/big\.yaml: 572\.2 MiB; a fixture file may be at most 32 MiB/,
    );
    expect(r.stdout + r.stderr).not.toMatch(/unexpected error/);
    expect(vault.totalVersions()).toBe(0);
  });

  it("a 2 MiB value is refused at its position, and nothing is written", async () => {
    ws.write(
      "vault/fixtures/a.yaml",
      `paths:\n  app/x:\n    A: small\n    BIG: ${"x".repeat(2 * 1024 * 1024)}\n`,
    );
    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(
      /vault\/fixtures\/a\.yaml:4:10: app\/x#BIG: the value is 2\.0 MiB; a value may be at most 1 MiB/,
    );
    expect(r.stdout).toMatch(/hint: keep large data out of fixtures/);
    expect(vault.totalVersions()).toBe(0);
  });

  it("a template that grows past 1 MiB is refused at its key", () => {
    const half = "y".repeat(600 * 1024);
    const { set, problems } = parseFixtures([
      {
        file: "t.yaml",
        text: `paths:\n  app/x:\n    HALF: ${half}\n    BOTH:\n      template: "\${HALF}\${HALF}"\n`,
      },
    ]);
    expect(problems).toEqual([]);
    expect(() => resolveFixtures(set, { seed: "s", mount: "secret" })).toThrow(
      /^t\.yaml:5:7: app\/x#BOTH: the value is 1\.2 MiB; a value may be at most 1 MiB$/,
    );
  });

  it("a value of exactly 1 MiB is written", async () => {
    ws.write("vault/fixtures/a.yaml", `paths:\n  app/x:\n    V: ${"z".repeat(1024 * 1024)}\n`);
    const r = await seed();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(String(vault.read("secret", "app/x")?.V)).toHaveLength(1024 * 1024);
  });
});
