/**
 * post-start's Tilt step in-process, on a real state folder, with `tilt` as a fake
 * process port: what it starts and when it starts nothing, what it says (checkpoint
 * and error lines, with their hints), how long it waits and how often it asks, and
 * what it keeps in the state folder for the next run.
 *
 * The fake answers `tilt get session Tiltfile -o json` the way Tilt's API does: a
 * Session object whose spec.tiltfilePath is the Tiltfile `tilt up` serves and whose
 * status.pid is Tilt's own pid (tilt-dev/tilt pkg/apis/core/v1alpha1/session_types.go),
 * and "No tilt apiserver found" with a non-zero exit when nothing listens on TILT_PORT.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { StepError as StepErrorType } from "../../src/core/errors.js";
import type { FsPort, ProcPort } from "../../src/flows/host.js";
import { virtualClock } from "../helpers/clock.js";
import { captureLog, partialHost } from "../helpers/flow-run.js";
import { finishedRun } from "../helpers/tool-run.js";
import { makeWorkspace } from "../helpers/workspace.js";

/** `exitCode`: how the probe ends (default 0: the API answered). */
/** Loaded afresh for each test, so the module's own settings (its constants) are evaluated under the test too. */
let startTilt: typeof import("../../src/flows/tilt.js").startTilt;
let tiltRunning: typeof import("../../src/flows/tilt.js").tiltRunning;
let StepError: typeof StepErrorType;
beforeEach(async () => {
  vi.resetModules();
  ({ startTilt, tiltRunning } = await import("../../src/flows/tilt.js"));
  ({ StepError } = await import("../../src/core/errors.js"));
});

type Session = { tiltfile: string; pid?: number; exitCode?: number } | undefined;

interface Script {
  /** What the API on TILT_PORT answers at each probe (0-based), given how many Tilts were started. */
  answer?: (probe: number, started: number) => Session;
  /** Whether the process with this pid and identity still runs. */
  lives?: (pid: number, identity: string | undefined) => boolean;
  /** What startDetached returns, and what it writes to the log. */
  startPid?: number | undefined;
  identity?: string | undefined;
  log?: string;
  /** Where `tilt` is on PATH (undefined: not installed). */
  tiltAt?: string | undefined;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** How Tilt's log reads (default: from disk). */
  readRegular?: FsPort["readRegular"];
}

function setUp(script: Script = {}) {
  const ws = makeWorkspace({ Tiltfile: "# the workspace's\n" });
  mkdirSync(join(ws.dir, ".dev-bootstrap"));
  const resolved = resolveConfig({ cwd: ws.dir, env: {} });
  const tiltfile = join(ws.dir, "Tiltfile");
  const stateDir = join(ws.dir, ".dev-bootstrap");
  const probes: Array<{
    tool: string;
    args: string[];
    cwd?: string;
    timeoutMs?: number;
    killGraceMs?: number;
  }> = [];
  const started: Array<{ file: string; args: string[]; cwd: string; logFile: string }> = [];
  const whiches: string[] = [];
  const startPid = "startPid" in script ? script.startPid : 4242;
  const proc = {
    run: async (o) => {
      probes.push({
        tool: o.tool,
        args: [...o.args],
        cwd: o.cwd,
        timeoutMs: o.timeoutMs,
        killGraceMs: o.killGraceMs,
      });
      const session = script.answer?.(probes.length - 1, started.length);
      if (session) {
        // Indented over many lines, as tilt prints -o json; a client warning on stderr.
        const json = JSON.stringify(
          {
            kind: "Session",
            spec: { tiltfilePath: session.tiltfile },
            status: session.pid ? { pid: session.pid } : {},
          },
          null,
          4,
        );
        for (const line of json.split("\n")) o.onLine?.(line, "stdout");
        o.onLine?.("Warning: the API server's certificate expires in 2 days", "stderr");
      } else o.onLine?.("No tilt apiserver found: tilt-default", "stderr");
      return finishedRun(o, [], { exitCode: session ? (session.exitCode ?? 0) : 1 });
    },
    which: async (tool) => {
      whiches.push(tool);
      return "tiltAt" in script ? script.tiltAt : "/opt/bin/tilt";
    },
    startDetached: async (o) => {
      started.push({ file: o.file, args: [...o.args], cwd: o.cwd, logFile: o.logFile });
      // Tilt appends to the log it is given.
      appendFileSync(o.logFile, script.log ?? "Tilt started on http://localhost:10350/\n");
      return startPid;
    },
    identity: () => ("identity" in script ? script.identity : "boot-1:777"),
    sameProcess: (pid, identity) => script.lives?.(pid, identity) ?? false,
  } as ProcPort;
  const clock = virtualClock();
  const host = partialHost({
    fs: script.readRegular ? { ...nodeFs, readRegular: script.readRegular } : nodeFs,
    proc,
    clock,
    env: script.env ?? {},
    ...(script.signal ? { signal: script.signal } : {}),
  });
  const out = captureLog({ command: "post-start", clock, masker: host.masker });
  const run = (options?: { deadlineMs?: number }) => startTilt(host, resolved, out.log, options);
  const failure = async (options?: { deadlineMs?: number }) => {
    const error = await run(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepError);
    return error as StepErrorType;
  };
  const checkpoints = () =>
    out.records().map((r) => [r.step, r.status, r.message, ...(r.hint ? [r.hint] : [])]);
  const pidFile = join(stateDir, "tilt.pid");
  return {
    ws,
    resolved,
    tiltfile,
    stateDir,
    pidFile,
    probes,
    started,
    whiches,
    clock,
    host,
    out,
    run,
    failure,
    checkpoints,
  };
}

