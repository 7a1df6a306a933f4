/**
 * post-start, the path every container start takes: the derived database password
 * is registered for masking where it enters the run (the fixture load), so a server
 * that quotes it back never puts it on stdout, stderr or the journal, not even with
 * DEBUG's stack traces. (The bootstrap's refusal quoting it is secret-in-errors.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deriveSecret } from "../../src/core/derive.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

// DB_URL_FIXTURES derives platform/db#DB_PASSWORD (24 alnum) under the default seed.
const PASSWORD = deriveSecret("dev-bootstrap-local", "secret", "platform/db", "DB_PASSWORD", {
  length: 24,
  alphabet: "alnum",
  rotation: 0,
});

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 5\neso:\n  readyTimeoutSeconds: 20\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
});
afterEach(async () => {
  await world.stop();
});

const postStart = () =>
  runCli(["post-start", "--no-tilt"], {
    cwd: ws.dir,
    env: cleanEnv({ ...world.env, DEBUG: "dev-bootstrap" }),
    timeoutMs: 60_000,
  });

function expectMasked(everything: string): void {
  expect(everything).not.toContain(PASSWORD);
  expect(everything).not.toContain(encodeURIComponent(PASSWORD));
  expect(everything).not.toContain(Buffer.from(PASSWORD).toString("base64"));
}

describe("post-start: the derived password stays masked", () => {
  it("when Vault quotes it back refusing the seed", async () => {
    world.vault.faults.beforeWrite = (_mount, path) => {
      if (path === "platform/db") throw new Error(`cannot store value "${PASSWORD}": refused`);
    };
    const r = await postStart();
    expect(r.code).not.toBe(0);
    const everything = r.stdout + r.stderr + ws.journal();
    expect(everything).toMatch(/cannot store value/);
    expectMasked(everything);
  });
});
