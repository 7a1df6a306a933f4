/**
 * Wiring ESO, driven in-process against the in-process stand-ins (the Vault and
 * Kubernetes API stand-ins and the ESO reconciler, on loopback) through the real
 * Kubernetes client. What a user relies on: a rerun applies nothing, a refresh
 * touches only the ExternalSecrets it is asked for, a failed sync is reported
 * with the ExternalSecret to inspect, and a store ESO's pods cannot reach or a
 * token kept in a remote cluster is warned about.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { FORCE_SYNC_ANNOTATION } from "../../src/core/manifests.js";
import { SecretMasker } from "../../src/core/mask.js";
import { wireEso } from "../../src/flows/wire-eso.js";
import { CheckpointLogger } from "../../src/log/logger.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { makeWorkspace } from "../helpers/workspace.js";

let world: World;
let out: string;

beforeEach(async () => {
  world = await startWorld();
  // What ensure-local-secrets' seed step leaves for ESO to read.
  world.vault.writeDirect("secret", "platform/db", { DATABASE_URL: "postgresql://p:pw@db:5432/p" });
  world.vault.writeDirect("secret", "agents/db", { DATABASE_URL: "postgresql://a:pw@db:5432/a" });
  out = "";
});
afterEach(async () => world.stop());

/** One wiring run, as ensure-local-secrets makes it; `env` replaces the world's entries. */
async function wire(
  options: { forceSync?: boolean; refreshOnly?: Set<string>; forceConflicts?: boolean } = {},
  setup: { config?: string; env?: Record<string, string | undefined> } = {},
) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [k, v] of Object.entries({ ...world.env, ...setup.env }))
    if (v !== undefined) env[k] = v;
  const ws = makeWorkspace(setup.config ? { "dev-bootstrap.yaml": setup.config } : {});
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const masker = new SecretMasker();
  // The system clock: the ESO reconciler answers in real time (a few ms), and every
  // wait here is for its status, bounded by eso.readyTimeoutSeconds.
  const host = createHost({ resolved, masker, env, clock: systemClock });
  const log = new CheckpointLogger({
    now: systemClock.now,
    runId: "run-1",
    command: "ensure-local-secrets",
    format: "human",
    colour: false,
    out: { write: (text: string) => (out += text) },
    journal: undefined,
    masker,
  });
  return wireEso(host, resolved, log, {
    forceSync: options.forceSync ?? false,
    forceConflicts: options.forceConflicts ?? false,
    ...(options.refreshOnly ? { refreshOnly: options.refreshOnly } : {}),
  });
}

const stamp = (name: string) =>
  world.kube.get("ExternalSecret", "ameide", name)?.metadata.annotations?.[FORCE_SYNC_ANNOTATION];

describe("wiring ESO in-process", () => {
  it("applies the store, its token and the ExternalSecrets once; a rerun applies nothing", async () => {
    const first = await wire();
    expect(first.apiVersion).toBe("v1");
    expect(first.applied).toEqual([
      "Secret/external-secrets/vault-token",
      "ClusterSecretStore/ameide-vault",
      "ExternalSecret/ameide/platform-db-credentials",
      "ExternalSecret/ameide/agents-db-credentials",
    ]);
    expect(first.unchanged).toEqual([]);
    expect(first.statuses.map((s) => [s.name, s.ready])).toEqual([
      ["platform-db-credentials", true],
      ["agents-db-credentials", true],
    ]);
    expect(out).toContain("ESO serves external-secrets.io/v1");
    expect(out).toContain("applied 4, unchanged 0");
    expect(out).toContain("2 ExternalSecret(s) Ready");
    expect(out).not.toContain(world.vault.rootToken);

    out = "";
    const second = await wire();
    expect(second.applied).toEqual([]);
    expect(second.unchanged).toHaveLength(4);
    expect(out).toContain("applied 0, unchanged 4");
    expect(out).not.toContain("refresh requested");
  });

  it("a refresh stamps only the ExternalSecrets asked for, and keeps the others' stamps", async () => {
    await wire();
    expect(stamp("platform-db-credentials")).toBeUndefined();
    await wire({ forceSync: true });
    const platform = stamp("platform-db-credentials");
    const agents = stamp("agents-db-credentials");
    expect(platform).toMatch(/^\d+$/);
    expect(agents).toBe(platform);
    expect(out).toContain("refresh requested");

    // A later refresh of one: only its stamp changes; the other keeps its last one.
    await new Promise((r) => setTimeout(r, 2));
    const result = await wire({ forceSync: true, refreshOnly: new Set(["agents-db-credentials"]) });
    expect(stamp("platform-db-credentials")).toBe(platform);
    expect(stamp("agents-db-credentials")).not.toBe(agents);
    expect(result.applied).toEqual(["ExternalSecret/ameide/agents-db-credentials"]);
    expect(result.statuses.every((s) => s.ready)).toBe(true);

    // A rerun without a refresh keeps both stamps: nothing to apply.
    const again = await wire();
    expect(again.applied).toEqual([]);
    expect(stamp("agents-db-credentials")).not.toBe(agents);
  });

  it("a failed sync is reported with the ExternalSecret to inspect, first among those not Ready", async () => {
    world.eso.failWith = "could not read secret platform/db: permission denied";
    const result = await wire({}, { config: "eso:\n  readyTimeoutSeconds: 30\n" });
    expect(result.statuses.some((s) => s.reason === "SecretSyncedError")).toBe(true);
    expect(out).toMatch(
      /ExternalSecret ameide\/(platform|agents)-db-credentials not Ready: SecretSyncedError: could not read secret platform\/db: permission denied/,
    );
    expect(out).toContain("inspect it: kubectl -n ameide describe externalsecret");
  });

  it("CreatedOnce with a refresh asked for: warns that ESO will not sync new values", async () => {
    await wire({ forceSync: true }, { config: "eso:\n  refreshPolicy: CreatedOnce\n" });
    expect(out).toContain(
      "Vault changed, but the ExternalSecrets use refreshPolicy CreatedOnce: ESO keeps the Secrets it made and does not sync the new values",
    );
    expect(stamp("platform-db-credentials")).toBeUndefined();
  });

  it("CreatedOnce with nothing to refresh says nothing", async () => {
    await wire(
      { forceSync: true, refreshOnly: new Set() },
      { config: "eso:\n  refreshPolicy: CreatedOnce\n" },
    );
    expect(out).not.toContain("refreshPolicy CreatedOnce");
  });

  it("outside the sandbox: warns about a loopback Vault address and a token kept in the cluster", async () => {
    await wire({}, { env: { DEV_BOOTSTRAP_SANDBOX: undefined } });
    expect(out).toContain(
      `ESO's pods get the loopback Vault address ${world.vaultAddr}, which they cannot reach`,
    );
    // The stand-in's API server is on loopback: a cluster on this machine, no token warning.
    expect(out).not.toContain("does not look like a cluster on this machine");
  });

  it("inside the sandbox: no address or token warning", async () => {
    await wire();
    expect(out).not.toContain("which they cannot reach");
    expect(out).not.toContain("does not look like a cluster on this machine");
  });
});
