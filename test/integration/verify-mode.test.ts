/**
 * FAULTS.md 39: --mode verify makes no write of any kind. It reports what
 * ensure would change and exits non-zero when anything would.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runInProcess } from "../helpers/cli.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 20\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
});
afterEach(async () => world.stop());

// In-process against the in-process stand-ins; each command's end-to-end run is elsewhere.
const cli = (args: string[]) => runInProcess(args, { cwd: ws.dir, env: cleanEnv(world.env) });
const kubeWrites = (from: number) =>
  world.kube.requests
    .slice(from)
    .filter((q) => ["create", "update", "patch", "delete"].includes(q.verb));
const verify = ["bootstrap-db-migrations-secret", "--mode", "verify"];

describe("bootstrap-db-migrations-secret --mode verify", () => {
  it("a missing namespace is reported, not created", async () => {
    const r = await cli(verify);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /namespace ameide does not exist \(ensure would create it; verify mode creates nothing\)/,
    );
    expect(kubeWrites(0)).toEqual([]);
    expect(world.kube.get("Namespace", undefined, "ameide")).toBeUndefined();
  });

  it("a hand-edited migrations secret is reported with the keys ensure would change, and left as is", async () => {
    expect((await cli(["ensure-local-secrets"])).code).toBe(0);
    expect((await cli(["bootstrap-db-migrations-secret"])).code).toBe(0);
    const secret = world.kube.get("Secret", "ameide", "db-migrations-local")!;
    world.kube.put(
      {
        ...secret,
        data: {
          ...(secret.data as object),
          FLYWAY_USER: Buffer.from("by-hand").toString("base64"),
        },
      },
      "kubectl-edit",
    );
    const from = world.kube.requests.length;
    const r = await cli(verify);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /secret ameide\/db-migrations-local differs from what ensure would write: FLYWAY_USER would be updated/,
    );
    expect(kubeWrites(from)).toEqual([]);
    expect(world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_USER).toBe("by-hand");
  });

  it("a missing migrations secret is reported as a create, not written", async () => {
    expect((await cli(["ensure-local-secrets"])).code).toBe(0);
    const from = world.kube.requests.length;
    const r = await cli(verify);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /secret ameide\/db-migrations-local does not exist \(ensure would create it with FLYWAY_URL/,
    );
    expect(kubeWrites(from)).toEqual([]);
  });

  it("everything in order: exit 0 and no write", async () => {
    expect((await cli(["ensure-local-secrets"])).code).toBe(0);
    expect((await cli(["bootstrap-db-migrations-secret"])).code).toBe(0);
    const from = world.kube.requests.length;
    const r = await cli(verify);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/db-migrations Flyway secret ensured \(verified, unchanged; from/);
    expect(kubeWrites(from)).toEqual([]);
  });
});
