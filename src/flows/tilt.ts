/**
 * post-start's Tilt step: a Tilt serving this workspace's Tiltfile, confirmed by
 * Tilt's own API, or a failure that says why with the end of Tilt's log.
 *
 * A started process is not a running Tilt: `tilt up` exits at once when its port
 * is taken ("Tilt cannot start because you already have another process on port
 * 10350"), and a Tilt the developer started by hand is invisible to a pid file.
 * So Tilt's API is asked first (`tilt get session`, src/core/tilt-session.ts): a
 * Tilt serving this Tiltfile is left alone however it was started, and one serving
 * another Tiltfile on the same port is reported, not doubled. Only then is `tilt up`
 * started, and the step waits until its API answers for this Tiltfile, the process
 * exits, or the deadline passes.
 */
import { join } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import { maskedTail } from "../core/tail.js";
import {
  parseTiltSession,
  servesTiltfile,
  TILT_SESSION_ARGS,
  type TiltSession,
  tiltPort,
} from "../core/tilt-session.js";
import type { CheckpointLogger } from "../log/logger.js";
import type { Host } from "./host.js";

/** How long a started Tilt has to answer on its API before the step fails. */
const TILT_UP_DEADLINE_MS = 30_000;
/** The bound on one `tilt get session` (a Tilt that accepts and never answers). */
const PROBE_TIMEOUT_MS = 5_000;
const POLL_MS = 500;
/** The most of Tilt's log read back for the tail (it was truncated at the start). */
const LOG_READ_MAX = 1024 * 1024;
const TAIL_LINES = 5;

/**
 * The pid of the Tilt we started, when it still runs. Its identity (boot id and
 * start time) is kept beside the pid, so a pid reused after a restart by an
 * unrelated process does not count as Tilt.
 */
