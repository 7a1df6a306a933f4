/**
 * FAULTS.md 47, 52, 54 and 56: the state directory from outside. A named pipe
 * where the journal or the lock belongs, a full or read-only state directory, a
 * lock left empty or unparsable, a left-over takeover guard naming a live,
 * unrelated process: each run ends in bounded time with one line and a hint,
 * and leaves no lock behind. Tilt's log is private. A signal during post-start's
 * final summary still ends it as interrupted.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { Host, ProcPort } from "../../src/flows/host.js";
import { startTilt } from "../../src/flows/post-start.js";
import type { CheckpointLogger } from "../../src/log/logger.js";
import { BIN, cleanEnv, REPO, runCli } from "../helpers/cli.js";
import { runChild } from "../helpers/run-child.js";
import { spawnCli } from "../helpers/spawned.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

/** A port nothing listens on: Vault down, so a run fails fast once past the lock. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const workspace = () =>
  makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 1\n",
    "vault/fixtures/app.yaml": "paths:\n  app/config:\n    GREETING: hello\n",
  });
const envFor = async () =>
  cleanEnv({ VAULT_TOKEN: "dev-token", VAULT_ADDR: `http://127.0.0.1:${await closedPort()}` });
const state = (ws: Workspace, name = "") => join(ws.dir, ".dev-bootstrap", name);
/** The step after the lock: a run that prints it got the lock. */
const PAST_THE_LOCK = /\[vault:health\] ▶/;
const NO_STACK = /^\s+at /m;
/** Generous: a run past the lock takes a few seconds; the faults used to hang for minutes. */
const BOUND = 60_000;
vi.setConfig({ testTimeout: BOUND });

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

describe("a lock that names no holder, or whose takeover was left half-done", () => {
  it("an empty lock (left by a full disk) is stale: the next run takes it within seconds", async () => {
    const ws = workspace();
    mkdirSync(state(ws), { recursive: true });
    writeFileSync(state(ws, "dev-bootstrap.lock"), "");
    const started = Date.now();
    const r = await runCli(["ensure-local-secrets"], {
      cwd: ws.dir,
      env: await envFor(),
      timeoutMs: 45_000,
    });
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(r.stdout).toMatch(PAST_THE_LOCK);
    expect(r.stdout + r.stderr).not.toContain("another run holds the lock");
    expect(existsSync(state(ws, "dev-bootstrap.lock"))).toBe(false);
  });

  it("an unparsable lock is stale too", async () => {
    const ws = workspace();
    mkdirSync(state(ws), { recursive: true });
    writeFileSync(state(ws, "dev-bootstrap.lock"), '{"pid": 12');
    const r = await runCli(["ensure-local-secrets"], {
      cwd: ws.dir,
      env: await envFor(),
      timeoutMs: 45_000,
    });
    expect(r.stdout).toMatch(PAST_THE_LOCK);
    expect(existsSync(state(ws, "dev-bootstrap.lock"))).toBe(false);
  });

  it("a stale lock and a left-over takeover guard naming a live, unrelated pid: taken over, not spun on", async () => {
    const ws = workspace();
    mkdirSync(state(ws), { recursive: true });
    // The run that wrote both is gone; after a restart its pid belongs to a `sleep`.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const unrelated = spawn("sleep", ["600"], { stdio: "ignore" });
    children.push(unrelated);
    writeFileSync(
      state(ws, "dev-bootstrap.lock"),
      JSON.stringify({ pid: dead, runId: "before-restart", since: "2026-01-01T00:00:00.000Z" }),
    );
    const guard = state(ws, "dev-bootstrap.lock.takeover");
    writeFileSync(guard, String(unrelated.pid));
    const lastBoot = new Date(Date.now() - 5 * 60_000);
    utimesSync(guard, lastBoot, lastBoot);
    const r = await runCli(["ensure-local-secrets"], {
      cwd: ws.dir,
      env: await envFor(),
      timeoutMs: 45_000,
    });
    expect(r.stdout, r.stdout + r.stderr).toMatch(PAST_THE_LOCK);
    expect(existsSync(state(ws, "dev-bootstrap.lock"))).toBe(false);
    expect(existsSync(guard)).toBe(false);
    expect(unrelated.exitCode).toBeNull(); // the unrelated process is left alone
  });
});

