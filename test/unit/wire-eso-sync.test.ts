/**
 * Waiting for ESO, and applying over fields someone else owns, driven in-process
 * against the in-process stand-ins. Where the stand-in's ESO reconciler would
 * answer in real time, it is stopped and the test plays ESO's controller itself
 * (the status it writes on an ExternalSecret, through the status subresource),
 * so the wait runs on a virtual clock: bounded, spaced, and told on progress lines.
 *
 * References: ESO's ExternalSecret status (conditions[type=Ready] with reason
 * SecretSynced / SecretSyncedError, status.syncedResourceVersion, the force-sync
 * annotation: external-secrets.io/latest/api/externalsecret), and Kubernetes
 * server-side apply (kubernetes.io/docs/reference/using-api/server-side-apply:
 * a conflict is a 409 naming each field and its manager; force takes them over).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FORCE_SYNC_ANNOTATION } from "../../src/core/manifests.js";
import type { Obj } from "../../src/sandbox/kube-server.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { virtualClock } from "../helpers/clock.js";
import { readyStatus, wireOnce } from "../helpers/eso-wire.js";

let world: World;

beforeEach(async () => {
  world = await startWorld();
  world.vault.writeDirect("secret", "platform/db", { DATABASE_URL: "postgresql://p:pw@db:5432/p" });
  world.vault.writeDirect("secret", "agents/db", { DATABASE_URL: "postgresql://a:pw@db:5432/a" });
});
afterEach(async () => world.stop());

/** ESO's controller, played by the test: `decide` gives the status for each ExternalSecret written. */
function controller(decide: (es: Obj) => unknown) {
  world.eso.stop();
  world.kube.onChange = (obj) => {
    if (obj.kind !== "ExternalSecret") return;
    const status = decide(obj);
    if (status)
      world.kube.setStatus("ExternalSecret", obj.metadata.namespace, obj.metadata.name, status);
  };
}

/** The wait's progress lines. */
const progress = (run: Awaited<ReturnType<typeof wireOnce>>) =>
  run.log
    .notes()
    .filter((n) => n.step === "eso:sync")
    .map((n) => n.message);

const es = (name: string) => world.kube.get("ExternalSecret", "ameide", name);
const interval = (name: string) =>
  (es(name)?.spec as { refreshInterval?: string } | undefined)?.refreshInterval;

