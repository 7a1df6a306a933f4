/**
 * Config that would make runs fight themselves (FAULTS 50), through the built CLI:
 * refused before any request, with the entry's position and a hint, and nothing
 * written anywhere (for run state linked out of the workspace: nothing out there).
 */
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VaultStandIn } from "../../src/sandbox/vault-server.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { type HungServer, kubeconfigFor, startHungServer } from "../helpers/spawned.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

// Short limits, so that a run that goes ahead anyway ends soon instead of waiting on the API.
const LIMITS =
  "vault:\n  readyTimeoutSeconds: 2\nkube:\n  requestTimeoutSeconds: 1\n  requestAttempts: 1\neso:\n  readyTimeoutSeconds: 2\n";
const FIXTURE =
  "paths:\n  app/db:\n    DB_USERNAME: app\n    DB_PASSWORD: { derive: { length: 24 } }\n";

let vault: VaultStandIn;
let kube: HungServer;
let ws: Workspace;

beforeEach(async () => {
  vault = new VaultStandIn();
  kube = await startHungServer();
  ws = makeWorkspace({ "vault/fixtures/local.yaml": FIXTURE, kubeconfig: kubeconfigFor(kube.url) });
});
afterEach(async () => {
  await Promise.all([vault.close(), kube.close()]);
});

async function run(args: string[], config: string) {
  ws.write("dev-bootstrap.yaml", `${LIMITS}${config}`);
  const addr = await vault.listen();
  const r = await runCli(args, {
    cwd: ws.dir,
    env: cleanEnv({
      VAULT_ADDR: addr,
      VAULT_TOKEN: vault.rootToken,
      KUBECONFIG: join(ws.dir, "kubeconfig"),
    }),
  });
  return { ...r, stderr: r.stderr.replaceAll(ws.dir, "<ws>") };
}

/** Nothing reached Vault or the API server, and no run state was written. */
function expectNothingDone() {
  expect(vault.requests).toHaveLength(0);
  expect(kube.connections).toBe(0);
  expect(existsSync(join(ws.dir, ".dev-bootstrap"))).toBe(false);
}

describe("config that would make runs fight themselves stops the run before it starts", () => {
  it("ensure-local-secrets: two ExternalSecrets of one name", async () => {
    const r = await run(
      ["ensure-local-secrets"],
      "  externalSecrets:\n    - { name: app-creds, vaultPath: app/db }\n    - { name: app-creds, vaultPath: app/db2 }\n",
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        "dev-bootstrap ensure-local-secrets: error: <ws>/dev-bootstrap.yaml:10:15: eso.externalSecrets.1.name: ExternalSecret ameide/app-creds is defined twice: each run would apply both and its Secret would flip between their contents (see eso.externalSecrets.0.name, line 9:15)",
        "  hint: give each ExternalSecret its own name, or remove the copy",
        "",
      ].join("\n"),
    );
    expectNothingDone();
  });

  it("check-db-migrations-secret: one database under two names", async () => {
    const r = await run(
      ["check-db-migrations-secret"],
      "migrations:\n  databases:\n    - { name: app, vaultPath: app/db }\n    - { name: app, vaultPath: app/db }\n",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^dev-bootstrap check-db-migrations-secret: error: <ws>\/dev-bootstrap\.yaml:11:15: migrations\.databases\.1\.name: database app is listed twice: .* \(see migrations\.databases\.0\.name, line 10:15\)\n {2}hint: remove the copy, or give the second database its own name\n$/,
    );
    expectNothingDone();
  });

  it("ensure-local-secrets: a state directory linked out of the workspace creates nothing out there", async () => {
    const away = mkdtempSync(join(tmpdir(), "dbws-outside-"));
    symlinkSync(away, join(ws.dir, "state"));
    const r = await run(["ensure-local-secrets", "--skip-eso"], "stateDir: state\n");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        `dev-bootstrap ensure-local-secrets: error: <ws>/dev-bootstrap.yaml:8:11: stateDir: must stay inside the workspace (a symbolic link on the way leads to ${away})`,
        "  hint: replace the link by a directory, or set DEV_BOOTSTRAP_STATE_DIR to keep run state elsewhere for one run",
        "",
      ].join("\n"),
    );
    expect(readdirSync(away)).toEqual([]);
    expect(vault.requests).toHaveLength(0);
  });

  it("a control character in a path given as a flag names the flag as typed", async () => {
    const r = await run(["ensure-local-secrets", "--skip-eso", "--state-dir", "st\u0007ate"], "");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        "dev-bootstrap ensure-local-secrets: error: flag --state-dir: stateDir: contains a control character (\\x07, character 3 of the value), which no path holds on purpose",
        "  hint: retype the value: a control character in it is usually a pasted newline or an escape sequence",
        "",
      ].join("\n"),
    );
    expectNothingDone();
  });
});
