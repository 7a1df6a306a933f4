/**
 * FAULTS.md 40: the watcher recovers by itself. A run that failed because a
 * server was down is retried with bounded backoff (each retry a checkpoint);
 * a change to dev-bootstrap.yaml is reloaded and re-runs the whole flow; an
 * invalid config keeps the last good one.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv } from "../helpers/cli.js";
import { type Spawned, spawnCli } from "../helpers/spawned.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const fixture = (name: string) => `paths:
  platform/db:
    DB_USERNAME: platform
    DB_NAME: ${name}
    DB_PASSWORD: { derive: { length: 24 } }
    DB_HOST: db
  agents/db:
    DB_USERNAME: agents
    DB_NAME: agents
    DB_PASSWORD: { derive: { length: 24 } }
    DB_HOST: db
  app/feature:
    FLAG: "${name}-flag"
`;
const CONFIG = "vault:\n  readyTimeoutSeconds: 1\neso:\n  readyTimeoutSeconds: 10\n";

let world: World;
let ws: Workspace;
let watcher: Spawned | undefined;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": CONFIG,
    "vault/fixtures/db.yaml": fixture("platform"),
  });
});
afterEach(async () => {
  watcher?.child.kill("SIGTERM");
  if (watcher) await watcher.exited;
  watcher = undefined;
  await world.stop();
});

const start = (args: string[] = []) => {
  watcher = spawnCli(["watch-vault-fixtures", "--debounce-ms", "50", ...args], {
    cwd: ws.dir,
    env: cleanEnv(world.env),
  });
  return watcher;
};
/** Resolves when the output has printed `pattern` `n` times. */
const nth = (w: Spawned, pattern: string, n: number) =>
  w.waitFor(new RegExp(`(?:[\\s\\S]*?${pattern}){${n}}`));

describe("watch-vault-fixtures recovers from a failed run", () => {
  it("retries with backoff while Vault is down, and converges once it is back", async () => {
    const w = start(["--skip-eso"]);
    await nth(w, "Vault sync success", 1);
    world.vault.faults.sealed = true;
    ws.write("vault/fixtures/db.yaml", fixture("renamed"));
    await w.waitFor(/\[vault:health\] ✖ Vault sealed/);
    await w.waitFor(
      /\[watch:retry\]\s+run failed \(Vault sealed at [^)]*\); retry 1 of \d+ in \d+(\.\d+)? s/,
    );
    world.vault.faults.sealed = false;
    await w.waitFor(/\[watch:fixtures\] ▶ retry \d+ of \d+ after a failed run/);
    await nth(w, "Vault sync success", 2);
    expect(world.vault.read("secret", "platform/db")?.DB_NAME).toBe("renamed");
    expect(world.vault.read("secret", "app/feature")?.FLAG).toBe("renamed-flag");
  });
});

describe("watch-vault-fixtures reloads dev-bootstrap.yaml", () => {
  it("a new ExternalSecret and a changed value both reach Kubernetes; an invalid config keeps the last good one", async () => {
    const w = start();
    await nth(w, "db-migrations Flyway secret ensured", 1);
    expect(world.kube.get("ExternalSecret", "ameide", "app-feature")).toBeUndefined();
    ws.write(
      "dev-bootstrap.yaml",
      `${CONFIG}  externalSecrets:
    - { name: platform-db-credentials, vaultPath: platform/db }
    - { name: agents-db-credentials, vaultPath: agents/db }
    - { name: app-feature, vaultPath: app/feature }
`,
    );
    await w.waitFor(/\[watch:config\] ✔ dev-bootstrap\.yaml reloaded/);
    await nth(w, "\\[eso:sync\\] ✔ 3 ExternalSecret\\(s\\) Ready", 1);
    expect(world.kube.secretData("ameide", "app-feature")?.FLAG).toBe("platform-flag");

    ws.write("dev-bootstrap.yaml", `${CONFIG}namespace: Not_A_Label\n`);
    await w.waitFor(
      /\[watch:config\] ✖ .*namespace: expected a DNS-1123 label.*keeping the last good config/,
    );
    ws.write("vault/fixtures/db.yaml", fixture("second"));
    await nth(w, "\\[eso:sync\\] ✔ 3 ExternalSecret\\(s\\) Ready", 2);
    expect(world.vault.read("secret", "app/feature")?.FLAG).toBe("second-flag");
    expect(world.kube.secretData("ameide", "app-feature")?.FLAG).toBe("second-flag");
  });
});