describe("waiting for the ExternalSecrets to be Ready", () => {
  it("ESO never answers: polls soon then backs off, stops at the deadline, and warns naming the first", async () => {
    world.eso.stop();
    const clock = virtualClock();
    const run = await wireOnce(
      world,
      {},
      { config: "eso:\n  readyTimeoutSeconds: 3\nlog:\n  progressSeconds: 1\n", clock },
    );
    expect(run.error).toBeUndefined();
    // 20 ms, doubling to 500 ms at most, the last one cut to what was left of 3 s.
    expect(clock.sleeps).toEqual([20, 40, 80, 160, 320, 500, 500, 500, 500, 380]);
    expect(clock.elapsed()).toBe(3000);
    const warn = run.log.checkpoint("eso:sync", "warn");
    expect(warn?.message).toBe(
      "ExternalSecret ameide/platform-db-credentials not Ready: Pending: not reconciled yet (and 1 more)",
    );
    expect(warn?.hint).toBe(
      "inspect it: kubectl -n ameide describe externalsecret platform-db-credentials",
    );
    expect(run.log.checkpoint("eso:sync", "ok")).toBeUndefined();
    // A progress line each second, saying what is awaited; none after the wait ended.
    expect(progress(run)).toEqual([
      "still waiting for 2 of 2 ExternalSecret(s) to be Ready (ameide/platform-db-credentials: Pending, ameide/agents-db-credentials: Pending); 1 s of 3 s",
      "still waiting for 2 of 2 ExternalSecret(s) to be Ready (ameide/platform-db-credentials: Pending, ameide/agents-db-credentials: Pending); 2 s of 3 s",
      "still waiting for 2 of 2 ExternalSecret(s) to be Ready (ameide/platform-db-credentials: Pending, ameide/agents-db-credentials: Pending); 3 s of 3 s",
    ]);
    expect(clock.pending()).toEqual([]);
    expect(run.result?.statuses.map((s) => [s.name, s.ready, s.reason])).toEqual([
      ["platform-db-credentials", false, "Pending"],
      ["agents-db-credentials", false, "Pending"],
    ]);
  });

  it("the progress line names three of those still waiting, and says when there are more", async () => {
    world.eso.stop();
    const names = ["a", "b", "c", "d"];
    const clock = virtualClock();
    const run = await wireOnce(
      world,
      {},
      {
        config: `eso:\n  readyTimeoutSeconds: 1\n  externalSecrets:\n${names.map((n) => `    - name: ${n}\n      vaultPath: platform/db\n`).join("")}log:\n  progressSeconds: 1\n`,
        clock,
      },
    );
    expect(progress(run)).toEqual([
      "still waiting for 4 of 4 ExternalSecret(s) to be Ready (ameide/a: Pending, ameide/b: Pending, ameide/c: Pending, …); 1 s of 1 s",
    ]);
    expect(run.log.checkpoint("eso:sync", "warn")?.message).toBe(
      "ExternalSecret ameide/a not Ready: Pending: not reconciled yet (and 3 more)",
    );
  });

  it("three still waiting are all named, without an ellipsis", async () => {
    world.eso.stop();
    const run = await wireOnce(
      world,
      {},
      {
        config: `eso:\n  readyTimeoutSeconds: 1\n  externalSecrets:\n${["a", "b", "c"].map((n) => `    - name: ${n}\n      vaultPath: platform/db\n`).join("")}log:\n  progressSeconds: 1\n`,
        clock: virtualClock(),
      },
    );
    expect(progress(run)).toEqual([
      "still waiting for 3 of 3 ExternalSecret(s) to be Ready (ameide/a: Pending, ameide/b: Pending, ameide/c: Pending); 1 s of 1 s",
    ]);
  });

  it("the progress line counts only those still waiting once some are Ready", async () => {
    controller((obj) =>
      obj.metadata.name === "agents-db-credentials"
        ? readyStatus(true, "SecretSynced", "secret synced")
        : undefined,
    );
    const clock = virtualClock();
    const run = await wireOnce(
      world,
      {},
      { config: "eso:\n  readyTimeoutSeconds: 1\nlog:\n  progressSeconds: 1\n", clock },
    );
    expect(progress(run)).toEqual([
      "still waiting for 1 of 2 ExternalSecret(s) to be Ready (ameide/platform-db-credentials: Pending); 1 s of 1 s",
    ]);
    // One not Ready: no "(and … more)".
    expect(run.log.checkpoint("eso:sync", "warn")?.message).toBe(
      "ExternalSecret ameide/platform-db-credentials not Ready: Pending: not reconciled yet",
    );
  });

  it("a sync error ends the wait at once and is reported before one merely not reconciled yet (FAULTS 17)", async () => {
    controller((obj) =>
      obj.metadata.name === "agents-db-credentials"
        ? readyStatus(
            false,
            "SecretSyncedError",
            "could not read secret agents/db: permission denied",
          )
        : undefined,
    );
    const clock = virtualClock();
    const run = await wireOnce(world, {}, { config: "eso:\n  readyTimeoutSeconds: 30\n", clock });
    // The error was there on the first look: no wait for the 30 s deadline.
    expect(clock.elapsed()).toBeLessThan(1000);
    const warn = run.log.checkpoint("eso:sync", "warn");
    expect(warn?.message).toBe(
      "ExternalSecret ameide/agents-db-credentials not Ready: SecretSyncedError: could not read secret agents/db: permission denied (and 1 more)",
    );
    expect(warn?.hint).toBe(
      "inspect it: kubectl -n ameide describe externalsecret agents-db-credentials",
    );
    expect(warn?.details).toMatchObject({
      notReady: [
        { name: "agents-db-credentials", reason: "SecretSyncedError" },
        { name: "platform-db-credentials", reason: "Pending" },
      ],
    });
  });

  it("after a refresh, a Ready from before it does not count: the wait goes on until ESO syncs again", async () => {
    // ESO synced both before this run; the test's controller then keeps silent.
    await wireOnce(world);
    const before = es("platform-db-credentials")?.status as { syncedResourceVersion: string };
    expect(before.syncedResourceVersion).toBeDefined();
    controller(() => undefined);
    const clock = virtualClock();
    const run = await wireOnce(
      world,
      { forceSync: true },
      { config: "eso:\n  readyTimeoutSeconds: 2\n", clock },
    );
    expect(clock.elapsed()).toBe(2000);
    expect(run.log.checkpoint("eso:sync", "warn")?.message).toBe(
      "ExternalSecret ameide/platform-db-credentials not Ready: SecretSynced: secret synced (and 1 more)",
    );
    expect(run.result?.statuses.map((s) => s.ready)).toEqual([false, false]);
  });

  it("after a refresh of one, the other's old Ready counts; the refreshed one counts once ESO synced it anew", async () => {
    await wireOnce(world);
    // The controller syncs the refreshed one, with a new syncedResourceVersion.
    controller((obj) =>
      obj.metadata.annotations?.[FORCE_SYNC_ANNOTATION]
        ? readyStatus(true, "SecretSynced", "secret synced", "refreshed")
        : undefined,
    );
    const clock = virtualClock();
    const run = await wireOnce(
      world,
      { forceSync: true, refreshOnly: new Set(["agents-db-credentials"]) },
      { config: "eso:\n  readyTimeoutSeconds: 2\n", clock },
    );
    expect(run.log.checkpoint("eso:sync", "ok")?.message).toBe("2 ExternalSecret(s) Ready");
    expect(clock.elapsed()).toBeLessThan(2000);
    expect(run.log.checkpoint("eso:apply", "ok")?.message).toBe(
      "applied 1, unchanged 3; refresh requested",
    );
  });

  it("after a refresh, a sync error from before it does not end the wait; a fresh one does", async () => {
    world.eso.failWith = "permission denied";
    await wireOnce(world, {}, { config: "eso:\n  readyTimeoutSeconds: 5\n" });
    expect(es("agents-db-credentials")?.status).toMatchObject({
      conditions: [{ reason: "SecretSyncedError" }],
    });
    // The old error stays; nothing new comes: the wait runs to its deadline.
    controller(() => undefined);
    const clock = virtualClock();
    const stale = await wireOnce(
      world,
      { forceSync: true },
      { config: "eso:\n  readyTimeoutSeconds: 2\n", clock },
    );
    expect(clock.elapsed()).toBe(2000);
    expect(stale.log.checkpoint("eso:sync", "warn")?.message).toMatch(
      /^ExternalSecret ameide\/platform-db-credentials not Ready: SecretSyncedError: /,
    );

    // A new error, from a sync after the refresh, ends it at once.
    controller(() => readyStatus(false, "SecretSyncedError", "still denied", "after-refresh"));
    const fresh = virtualClock();
    const run = await wireOnce(
      world,
      { forceSync: true },
      { config: "eso:\n  readyTimeoutSeconds: 30\n", clock: fresh },
    );
    expect(fresh.elapsed()).toBeLessThan(1000);
    expect(run.log.checkpoint("eso:sync", "warn")?.message).toBe(
      "ExternalSecret ameide/platform-db-credentials not Ready: SecretSyncedError: still denied (and 1 more)",
    );
  });
});

