/**
 * A child process run without blocking the test worker's event loop. A long
 * spawnSync (npm, install.sh, helm, a guide's commands) on a busy machine keeps
 * the vitest worker from answering its RPC in time, and the run then fails
 * even though every test passed; spawn keeps the loop turning.
 */
import { spawn } from "node:child_process";

export interface ChildResult {
  /** Exit code; null when a signal ended the child or it never started. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the child could not be started (e.g. ENOENT), as spawnSync reports it. */
  error?: Error;
}

export interface RunChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, which is then closed. Without it stdin is empty. */
  input?: string;
  /** Milliseconds before the child is killed and the promise rejects naming the command. */
  timeout?: number;
}

/** Ten minutes: far past any child here, short of a run that hangs forever. */
const DEFAULT_LIMIT_MS = 600_000;

export function runChild(
  cmd: string,
  args: readonly string[],
  options: RunChildOptions = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    // A child that exits without reading its stdin must not fail the run with EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
    let startError: Error | undefined;
    child.on("error", (e) => {
      startError = e;
    });
    const limit = options.timeout ?? DEFAULT_LIMIT_MS;
    let timedOut = false;
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString("utf8");
    const overLimit = () =>
      reject(
        new Error(
          `${[cmd, ...args].join(" ")} did not finish within ${limit / 1000}s and was killed\n${text(err)}`,
        ),
      );
    let exited = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // Exited already, but a grandchild still holds the pipes: that is over the limit too.
      if (exited) overLimit();
      // SIGKILL: a child that traps TERM must not outlive the limit.
      else child.kill("SIGKILL");
    }, limit);
    // At the limit, the exit is enough: a grandchild holding the pipes open must not hold the test.
    child.on("exit", () => {
      exited = true;
      if (timedOut) overLimit();
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      if (timedOut) return;
      const stdout = text(out);
      const stderr = text(err);
      if (startError) resolve({ status: null, signal: null, stdout, stderr, error: startError });
      else resolve({ status, signal, stdout, stderr });
    });
  });
}
