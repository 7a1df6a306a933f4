/**
 * Running the external CLIs we drive (flyway, helmfile, helm, tilt) on execa.
 * Secrets reach a child only through its environment, never argv. Each child
 * runs in its own process group so a timeout or Ctrl-C ends the whole tree:
 * SIGTERM, then SIGKILL after a grace period. Output is streamed line by line.
 */
import { accessSync, closeSync, constants, openSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { createInterface } from "node:readline";
import { execa } from "execa";
import { StepError } from "../core/errors.js";
import { groupMembersBesidesLeader } from "./process-identity.js";

const INSTALL_HINTS: Record<string, string> = {
  flyway:
    "install the Flyway CLI (documentation.red-gate.com/fd/command-line), or run migrations in the cluster with 'dev-bootstrap run-migrations'",
  helmfile: "install helmfile (github.com/helmfile/helmfile/releases) and put it on PATH",
  helm: "install helm (helm.sh/docs/intro/install) and put it on PATH",
  tilt: "install Tilt (docs.tilt.dev/install.html) and put it on PATH",
  kubectl: "install kubectl (kubernetes.io/docs/tasks/tools) and put it on PATH",
};

export class ToolMissingError extends StepError {
  constructor(readonly tool: string) {
    super(`${tool} not found on PATH`, INSTALL_HINTS[tool] ?? `install ${tool} and put it on PATH`);
  }
}

/** The executable's path on PATH, or undefined. */
export function findOnPath(tool: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = isAbsolute(tool)
    ? [tool]
    : (env.PATH ?? "")
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, tool));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {}
  }
  return undefined;
}

export interface RunToolOptions {
  tool: string;
  args: string[];
  /** Variables added to (or overriding) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** The environment to inherit (default: this process's). */
  baseEnv?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs: number;
  killGraceMs?: number;
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  signal?: AbortSignal;
  /** How many trailing output lines to keep for error reports. */
  tailLines?: number;
}

export interface RunToolResult {
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  interrupted: boolean;
  tail: string[];
  durationMs: number;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

/** Signals every process in the child's group but the child itself (execa signals that one). */
function signalRestOfGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  const members = groupMembersBesidesLeader(pid);
  // Without /proc the group is signalled whole: the child then receives it twice.
  if (!members) {
    killGroup(pid, signal);
    return;
  }
  for (const member of members) {
    try {
      process.kill(member, signal);
    } catch {} // gone meanwhile
  }
}

export async function runTool(options: RunToolOptions): Promise<RunToolResult> {
  // An interrupted run starts no further child.
  if (options.signal?.aborted) throw options.signal.reason;
  const baseEnv = options.baseEnv ?? process.env;
  const executable = findOnPath(options.tool, { ...baseEnv, ...options.env });
  if (!executable) throw new ToolMissingError(options.tool);
  const started = Date.now();
  const tailSize = options.tailLines ?? 20;
  const tail: string[] = [];
  // execa owns the timing: the time limit, the run's signal, and SIGKILL after the
  // grace period when SIGTERM was not enough. The process group is ours: the child
  // leads its own group, and every signal execa sends it reaches the whole tree.
  const child = execa(executable, options.args, {
    env: { ...baseEnv, ...options.env },
    extendEnv: false,
    cwd: options.cwd,
    reject: false,
    stdin: "ignore",
    buffer: false,
    detached: true,
    cleanup: true,
    timeout: options.timeoutMs,
    killSignal: "SIGTERM",
    forceKillAfterDelay: options.killGraceMs ?? 5000,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  // execa signals the direct child (and arms its SIGKILL); the rest of its group
  // gets the same signal from us, so each process receives it once.
  const killChild = child.kill.bind(child) as (...args: unknown[]) => boolean;
  child.kill = ((...args: unknown[]) => {
    signalRestOfGroup(
      child.pid,
      typeof args[0] === "string" ? (args[0] as NodeJS.Signals) : "SIGTERM",
    );
    return killChild(...args);
  }) as typeof child.kill;
  for (const [stream, name] of [
    [child.stdout, "stdout"],
    [child.stderr, "stderr"],
  ] as const) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      tail.push(line);
      if (tail.length > tailSize) tail.shift();
      options.onLine?.(line, name);
    });
  }
  const result = await child;
  const timedOut = result.timedOut === true;
  const interrupted = result.isCanceled === true;
  // Descendants may outlive the direct child (a shell's background jobs): end the group.
  if (timedOut || interrupted) killGroup(child.pid, "SIGKILL");
  return {
    exitCode: typeof result.exitCode === "number" ? result.exitCode : undefined,
    signal: result.signal ?? undefined,
    timedOut,
    interrupted,
    tail,
    durationMs: Date.now() - started,
  };
}

/**
 * Starts a process that must outlive this one (Tilt): detached in its own session,
 * its output appended to `logFile`, never waited for. Returns its pid.
 */
export async function startDetached(options: {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
}): Promise<number | undefined> {
  // A descriptor of our own, not a pipe: the output must keep flowing after we exit.
  // (execa's types name only literal descriptors; any open descriptor is valid at run time.)
  const output = openSync(options.logFile, "a") as 3;
  const child = execa(options.file, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    detached: true,
    stdin: "ignore",
    stdout: output,
    stderr: output,
    reject: false,
  });
  closeSync(output);
  child.catch(() => {});
  child.unref();
  return child.pid;
}
