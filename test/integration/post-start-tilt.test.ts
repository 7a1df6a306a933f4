/**
 * post-start's Tilt step against a `tilt` that binds a real port and answers on its
 * API as Tilt does (test/helpers/fake-tilt.ts): Tilt is "started" only once its API
 * answers for this Tiltfile; a Tilt that exits at once is reported with its log's
 * tail; a Tilt already serving the Tiltfile is found however it was started; one
 * serving another Tiltfile on the port is reported, never doubled.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../src/sandbox/postgres.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { FakeTilt } from "../helpers/fake-tilt.js";
import { alive } from "../helpers/standin.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
let tilt: FakeTilt;
let port: number;
const servers: Server[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 1\neso:\n  readyTimeoutSeconds: 30\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
    Tiltfile: "# the workspace's Tiltfile\n",
  });
  tilt = new FakeTilt();
  // Each test has a port of its own: nothing here touches 10350.
  port = await freePort();
});
afterEach(async () => {
  tilt.stopAll();
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const s of servers.splice(0)) s.close();
  await world.stop();
});

const env = () =>
  cleanEnv({ ...world.env, PATH: tilt.path(), HOME: tilt.home, TILT_PORT: String(port) });
const postStart = () => runCli(["post-start"], { cwd: ws.dir, env: env() });

/** `tilt up` started by hand in `dir`, resolved once it says it started. */
async function tiltUpByHand(dir: string): Promise<number> {
  const child = spawn("tilt", ["up"], { cwd: dir, env: env(), stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Tilt started on")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`tilt up exited ${code}`)));
  });
  return child.pid!;
}

describe("post-start's Tilt step", () => {
  it("reports a Tilt that exits at once (its port taken) as a failure with the log's tail", async () => {
    // Another program holds the port: Tilt cannot bind it and exits 1.
    const holder = createServer(() => {});
    servers.push(holder);
    await new Promise<void>((r) => holder.listen(port, "127.0.0.1", r));
    const started = Date.now();
    const r = await postStart();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `\\[tilt\\] ✖ tilt up \\(pid \\d+\\) exited before its API answered: .*Tilt cannot start because you already have another process on port ${port}.*address already in use`,
      ),
    );
    expect(r.stdout).toMatch(/— hint: see \S+tilt\.log; "another process on port \d+" means/);
    expect(r.stdout).not.toContain("Tilt started in the background");
    // The summary names the step that failed.
    expect(r.stdout).toMatch(/tilt +FAIL +/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(tilt.calls("up")).toHaveLength(1);
  });

  it("starts Tilt and reports it once its API answers for this Tiltfile; a second run starts none", async () => {
    const r = await postStart();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [up] = tilt.calls("up");
    expect(up?.argv).toEqual(["up", "--file", join(ws.dir, "Tiltfile")]);
    expect(r.stdout).toContain(
      `[tilt] ✔ Tilt started in the background and answering (pid ${up?.pid}, http://localhost:${port}); its log: ${join(ws.dir, ".dev-bootstrap/tilt.log")}`,
    );
    expect(alive(up!.pid)).toBe(true);
    expect(readFileSync(join(ws.dir, ".dev-bootstrap/tilt.log"), "utf8")).toContain(
      `Tilt started on http://localhost:${port}/`,
    );

    const again = await postStart();
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      `[tilt] ✔ Tilt already serving this Tiltfile (pid ${up?.pid}, http://localhost:${port})`,
    );
    expect(tilt.calls("up")).toHaveLength(1);
  });

  it("finds a Tilt the developer started by hand for this Tiltfile and starts no second one", async () => {
    const pid = await tiltUpByHand(ws.dir);
    const r = await postStart();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `[tilt] ✔ Tilt already serving this Tiltfile (pid ${pid}, http://localhost:${port})`,
    );
    expect(tilt.calls("up")).toHaveLength(1);
    expect(alive(pid)).toBe(true);
  });

  it("reports a Tilt serving another Tiltfile on the port, and starts none", async () => {
    const other = mkdtempSync(join(tmpdir(), "other-repo-"));
    writeFileSync(join(other, "Tiltfile"), "# another project\n");
    const pid = await tiltUpByHand(other);
    const r = await postStart();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `[tilt] ✖ the Tilt on port ${port} (pid ${pid}) serves ${join(other, "Tiltfile")}, not ${join(ws.dir, "Tiltfile")}; a second Tilt cannot use that port — hint: stop that Tilt`,
    );
    expect(r.stdout).toContain("TILT_PORT=10351");
    expect(tilt.calls("up")).toHaveLength(1);
  });
});
