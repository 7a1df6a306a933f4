/**
 * Running the external CLIs we drive (flyway, helmfile, helm, tilt) on execa.
 * Secrets reach a child only through its environment, never argv. Each child
 * runs in its own process group so a timeout or Ctrl-C ends the whole tree:
 * SIGTERM, then SIGKILL after a grace period. Output is streamed line by line.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { createInterface } from "node:readline";
import { execa } from "execa";
import { StepError } from "../core/errors.js";

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

export async function runTool(options: RunToolOptions): Promise<RunToolResult> {
  // An interrupted run starts no further child.
  if (options.signal?.aborted) throw options.signal.reason;
  const baseEnv = options.baseEnv ?? process.env;
  const executable = findOnPath(options.tool, { ...baseEnv, ...options.env });
  if (!executable) throw new ToolMissingError(options.tool);
  const started = Date.now();
  const tailSize = options.tailLines ?? 20;
  const tail: string[] = [];
  const child = execa(executable, options.args, {
    env: { ...baseEnv, ...options.env },
    extendEnv: false,
    cwd: options.cwd,
    reject: false,
    stdin: "ignore",
    buffer: false,
    detached: true,
    cleanup: true,
  });
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
  let timedOut = false;
  let interrupted = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    killGroup(child.pid, "SIGTERM");
    graceTimer = setTimeout(() => killGroup(child.pid, "SIGKILL"), options.killGraceMs ?? 5000);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, options.timeoutMs);
  const onAbort = () => {
    interrupted = true;
    terminate();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const result = await child;
  clearTimeout(timer);
  options.signal?.removeEventListener("abort", onAbort);
  // Descendants may outlive the direct child (a shell's background jobs): end the group.
  if (timedOut || interrupted) {
    killGroup(child.pid, "SIGKILL");
  }
  if (graceTimer) clearTimeout(graceTimer);
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
 * The last lines a child printed, masked and joined on one line, for the error
 * that reports its failure; "(no output)" when it printed nothing.
 */
export function maskedTail(
  result: RunToolResult,
  masker: { mask(text: string): string },
  lines = 5,
): string {
  const tail = result.tail
    .slice(-lines)
    .map((l) => masker.mask(l))
    .join(" | ");
  return tail || "(no output)";
}
