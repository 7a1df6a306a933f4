/**
 * `dev-bootstrap why`: one link broken at a time, behind the tool's back as it
 * happens in real life (Vault edited by hand, an ExternalSecret deleted or failing,
 * ESO keeping an old value, the migrations secret deleted or corrupted); each time
 * the first broken link, its fix, and not one write in the stand-ins' request logs.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli, runInProcess } from "../helpers/cli.js";
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

const cli = (args: string[]) => runInProcess(args, { cwd: ws.dir, env: cleanEnv(world.env) });

interface Report {
  ok: boolean;
  firstBroken: string | null;
  links: Array<{ id: string; status: string; summary: string; evidence: string[]; fix: string | null }>;
}

/** Runs `why --json` and returns the report, after checking nothing was written. */
async function why(args: string[] = []): Promise<Report & { code: number; out: string }> {
  const vaultFrom = world.vault.requests.length;
  const kubeFrom = world.kube.requests.length;
  const r = await cli(["why", "--json", ...args]);
  const vaultWrites = world.vault.requests
    .slice(vaultFrom)
    .filter((q) => ["POST", "PUT", "PATCH", "DELETE"].includes(q.method));
  const kubeWrites = world.kube.requests
    .slice(kubeFrom)
    .filter((q) => ["create", "update", "patch", "delete"].includes(q.verb));
  expect(vaultWrites, "why wrote to Vault").toEqual([]);
  expect(kubeWrites, "why wrote to Kubernetes").toEqual([]);
  return { ...(JSON.parse(r.stdout) as Report), code: r.code, out: r.stdout + r.stderr };
}

async function ready(): Promise<void> {
  expect((await cli(["ensure-local-secrets"])).code).toBe(0);
  expect((await cli(["bootstrap-db-migrations-secret"])).code).toBe(0);
}

describe("dev-bootstrap why", () => {
  it("a healthy chain: every link up to the migrations secret ok, the database links unchecked, exit 0", async () => {
    await ready();
    const r = await why();
    expect(r.code, r.out).toBe(0);
    expect(r.ok).toBe(true);
    expect(r.firstBroken).toBeNull();
    expect(r.links.map((l) => [l.id, l.status])).toEqual([
      ["fixtures", "ok"],
      ["vault", "ok"],
      ["vault-data", "ok"],
      ["eso", "ok"],
      ["external-secrets", "ok"],
      ["source-secrets", "ok"],
      ["migrations-secret", "ok"],
      ["database-login", "unchecked"],
      ["flyway", "unchecked"],
    ]);
  });
});
