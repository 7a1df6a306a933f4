/**
 * Running the external CLIs we drive (flyway, helmfile, helm, kubectl). Secrets
 * reach a child only through its environment, never argv. A child's whole process
 * tree — whatever left its group or session, see process-tree.ts — ends with it: at
 * the time limit or an interrupt (SIGTERM, then SIGKILL after a grace period), and
 * when the child exits on its own while things it started still run. Output is
 * streamed line by line; the run waits for the child's exit, never for the end of
 * output a stray process keeps open. Tilt, which must outlive us, starts detached
 * (startDetached, on execa).
 *
 * The time limit, the kill grace and the duration are on the system's time, not the
 * run's clock: the child runs on real time whatever clock the run was handed, and a
 * limit on a real process that a virtual clock never moved would never stop it.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, closeSync, constants, openSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { createInterface } from "node:readline";
import { StepError } from "../core/errors.js";
import { killTreeNow, pipeOf, stopTree, TREE_MARKER_VAR, type TreeRoot } from "./process-tree.js";

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
  /**
   * Processes the child started that were still running when it exited on its own
   * (background jobs, daemons): they were stopped, and are named here for the report.
   */
  leftovers: string[];
}

/** SIGTERM to SIGKILL on an interrupt: the run itself must end within INTERRUPT_GRACE_MS. */
const INTERRUPT_KILL_GRACE_MS = 1000;
/**
 * How long output may keep flowing once the tree is stopped: only a process outside
 * the tree (one that cleared its environment and left the session) could hold a pipe
 * that long; the run does not wait for it.
 */
const DRAIN_MS = 1000;

/** Trees that are running now, stopped at once if this process exits. */
const running = new Set<TreeRoot>();
let exitHook = false;
function track(root: TreeRoot): void {
  running.add(root);
  if (exitHook) return;
  exitHook = true;
  // process.exit after an interrupt does not wait for a grace period to run out;
  // nothing we started may outlive us, so what is left is killed on the way out.
  process.on("exit", () => {
    for (const r of running) killTreeNow(r);
  });
}

export async function runTool(options: RunToolOptions): Promise<RunToolResult> {
  // An interrupted run starts no further child.
  if (options.signal?.aborted) throw options.signal.reason;
  const baseEnv = options.baseEnv ?? process.env;
  const executable = findOnPath(options.tool, { ...baseEnv, ...options.env });
  if (!executable) throw new ToolMissingError(options.tool);
  const started = Date.now();
  const tailSize = options.tailLines ?? 20;
  const graceMs = options.killGraceMs ?? 5000;
  const tail: string[] = [];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries({ ...baseEnv, ...options.env }))
    if (v !== undefined) env[k] = v;
  const marker = randomUUID();
  // Added to, not replaced: a run started from inside another run's child (a hook
  // calling dev-bootstrap) keeps the outer run's mark on everything it starts.
  env[TREE_MARKER_VAR] = env[TREE_MARKER_VAR] ? `${env[TREE_MARKER_VAR]},${marker}` : marker;
  // detached: the child calls setsid, leading its own session and process group, so
  // a terminal's Ctrl-C reaches us alone and we decide how its tree is stopped.
  const child = spawn(executable, options.args, {
    env,
    cwd: options.cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      // Kept on: a later 'error' with no listener would be thrown.
      child.on("error", reject);
    },
  );
  const pipes = new Set<string>();
  const root: TreeRoot = { pid: child.pid ?? 0, marker, pipes };
  if (child.pid) {
    track(root);
    // The child's ends of its output pipes, read from its descriptors at once. A child
    // that has already exited shows none: its tree is then found by the other marks.
    for (const fd of [1, 2]) {
      const pipe = pipeOf(child.pid, fd);
      if (pipe) pipes.add(pipe);
    }
  }
  const closed: Array<Promise<void>> = [];
  for (const [stream, name] of [
    [child.stdout, "stdout"],
    [child.stderr, "stderr"],
  ] as const) {
    closed.push(new Promise((resolve) => stream.once("close", resolve)));
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      tail.push(line);
      if (tail.length > tailSize) tail.shift();
      options.onLine?.(line, name);
    });
  }

  // The time limit and the run's signal stop the whole tree. The wait is for the
  // child's exit, not for the end of its output: a grandchild holding the pipe must
  // not hold the run.
  let reason: "timeout" | "interrupt" | undefined;
  let stopping: Promise<unknown> | undefined;
  const stop = (why: "timeout" | "interrupt", grace: number) => {
    reason ??= why;
    stopping ??= stopTree(root, grace);
  };
  const timer = setTimeout(() => stop("timeout", graceMs), options.timeoutMs);
  const onAbort = () => stop("interrupt", Math.min(graceMs, INTERRUPT_KILL_GRACE_MS));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    exit = await exited;
  } catch (error) {
    child.stdout.destroy();
    child.stderr.destroy();
    running.delete(root);
    throw new StepError(
      `${options.tool} could not be started: ${(error as Error).message}`,
      `check that ${executable} is an executable file`,
    );
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  root.exited = true;

  // The child is gone; what it started may not be. After a stop, the stop covers
  // them; after an exit of its own, whatever is left is stopped now and reported.
  let leftovers: string[] = [];
  if (stopping) await stopping;
  else leftovers = (await stopTree(root, graceMs)).map((m) => m.name);
  running.delete(root);

  const drained = Promise.all(closed);
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    drained,
    new Promise((resolve) => {
      drainTimer = setTimeout(resolve, DRAIN_MS);
    }),
  ]);
  clearTimeout(drainTimer);
  child.stdout.destroy();
  child.stderr.destroy();
  return {
    exitCode: exit.code ?? undefined,
    signal: exit.signal ?? undefined,
    timedOut: reason === "timeout",
    interrupted: reason === "interrupt",
    tail,
    durationMs: Date.now() - started,
    leftovers,
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
  // execa loads here, the one use: a run that starts no Tilt does not parse it.
  const { execa } = await import("execa");
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