describe("applying over fields another field manager owns (FAULTS 13)", () => {
  /** Another client changes an ExternalSecret we applied (an Update: it then owns what it wrote). */
  function edit(name: string, manager: string, change: (o: Obj) => void) {
    const o = es(name)!;
    change(o);
    delete (o as { status?: unknown }).status;
    world.kube.put(o, manager);
  }

  it("a force-sync annotation set by someone else is taken over by a refresh: it is a trigger, not state", async () => {
    await wireOnce(world);
    edit("platform-db-credentials", "kubectl-annotate", (o) => {
      o.metadata.annotations = { ...o.metadata.annotations, [FORCE_SYNC_ANNOTATION]: "by-hand" };
    });
    const run = await wireOnce(world, { forceSync: true });
    expect(run.error).toBeUndefined();
    const stamp = es("platform-db-credentials")?.metadata.annotations?.[FORCE_SYNC_ANNOTATION];
    expect(stamp).toMatch(/^\d+$/);
    // The first apply met the conflict; the second took the annotation over.
    const patches = world.kube.requests.filter(
      (r) => r.verb === "patch" && r.path.includes("/externalsecrets/platform-db-credentials"),
    );
    expect(patches.map((p) => p.code).slice(-2)).toEqual([409, 200]);
    expect(patches.at(-1)?.path).toMatch(/force=true/);
    expect(run.log.checkpoint("eso:sync", "ok")?.message).toBe("2 ExternalSecret(s) Ready");
  });

  it("another field someone else changed is not taken over: the step fails naming the field and its manager", async () => {
    await wireOnce(world);
    edit("platform-db-credentials", "helm", (o) => {
      (o.spec as { refreshInterval: string }).refreshInterval = "5m";
    });
    const run = await wireOnce(world, { forceSync: true });
    const fail = run.log.checkpoint("eso:apply", "fail");
    expect(fail?.message).toMatch(
      /^ExternalSecret ameide\/platform-db-credentials: field \.spec\.refreshInterval is owned by another field manager \(conflict with "helm" using external-secrets\.io\/v1\)$/,
    );
    expect(fail?.hint).toBe(
      "rerun with --force-conflicts to take it over, or change it back with the tool that owns it",
    );
    expect(interval("platform-db-credentials")).toBe("5m");
  });

  it("a conflict on the annotation and another field is not forced either", async () => {
    await wireOnce(world);
    edit("platform-db-credentials", "helm", (o) => {
      o.metadata.annotations = { ...o.metadata.annotations, [FORCE_SYNC_ANNOTATION]: "by-hand" };
      (o.spec as { refreshInterval: string }).refreshInterval = "5m";
    });
    const run = await wireOnce(world, { forceSync: true });
    expect(run.log.checkpoint("eso:apply", "fail")?.message).toMatch(
      /owned by another field manager/,
    );
    expect(es("platform-db-credentials")?.metadata.annotations?.[FORCE_SYNC_ANNOTATION]).toBe(
      "by-hand",
    );
  });

  it("with --force-conflicts, the field is taken back", async () => {
    await wireOnce(world);
    edit("platform-db-credentials", "helm", (o) => {
      (o.spec as { refreshInterval: string }).refreshInterval = "5m";
    });
    const run = await wireOnce(world, { forceConflicts: true });
    expect(run.error).toBeUndefined();
    expect(interval("platform-db-credentials")).toBe("1h");
    expect(run.result?.applied).toEqual(["ExternalSecret/ameide/platform-db-credentials"]);
  });

  it("a cluster-scoped object in conflict is named without a namespace", async () => {
    await wireOnce(world);
    const store = world.kube.get("ClusterSecretStore", undefined, "ameide-vault")!;
    (store.spec as { provider: { vault: { path: string } } }).provider.vault.path = "kv";
    delete (store as { status?: unknown }).status;
    world.kube.put(store, "platform");
    const run = await wireOnce(world);
    expect(run.log.checkpoint("eso:apply", "fail")?.message).toBe(
      'ClusterSecretStore ameide-vault: field .spec.provider.vault.path is owned by another field manager (conflict with "platform" using external-secrets.io/v1)',
    );
  });

  it("a 409 that names no field is reported as the API server said it", async () => {
    world.kube.failures.push({
      verb: "patch",
      resource: "externalsecrets",
      code: 409,
      reason: "Conflict",
      message: "the object has been modified; please apply your changes to the latest version",
      times: 1,
    });
    const run = await wireOnce(world);
    const fail = run.log.checkpoint("eso:apply", "fail");
    expect(fail?.message).toMatch(
      /^apply ExternalSecret ameide\/(platform|agents)-db-credentials: Conflict: the object has been modified; please apply your changes to the latest version$/,
    );
    expect(fail?.hint).toBe("inspect it with kubectl; rerun when fixed");
  });
});