const SESSION_ARGS = ["get", "session", "Tiltfile", "-o", "json"];

describe("startTilt", () => {
  it("without tilt on PATH, skips with the install hint, and asks and starts nothing", async () => {
    const t = setUp({ tiltAt: undefined });
    await t.run();
    expect(t.whiches).toEqual(["tilt"]);
    expect(t.checkpoints()).toEqual([
      [
        "tilt",
        "skip",
        "tilt not found on PATH; Tilt not started",
        "install Tilt (docs.tilt.dev/install.html), then run 'tilt up'",
      ],
    ]);
    expect(t.probes).toEqual([]);
    expect(t.started).toEqual([]);
  });

  it("a Tilt already serving this Tiltfile, however started, is left alone: one bounded probe, nothing written", async () => {
    const t = setUp({ answer: () => ({ tiltfile: `${t.ws.dir}/./Tiltfile`, pid: 99 }) });
    await t.run();
    expect(t.probes).toEqual([
      {
        tool: "/opt/bin/tilt",
        args: SESSION_ARGS,
        cwd: t.ws.dir,
        timeoutMs: 5000,
        killGraceMs: 500,
      },
    ]);
    expect(t.started).toEqual([]);
    expect(t.checkpoints()).toEqual([
      ["tilt", "ok", "Tilt already serving this Tiltfile (pid 99, http://localhost:10350)"],
    ]);
    expect(nodeFs.exists(t.pidFile)).toBe(false);
    expect(nodeFs.exists(join(t.stateDir, "tilt.log"))).toBe(false);
  });

  it("says which port it asked, from TILT_PORT, and leaves out a pid the API did not give", async () => {
    const t = setUp({
      env: { TILT_PORT: " 10351 " },
      answer: () => ({ tiltfile: join(t.ws.dir, "Tiltfile") }),
    });
    await t.run();
    expect(t.checkpoints()).toEqual([
      ["tilt", "ok", "Tilt already serving this Tiltfile (http://localhost:10351)"],
    ]);
  });

  it("a probe that fails is no answer, whatever it printed before failing", async () => {
    const t = setUp({
      answer: (n) => ({ tiltfile: t.tiltfile, pid: 7, exitCode: n === 0 ? 1 : 0 }),
      lives: () => true,
    });
    await t.run();
    expect(t.started).toHaveLength(1);
    expect(t.out.checkpoint("tilt", "ok")?.message).toMatch(
      /^Tilt started in the background and answering \(pid 7,/,
    );
  });

  it("a Tilt serving another Tiltfile on the port is reported with how to stop it, and no second Tilt is started", async () => {
    const t = setUp({ answer: () => ({ tiltfile: "/other/repo/Tiltfile", pid: 31 }) });
    const error = await t.failure();
    expect(error.message).toBe(
      `the Tilt on port 10350 (pid 31) serves /other/repo/Tiltfile, not ${t.tiltfile}; a second Tilt cannot use that port`,
    );
    expect(error.hint).toBe(
      "stop that Tilt (Ctrl-C in its terminal, or 'tilt down --file /other/repo/Tiltfile' then stop it), or give this workspace its own port: TILT_PORT=10351 in the container's environment",
    );
    expect(t.started).toEqual([]);
    const noPid = setUp({
      env: { TILT_PORT: "10400" },
      answer: () => ({ tiltfile: "/other/repo/Tiltfile" }),
    });
    expect((await noPid.failure()).message).toBe(
      `the Tilt on port 10400 serves /other/repo/Tiltfile, not ${noPid.tiltfile}; a second Tilt cannot use that port`,
    );
  });

  it("starts tilt up detached with an emptied private log, and waits, asking every 500 ms, until its API answers", async () => {
    const t = setUp({
      // Nothing answers until the third probe after the start.
      answer: (n, started) => (started && n >= 3 ? { tiltfile: t.tiltfile, pid: 4242 } : undefined),
      lives: (pid, identity) => pid === 4242 && identity === "boot-1:777",
    });
    t.ws.write(".dev-bootstrap/tilt.log", "the last run's output\n");
    await t.run();
    expect(t.started).toEqual([
      {
        file: "/opt/bin/tilt",
        args: ["up", "--file", t.tiltfile],
        cwd: t.ws.dir,
        logFile: join(t.stateDir, "tilt.log"),
      },
    ]);
    expect(nodeFs.readState(t.pidFile)).toBe("4242");
    expect(nodeFs.readState(`${t.pidFile}.start`)).toBe("boot-1:777");
    expect(t.probes).toHaveLength(4);
    expect(t.clock.sleeps).toEqual([500, 500]);
    expect(t.checkpoints()).toEqual([
      [
        "tilt",
        "ok",
        `Tilt started in the background and answering (pid 4242, http://localhost:10350); its log: ${join(t.stateDir, "tilt.log")}`,
      ],
    ]);
  });

  it("empties Tilt's old log before the start, so a start that fails shows this start's output alone", async () => {
    const t = setUp({ startPid: undefined, log: "" });
    t.ws.write(".dev-bootstrap/tilt.log", "Error: an old failure\n");
    const error = await t.failure();
    expect(error.message).toBe("tilt up did not start: (no output)");
    expect(error.hint).toBe(
      `see ${join(t.stateDir, "tilt.log")}; run 'tilt up' in a terminal to see why`,
    );
    expect(nodeFs.readState(t.pidFile)).toBe("");
    expect(nodeFs.exists(`${t.pidFile}.start`)).toBe(false);
  });

  it("a Tilt we started that still runs is waited for, not started twice, and its log is kept", async () => {
    const t = setUp({
      answer: (n) => (n >= 2 ? { tiltfile: t.tiltfile } : undefined),
      lives: (pid, identity) => pid === 5150 && identity === "boot-1:500",
    });
    t.ws.write(".dev-bootstrap/tilt.pid", "5150\n");
    t.ws.write(".dev-bootstrap/tilt.pid.start", "boot-1:500\n");
    t.ws.write(".dev-bootstrap/tilt.log", "still loading\n");
    await t.run();
    expect(t.started).toEqual([]);
    expect(t.ws.read(".dev-bootstrap/tilt.log")).toBe("still loading\n");
    expect(t.clock.sleeps).toEqual([500]);
    // The API gave no pid: the one we started is named.
    expect(t.checkpoints()).toEqual([
      [
        "tilt",
        "ok",
        `Tilt up and answering (pid 5150, http://localhost:10350); its log: ${join(t.stateDir, "tilt.log")}`,
      ],
    ]);
  });

  it("a recorded pid that is no longer Tilt (gone, or reused) is not waited for: a new Tilt starts", async () => {
    const t = setUp({
      answer: (_n, started) => (started ? { tiltfile: t.tiltfile, pid: 4242 } : undefined),
      lives: (pid, identity) => pid === 4242 && identity === "boot-1:777",
    });
    t.ws.write(".dev-bootstrap/tilt.pid", "5150\n");
    t.ws.write(".dev-bootstrap/tilt.pid.start", "boot-0:500\n");
    await t.run();
    expect(t.started).toHaveLength(1);
    expect(nodeFs.readState(t.pidFile)).toBe("4242");
    expect(nodeFs.readState(`${t.pidFile}.start`)).toBe("boot-1:777");
  });

  it("keeps no stale identity when the started process's cannot be read", async () => {
    const t = setUp({
      identity: undefined,
      answer: (_n, started) => (started ? { tiltfile: t.tiltfile, pid: 4242 } : undefined),
      lives: (pid, identity) => pid === 4242 && identity === undefined,
    });
    t.ws.write(".dev-bootstrap/tilt.pid.start", "boot-0:1\n");
    await t.run();
    expect(nodeFs.readState(t.pidFile)).toBe("4242");
    expect(nodeFs.exists(`${t.pidFile}.start`)).toBe(false);
    expect(t.out.checkpoint("tilt", "ok")?.message).toMatch(/^Tilt started in the background/);
  });

  it("a Tilt that exits before answering fails with the last lines of its log, masked, and forgets its pid", async () => {
    const t = setUp({
      lives: () => false,
      log: [
        "Tilt started on http://localhost:10350/",
        "",
        "loading Tiltfile",
        "token s3cr3t-value in use\r",
        "  ",
        "one",
        "two",
        "Tilt cannot start because you already have another process on port 10350",
        "",
      ].join("\r\n"),
    });
    t.host.masker.register("s3cr3t-value");
    const error = await t.failure();
    expect(error.message).toBe(
      "tilt up (pid 4242) exited before its API answered: loading Tiltfile | token *** in use | one | two | Tilt cannot start because you already have another process on port 10350",
    );
    expect(error.message).not.toContain("s3cr3t-value");
    expect(error.hint).toBe(
      `see ${join(t.stateDir, "tilt.log")}; "another process on port 10350" means the port is taken: stop that process, or set TILT_PORT to a free port in the container's environment`,
    );
    expect(t.clock.elapsed()).toBe(0);
    expect(nodeFs.exists(t.pidFile)).toBe(false);
    expect(nodeFs.exists(`${t.pidFile}.start`)).toBe(false);
  });

  it("a Tilt that runs and never answers fails at the deadline, asking every 500 ms until then", async () => {
    const t = setUp({ lives: () => true });
    const error = await t.failure({ deadlineMs: 2_000 });
    expect(error.message).toBe(
      "Tilt (pid 4242) runs but its API did not answer on port 10350 within 2 s: Tilt started on http://localhost:10350/",
    );
    expect(error.hint).toBe(
      `it was left running; see ${join(t.stateDir, "tilt.log")}, and 'tilt get session' to check it again`,
    );
    expect(t.clock.sleeps).toEqual([500, 500, 500, 500]);
    expect(t.clock.elapsed()).toBe(2_000);
    // One probe before the start, then one at 0, 0.5, 1, 1.5 and 2 s.
    expect(t.probes).toHaveLength(6);
    expect(nodeFs.readState(t.pidFile)).toBe("4242");
  });

  it("another Tiltfile's Tilt answering while ours starts is reported, not taken for ours", async () => {
    const t = setUp({
      lives: () => true,
      answer: (n) => (n >= 2 ? { tiltfile: "/other/Tiltfile", pid: 8 } : undefined),
    });
    const error = await t.failure();
    expect(error.message).toBe(
      `the Tilt on port 10350 (pid 8) serves /other/Tiltfile, not ${t.tiltfile}; a second Tilt cannot use that port`,
    );
    expect(t.started).toHaveLength(1);
  });

  it("stops waiting when the run is interrupted", async () => {
    const stop = new AbortController();
    const t = setUp({
      lives: () => true,
      signal: stop.signal,
      answer: (n) => {
        if (n === 2) stop.abort(new Error("interrupted"));
        return undefined;
      },
    });
    await expect(t.run()).rejects.toThrow("interrupted");
    expect(t.probes).toHaveLength(3);
    expect(t.clock.elapsed()).toBe(500);
  });

  it("says what Tilt's log is when it cannot be read as text", async () => {
    const t = setUp({
      lives: () => false,
      readRegular: (_file, max) => {
        expect(max).toBe(1024 * 1024);
        return { tooLarge: 5_000_000 };
      },
    });
    expect((await t.failure()).message).toBe(
      `tilt up (pid 4242) exited before its API answered: (its log holds 5000000 bytes; read ${join(t.stateDir, "tilt.log")})`,
    );
    const u = setUp({ lives: () => false, readRegular: () => ({ kind: "a named pipe" }) });
    expect((await u.failure()).message).toBe(
      "tilt up (pid 4242) exited before its API answered: (its log is a named pipe)",
    );
  });
});

describe("tiltRunning", () => {
  const at = (pid: string | undefined, start: string | undefined) => {
    const ws = makeWorkspace();
    const seen: Array<[number, string | undefined]> = [];
    if (pid !== undefined) ws.write("tilt.pid", pid);
    if (start !== undefined) ws.write("tilt.pid.start", start);
    const proc = {
      sameProcess: (p: number, identity: string | undefined) => {
        seen.push([p, identity]);
        return true;
      },
    } as ProcPort;
    return { running: tiltRunning({ fs: nodeFs, proc }, join(ws.dir, "tilt.pid")), seen };
  };

  it("is the recorded pid when that process still runs, checked with its recorded identity", () => {
    expect(at(" 4242\n", "boot-1:99\n")).toEqual({ running: 4242, seen: [[4242, "boot-1:99"]] });
    // No identity recorded (or an empty one): the pid alone is checked.
    expect(at("4242", "  \n")).toEqual({ running: 4242, seen: [[4242, undefined]] });
    expect(at("4242", undefined)).toEqual({ running: 4242, seen: [[4242, undefined]] });
  });

  it("is nothing for a missing, empty or malformed pid file, without asking about any process", () => {
    for (const pid of [undefined, "", "\n", "0", "-3", "12.5", "tilt"])
      expect(at(pid, "boot-1:99"), JSON.stringify(pid)).toEqual({ running: undefined, seen: [] });
  });
});