describe("special files where state is kept are refused, never waited on", () => {
  const fifo = (path: string) => {
    mkdirSync(join(path, ".."), { recursive: true });
    expect(spawnSync("mkfifo", [path]).status).toBe(0);
  };

  it("a named pipe as the journal: post-start ends at once, saying so; summary refuses it", async () => {
    const ws = workspace();
    fifo(state(ws, "journal.jsonl"));
    const env = await envFor();
    const r = await runCli(["post-start", "--no-tilt"], { cwd: ws.dir, env, timeoutMs: 45_000 });
    expect(r.code).toBe(1);
    const refused = `${state(ws, "journal.jsonl")} is a named pipe, not a regular file`;
    expect(r.stdout + r.stderr).toContain(refused);
    expect(r.stdout + r.stderr).not.toMatch(NO_STACK);
    const s = await runCli(["summary"], { cwd: ws.dir, env, timeoutMs: 45_000 });
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(`error: ${refused}: refusing to use it`);
    expect(s.stderr).toMatch(/hint: .*remove it \(rm .*journal\.jsonl\)/);
    expect(statSync(state(ws, "journal.jsonl")).isFIFO()).toBe(true);
  });

  it("a named pipe as the lock: refused with one line, not waited on", async () => {
    const ws = workspace();
    fifo(state(ws, "dev-bootstrap.lock"));
    const r = await runCli(["ensure-local-secrets"], {
      cwd: ws.dir,
      env: await envFor(),
      timeoutMs: 45_000,
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `[ensure-local-secrets] ✖ ${state(ws, "dev-bootstrap.lock")} is a named pipe, not a regular file`,
    );
    expect(r.stdout + r.stderr).not.toMatch(NO_STACK);
  });
});

/**
 * A full or read-only state directory needs a mount of its own. `unshare -rm` gives
 * the run a private mount namespace (no privileges needed where user namespaces are
 * allowed, nothing left mounted afterwards); where that is refused these cases skip.
 */
const canMount =
  (await runChild("unshare", ["-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]))
    .status === 0;
const withMount = canMount ? it : it.skip;
const mountNote = canMount
  ? ""
  : " (skipped: unshare -rm with a tmpfs mount is not permitted here)";

/** Runs `script` (sh) in a private mount namespace, in the workspace, with `$DB` the CLI. */
async function inNamespace(ws: Workspace, env: NodeJS.ProcessEnv, script: string) {
  const r = await runChild("unshare", ["-rm", "sh", "-c", script], {
    cwd: ws.dir,
    env: { ...env, DB: `${process.execPath} ${BIN}` },
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe(`a full or read-only state directory${mountNote}`, () => {
  withMount(
    "full: one line naming the lock and ENOSPC, no lock left behind; once space is freed the next run goes ahead",
    async () => {
      const ws = workspace();
      mkdirSync(state(ws), { recursive: true });
      const r = await inNamespace(
        ws,
        await envFor(),
        [
          "mount -t tmpfs -o size=16k tmpfs .dev-bootstrap",
          "dd if=/dev/zero of=.dev-bootstrap/filler bs=1k count=64 2>/dev/null",
          '$DB ensure-local-secrets; echo "exit=$?"',
          'echo "left: $(ls .dev-bootstrap)"',
          "rm .dev-bootstrap/filler",
          '$DB ensure-local-secrets; echo "exit=$?"',
        ].join("\n"),
      );
      const [first, second] = r.stdout.split(/^left: .*$/m);
      expect(first).toContain(
        `[ensure-local-secrets] ✖ cannot create ${state(ws, "dev-bootstrap.lock")}: no space left on device (ENOSPC) — hint: free space on the file system that holds ${state(ws)}`,
      );
      expect(first).toContain("exit=1");
      expect(r.stdout).toMatch(/^left: filler$/m); // no lock, no scratch file
      expect(r.stderr).not.toMatch(NO_STACK);
      // The journal on the full disk is told once, as a warning with a hint.
      expect(r.stderr).toContain(
        `dev-bootstrap: warning: cannot write ${state(ws, "journal.jsonl")}: no space left on device (ENOSPC)`,
      );
      expect(second).toMatch(PAST_THE_LOCK);
      expect(second).not.toContain("another run holds the lock");
    },
  );

  withMount("read-only: one line naming the lock and EROFS, never a stack trace", async () => {
    const ws = workspace();
    mkdirSync(state(ws), { recursive: true });
    const r = await inNamespace(
      ws,
      await envFor(),
      'mount -t tmpfs -o size=64k,ro tmpfs .dev-bootstrap\n$DB ensure-local-secrets; echo "exit=$?"',
    );
    expect(r.stdout).toContain(
      `[ensure-local-secrets] ✖ cannot create ${state(ws, "dev-bootstrap.lock")}: read-only file system (EROFS) — hint: mount the workspace read-write, or point stateDir`,
    );
    expect(r.stdout).toContain("exit=1");
    expect(r.stderr).not.toMatch(NO_STACK);
  });
});

describe("Tilt's log", () => {
  it("is created 0600, and an existing one is tightened to 0600", async () => {
    for (const existing of [false, true]) {
      const ws = makeWorkspace({ "dev-bootstrap.yaml": "", Tiltfile: "# empty\n" });
      const log = state(ws, "tilt.log");
      if (existing) {
        mkdirSync(state(ws), { recursive: true });
        writeFileSync(log, "earlier output\n", { mode: 0o644 });
      }
      let started = false;
      const proc = {
        which: async () => "/opt/bin/tilt",
        // Tilt appends to the log it is given, as proc.startDetached opens it.
        startDetached: async (o: { logFile: string }) => {
          writeFileSync(o.logFile, "tilt output\n", { flag: "a" });
          started = true;
          return 4242;
        },
        // Its API answers `tilt get session` once it started.
        run: async (o: { onLine: (line: string, stream: string) => void }) => {
          if (started)
            o.onLine(
              JSON.stringify({ kind: "Session", spec: { tiltfilePath: join(ws.dir, "Tiltfile") } }),
              "stdout",
            );
          return { exitCode: started ? 0 : 1, tail: [] };
        },
        identity: () => undefined,
        sameProcess: () => true,
      } as unknown as ProcPort;
      const lines: string[] = [];
      const logger = {
        checkpoint: (step: string, status: string, message: string) =>
          lines.push(`${step} ${status} ${message}`),
      } as unknown as CheckpointLogger;
      const host = {
        fs: nodeFs,
        proc,
        env: {},
        clock: { now: () => 0, sleep: async () => {} },
      } as unknown as Host;
      await startTilt(host, resolveConfig({ cwd: ws.dir, env: {} }), logger);
      expect(lines.at(-1)).toMatch(/^tilt ok Tilt started/);
      expect((statSync(log).mode & 0o777).toString(8)).toBe("600");
      expect(readFileSync(log, "utf8")).toContain("tilt output");
    }
  });
});

describe("a signal during post-start's final summary", () => {
  it("SIGTERM while the summary is being written still exits 143", async () => {
    const ws = workspace();
    const release = join(ws.dir, "release");
    const run = spawnCli(["post-start", "--no-tilt"], {
      cwd: ws.dir,
      env: {
        ...(await envFor()),
        // A terminal that stops reading when the summary table is written.
        NODE_OPTIONS: `--import ${join(REPO, "test/helpers/stall-stdout.mjs")}`,
        STALL_STDOUT_AT: "STEP +STATUS",
        STALL_RELEASE: release,
      },
    });
    children.push(run.child);
    await run.waitFor(/stdout stalled/);
    run.child.kill("SIGTERM");
    writeFileSync(release, "");
    expect(await run.exited, run.output()).toBe(143);
    expect(run.output()).toContain("interrupted (SIGTERM)");
  });
});
