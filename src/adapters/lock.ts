/**
 * A workspace lock so that two runs (post-start and a Tilt resource) never
 * write at once: the second waits (bounded) and says who holds the lock. A lock
 * left by a process that is gone — dead, or its pid reused by an unrelated
 * process after a restart (told apart by the recorded start time) — is taken
 * over atomically: under a takeover guard, a new lock file is renamed over the
 * stale one, so the lock path never disappears and two runs never both own it.
 * Children we spawn inherit the holder's lock through DEV_BOOTSTRAP_LOCK_HELD
 * instead of waiting on their parent.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { StepError } from "../core/errors.js";
import { sleep } from "../core/retry.js";
import { processIdentity, sameProcess } from "./process-identity.js";

export const LOCK_ENV = "DEV_BOOTSTRAP_LOCK_HELD";

interface Holder {
  pid: number;
  runId: string;
  since: string;
  /** The holder's identity (boot id and start time), when it could be read. */
  started?: string;
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

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Holder;
  } catch {
    return undefined;
  }
}

function stale(holder: Holder): boolean {
  return !sameProcess(holder.pid, holder.started);
}

/**
 * Replaces a stale lock with ours, atomically. Only the run holding the takeover
 * guard may replace, and only while the file still holds the stale content it saw;
 * the rename swaps the file in one step. False when another run got there first.
 */
function takeOver(path: string, seen: string, ours: string): boolean {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // A guard left by a run that died mid-takeover is itself stale.
    const owner = Number(readText(guard));
    if (!Number.isInteger(owner) || !sameProcess(owner, undefined)) {
      try {
        unlinkSync(guard);
      } catch {}
    }
    return false;
  }
  try {
    writeSync(fd, String(process.pid));
    closeSync(fd);
    if (readText(path) !== seen) return false;
    const next = `${path}.${process.pid}.next`;
    writeFileSync(next, ours, { mode: 0o600 });
    renameSync(next, path);
    return true;
  } finally {
    try {
      unlinkSync(guard);
    } catch {}
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
  const started = processIdentity(process.pid);
  const ours = JSON.stringify({
    pid: process.pid,
    runId: options.runId,
    since: new Date().toISOString(),
    ...(started ? { started } : {}),
  });
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, ours);
      closeSync(fd);
      held.add(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const seen = readText(path);
    const holder = readHolder(path);
    if (holder && seen !== undefined && stale(holder)) {
      if (takeOver(path, seen, ours)) {
        held.add(path);
        break;
      }
      await sleep(10, options.signal); // another run is taking it over: look again
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