export function tiltRunning(host: Pick<Host, "fs" | "proc">, pidFile: string): number | undefined {
  const { fs, proc } = host;
  // Read as run state: a named pipe in their place is refused, never waited on.
  // Stryker disable next-line MethodExpression: Number() ignores surrounding whitespace itself
  const pid = Number(fs.readState(pidFile)?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const started = fs.readState(`${pidFile}.start`)?.trim();
  return proc.sameProcess(pid, started || undefined) ? pid : undefined;
}

/** The session of the Tilt answering on TILT_PORT, or undefined when none answers. */
async function askTilt(host: Host, tilt: string, cwd: string): Promise<TiltSession | undefined> {
  const out: string[] = [];
  const r = await host.proc.run({
    tool: tilt,
    args: [...TILT_SESSION_ARGS],
    cwd,
    timeoutMs: PROBE_TIMEOUT_MS,
    killGraceMs: 500,
    onLine: (line, stream) => {
      if (stream === "stdout") out.push(line);
    },
  });
  // Not a Tilt (or not ours to ask) when it failed: "No tilt apiserver found",
  // connection refused, or no answer within the bound.
  if (r.exitCode !== 0) return undefined;
  // Stryker disable next-line StringLiteral: JSON's line breaks only separate tokens, so lines joined without them parse the same
  return parseTiltSession(out.join("\n"));
}

/** The last lines of Tilt's log, masked, on one line. */
function logTail(host: Host, logFile: string): string {
  const read = host.fs.readRegular(logFile, LOG_READ_MAX);
  if ("tooLarge" in read) return `(its log holds ${read.tooLarge} bytes; read ${logFile})`;
  if ("kind" in read) return `(its log is ${read.kind})`;
  const lines = read.bytes
    .toString("utf8")
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter(Boolean);
  return maskedTail({ tail: lines }, host.masker, TAIL_LINES);
}

function otherTiltfile(session: TiltSession, port: string, tiltfile: string): StepError {
  const who = session.pid ? ` (pid ${session.pid})` : "";
  return new StepError(
    `the Tilt on port ${port}${who} serves ${session.tiltfilePath}, not ${tiltfile}; a second Tilt cannot use that port`,
    `stop that Tilt (Ctrl-C in its terminal, or 'tilt down --file ${session.tiltfilePath}' then stop it), or give this workspace its own port: TILT_PORT=10351 in the container's environment`,
  );
}

/**
 * Starts `tilt up` detached (its output in <stateDir>/tilt.log, so the editor is not
 * blocked) unless a Tilt already serves this Tiltfile, and confirms through Tilt's
 * API that it is up.
 */
export async function startTilt(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: { deadlineMs?: number } = {},
): Promise<void> {
  const { fs, proc, clock } = host;
  const step = "tilt";
  const tiltfile = join(resolved.root, "Tiltfile");
  if (!fs.exists(tiltfile)) {
    log.checkpoint(step, "skip", "no Tiltfile in the workspace; Tilt not started");
    return;
  }
  // The process library loads only when Tilt may start: not with --no-tilt.
  const tilt = await proc.which("tilt");
  if (!tilt) {
    log.checkpoint(step, "skip", "tilt not found on PATH; Tilt not started", {
      hint: "install Tilt (docs.tilt.dev/install.html), then run 'tilt up'",
    });
    return;
  }
  const port = tiltPort(host.env);
  const url = `http://localhost:${port}`;
  const stateDir = resolved.path(resolved.config.stateDir);
  const pidFile = join(stateDir, "tilt.pid");
  const logFile = join(stateDir, "tilt.log");

  const serving = await askTilt(host, tilt, resolved.root);
  if (serving && servesTiltfile(serving, tiltfile)) {
    const pid = serving.pid ? `pid ${serving.pid}, ` : "";
    log.checkpoint(step, "ok", `Tilt already serving this Tiltfile (${pid}${url})`);
    return;
  }
  if (serving) throw otherTiltfile(serving, port, tiltfile);

  // A Tilt we started that runs but does not answer yet (still starting, or stuck):
  // waited for below, never doubled.
  let pid = tiltRunning(host, pidFile);
  const startedNow = pid === undefined;
  if (pid === undefined) {
    // Tilt's log may hold another tool's secrets: created 0600 (an older one tightened)
    // before Tilt appends to it, and refused when it is not a plain file. Emptied, so
    // it holds this Tilt's output alone and its tail explains this start.
    fs.ensurePrivateFile(logFile);
    fs.writeState(logFile, "");
    // Detached: Tilt must outlive this process, unlike the children proc.run manages.
    const started = await proc.startDetached({
      file: tilt,
      args: ["up", "--file", tiltfile],
      cwd: resolved.root,
      logFile,
    });
    fs.writeState(pidFile, String(started ?? ""));
    const identity = started ? proc.identity(started) : undefined;
    if (identity) fs.writeState(`${pidFile}.start`, identity);
    else fs.remove(`${pidFile}.start`);
    if (started === undefined)
      throw new StepError(
        `tilt up did not start: ${logTail(host, logFile)}`,
        `see ${logFile}; run 'tilt up' in a terminal to see why`,
      );
    pid = started;
  }
  const identity = fs.readState(`${pidFile}.start`)?.trim() || undefined;
  const deadlineMs = options.deadlineMs ?? TILT_UP_DEADLINE_MS;
  const deadline = clock.now() + deadlineMs;
  for (;;) {
    const session = await askTilt(host, tilt, resolved.root);
    if (session && servesTiltfile(session, tiltfile)) {
      const how = startedNow ? "started in the background" : "up";
      log.checkpoint(
        step,
        "ok",
        `Tilt ${how} and answering (pid ${session.pid ?? pid}, ${url}); its log: ${logFile}`,
      );
      return;
    }
    if (session) throw otherTiltfile(session, port, tiltfile);
    if (!proc.sameProcess(pid, identity)) {
      fs.remove(pidFile);
      fs.remove(`${pidFile}.start`);
      throw new StepError(
        `tilt up (pid ${pid}) exited before its API answered: ${logTail(host, logFile)}`,
        `see ${logFile}; "another process on port ${port}" means the port is taken: stop that process, or set TILT_PORT to a free port in the container's environment`,
      );
    }
    if (clock.now() >= deadline) {
      throw new StepError(
        `Tilt (pid ${pid}) runs but its API did not answer on port ${port} within ${Math.round(deadlineMs / 1000)} s: ${logTail(host, logFile)}`,
        `it was left running; see ${logFile}, and 'tilt get session' to check it again`,
      );
    }
    await clock.sleep(POLL_MS, host.signal);
  }
}
