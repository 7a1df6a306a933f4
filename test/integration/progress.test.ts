/**
 * Long waits print progress checkpoints (what is awaited, the time elapsed) so
 * a Tilt pane never looks frozen: vault:health (up to 30 s) and eso:sync (up to 60 s).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv } from "../helpers/cli.js";
import { spawnCli } from "../helpers/spawned.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml":
      "log:\n  progressSeconds: 1\nvault:\n  readyTimeoutSeconds: 30\neso:\n  readyTimeoutSeconds: 60\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
});
afterEach(async () => world.stop());

describe("progress checkpoints during long waits", () => {
  it("vault:health says what it waits for and for how long", async () => {
    world.vault.faults.sealed = true;
    const run = spawnCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: cleanEnv(world.env),
    });
    await run.waitFor(
      /\[vault:health\]\s+still waiting for Vault at http:\/\/127\.0\.0\.1:\d+ \(sealed\); \d+ s of 30 s/,
    );
    world.vault.faults.sealed = false;
    expect(await run.exited, run.output()).toBe(0);
  });

  it("eso:sync names the ExternalSecrets not Ready yet, with the time elapsed", async () => {
    // Hold ESO's reconciles until the progress line shows.
    const held: Array<() => void> = [];
    const reconcile = world.kube.onChange!;
    world.kube.onChange = (obj) => held.push(() => reconcile(obj));
    const run = spawnCli(["ensure-local-secrets"], { cwd: ws.dir, env: cleanEnv(world.env) });
    await run.waitFor(
      /\[eso:sync\]\s+still waiting for 2 of 2 ExternalSecret\(s\) to be Ready \(ameide\/platform-db-credentials: Pending\b.*\); \d+ s of 60 s/,
    );
    world.kube.onChange = reconcile;
    for (const h of held) h();
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);
  });
});
