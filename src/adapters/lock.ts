/**
 * A workspace lock so that two runs (post-start and a Tilt resource) never
 * write at once: the second waits (bounded) and says who holds the lock. A lock
 * left by a dead process is taken over. Children we spawn inherit the holder's
 * lock through DEV_BOOTSTRAP_LOCK_HELD instead of waiting on their parent.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { StepError } from "../core/errors.js";
import { sleep } from "../core/retry.js";

export const LOCK_ENV = "DEV_BOOTSTRAP_LOCK_HELD";

interface Holder {
  pid: number;
  runId: string;
  since: string;
}

/** Locks this process holds, so an interrupted run that cannot unwind still releases them. */
const held = new Set<string>();

/** Removes every lock this process holds (still naming this pid); used when a run is cut short. */
export function releaseHeldLocks(): void {
  for (const path of held) {
    if (readHolder(path)?.pid === process.pid) {
      try {
        unlinkSync(path);
      } catch {}
    }
    held.delete(path);
  }
}

process.once("exit", releaseHeldLocks);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Holder;
  } catch {
    return undefined;
  }
}

export async function withLock<T>(
  path: string,
  options: {
    runId: string;
    timeoutMs: number;
    env: NodeJS.ProcessEnv;
    onWait?: (holder: Holder | undefined) => void;
    signal?: AbortSignal;
  },
  fn: () => Promise<T>,
): Promise<T> {
  if (options.env[LOCK_ENV] === path) return fn();
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + options.timeoutMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(
        fd,
        JSON.stringify({ pid: process.pid, runId: options.runId, since: new Date().toISOString() }),
      );
      closeSync(fd);
      held.add(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(path);
    if (holder && !alive(holder.pid)) {
      try {
        unlinkSync(path); // left behind by a process that died
      } catch {}
      continue;
    }
    if (Date.now() >= deadline) {
      throw new StepError(
        `another run holds the lock ${path}${holder ? ` (pid ${holder.pid}, run ${holder.runId}, since ${holder.since})` : ""}`,
        "wait for it to finish (see 'dev-bootstrap summary'), or remove the lock file if that process is gone",
      );
    }
    if (!told) {
      options.onWait?.(holder);
      told = true;
    }
    await sleep(200, options.signal);
  }
  const previous = options.env[LOCK_ENV];
  options.env[LOCK_ENV] = path;
  try {
    return await fn();
  } finally {
    if (previous === undefined) delete options.env[LOCK_ENV];
    else options.env[LOCK_ENV] = previous;
    if (held.delete(path)) {
      try {
        unlinkSync(path);
      } catch {}
    }
  }
}
