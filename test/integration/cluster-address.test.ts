/**
 * The address ESO's pods use for Vault is not VAULT_ADDR (usually loopback in a
 * devcontainer): vault.clusterAddress, with a warning when ESO would get a
 * loopback address on a cluster that is not the sandbox.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 1\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
});
afterEach(async () => world.stop());

/** The world's environment as a real devcontainer has it: no sandbox settings. */
const devcontainerEnv = (extra: Record<string, string> = {}) => {
  const { DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR: _a, DEV_BOOTSTRAP_SANDBOX: _s, ...rest } = world.env;
  return cleanEnv({ ...rest, ...extra });
};
const store = () =>
  (
    world.kube.get("ClusterSecretStore", undefined, "ameide-vault")?.spec as
      | { provider: { vault: { server: string } } }
      | undefined
  )?.provider.vault.server;

describe("vault.clusterAddress", () => {
  it("defaults to the in-cluster Vault service, not VAULT_ADDR", async () => {
    const r = await runCli(["ensure-local-secrets"], { cwd: ws.dir, env: devcontainerEnv() });
    expect(store()).toBe("http://vault.vault.svc.cluster.local:8200");
    expect(r.stdout).not.toMatch(/loopback/);
  });

  it("a loopback address for ESO on a cluster that is not the sandbox is warned about", async () => {
    const r = await runCli(["ensure-local-secrets"], {
      cwd: ws.dir,
      env: devcontainerEnv({ DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR: "http://127.0.0.1:8200" }),
    });
    expect(store()).toBe("http://127.0.0.1:8200");
    expect(r.stdout).toMatch(
      /\[eso:address\] ⚠ ESO's pods get the loopback Vault address http:\/\/127\.0\.0\.1:8200, which they cannot reach.*hint: set vault\.clusterAddress/,
    );
  });

  it("the sandbox's loopback address is expected there: no warning", async () => {
    const r = await runCli(["ensure-local-secrets"], { cwd: ws.dir, env: cleanEnv(world.env) });
    expect(store()).toBe(world.vaultAddr);
    expect(r.stdout).not.toMatch(/loopback/);
    expect(r.stdout).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);
  });
});
