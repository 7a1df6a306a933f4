/**
 * The sandbox world: the Vault stand-in, the Kubernetes API stand-in with its
 * ESO reconciler, and optionally a real throwaway PostgreSQL — all on loopback
 * and free ports. The flows see only addresses: VAULT_ADDR and a kubeconfig.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EsoReconciler } from "./eso-reconciler.js";
import { KubeStandIn, type KubeStandInOptions } from "./kube-server.js";
import { ThrowawayPostgres } from "./postgres.js";
import { createServerTls } from "./tls.js";
import { VaultStandIn } from "./vault-server.js";

export interface World {
  vault: VaultStandIn;
  vaultAddr: string;
  kube: KubeStandIn;
  eso: EsoReconciler;
  postgres: ThrowawayPostgres | undefined;
  kubeconfig: string;
  /** Environment a flow needs to talk to this world. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startWorld(
  options: {
    kube?: KubeStandInOptions;
    postgres?: boolean;
    dir?: string;
    /** Serve the Kubernetes stand-in over TLS with a CA made at start-up (for kubectl). */
    tls?: boolean;
  } = {},
): Promise<World> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "dbworld-"));
  const tls = options.tls ? await createServerTls(join(dir, "tls"), "127.0.0.1") : undefined;
  const vault = new VaultStandIn();
  const vaultAddr = await vault.listen();
  const kube = new KubeStandIn(options.kube);
  await kube.listen(0, "127.0.0.1", tls);
  const eso = new EsoReconciler(kube);
  // Vault's kubernetes auth reviews service account tokens with the API server.
  vault.reviewServiceAccountToken = (jwt) => kube.reviewToken(jwt);
  let postgres: ThrowawayPostgres | undefined;
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, kube.kubeconfig(), { mode: 0o600 });
  try {
    if (options.postgres) {
      postgres = new ThrowawayPostgres();
      await postgres.start();
    }
  } catch (error) {
    await vault.close();
    await kube.close();
    throw error;
  }
  return {
    vault,
    vaultAddr,
    kube,
    eso,
    postgres,
    kubeconfig,
    env: {
      VAULT_ADDR: vaultAddr,
      VAULT_TOKEN: vault.rootToken,
      KUBECONFIG: kubeconfig,
      // The ESO stand-in runs on this machine: it reaches Vault on loopback.
      DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR: vaultAddr,
      DEV_BOOTSTRAP_SANDBOX: "1",
    },
    async stop() {
      eso.stop();
      await Promise.allSettled([vault.close(), kube.close(), postgres?.stop()]);
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
