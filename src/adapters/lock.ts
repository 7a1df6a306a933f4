/**
 * A workspace lock so that two runs (post-start and a Tilt resource) never
 * write at once: the second waits (bounded) and says who holds the lock. A lock
 * left by a process that is gone — dead, or its pid reused by an unrelated
 * process after a restart (told apart by the recorded start time) — is taken
 * over atomically: under a takeover guard, a new lock file is renamed over the
 * stale one, so the lock path never disappears and two runs never both own it.
 * An empty or unparsable lock (a crash, a full disk) is stale too, and a guard
 * left by a run that died mid-takeover is reclaimed, so no path waits past the
 * deadline. Lock files are never opened blocking: a named pipe there is refused.
 * Children we spawn inherit the holder's lock through DEV_BOOTSTRAP_LOCK_HELD
 * instead of waiting on their parent.
 */
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  readFileSync,
  renameSync,
  unlinkSync,
} from "node:fs";
import { dirname } from "node:path";
import { StepError } from "../core/errors.js";
import { describeFsCode, stateFileError } from "../core/state-errors.js";
import { mkdirState, openStateFile, writeStateFile } from "./files.js";
import type { Clock } from "./ports.js";
import { processIdentity, sameProcess } from "./process-identity.js";

const LOCK_ENV = "DEV_BOOTSTRAP_LOCK_HELD";

interface Holder {
  pid: number;
  runId: string;
  since: string;
  /** The holder's identity (boot id and start time), when it could be read. */
  started?: string;
}

/**
 * A lock we write is complete the moment it appears (written aside, then linked
 * in), so an empty or unparsable lock is left over from a crash or a full disk.
 * Only where hard links are missing is a lock created empty and then written;
 * this long covers that write on a busy machine.
 */
const UNREADABLE_LOCK_STALE_MS = 2_000;
/**
 * A takeover holds its guard for a few system calls, with no wait in between: a
 * guard this old was left by a run that died mid-takeover, whatever pid it names
 * (after a restart that pid may belong to any process).
 */
const GUARD_STALE_MS = 10_000;

/** Locks this process holds, so an interrupted run that cannot unwind still releases them. */
const held = new Set<string>();

/** Removes every lock this process holds (still naming this pid); used when a run is cut short. */
export function releaseHeldLocks(): void {
  for (const path of held) {
    try {
      const seen = look(path);
      if (seen.kind === "file" && parseHolder(seen.text)?.pid === process.pid) unlinkSync(path);
    } catch {}
    held.delete(path);
  }
}

process.once("exit", releaseHeldLocks);

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** What stands at a lock or guard path: nothing, a file we could read, or a file we could not. */
type Seen =
  | { kind: "absent" }
  | { kind: "unreadable"; reason: string }
  | { kind: "file"; text: string; ino: number; mtimeMs: number };

/**
 * Reads a lock or guard without blocking (a named pipe there is refused with one
 * line), with the inode and mtime of the very file read, so a takeover can tell
 * whether the file it judged stale is still the one in place.
 */
function look(path: string): Seen {
  let fd: number;
  try {
    fd = openStateFile(path, constants.O_RDONLY);
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT") return { kind: "absent" };
    if (code === undefined) throw error; // not a regular file: refused with its own line
    return { kind: "unreadable", reason: describeFsCode(code) };
  }
  try {
    const stats = fstatSync(fd);
    return { kind: "file", text: readFileSync(fd, "utf8"), ino: stats.ino, mtimeMs: stats.mtimeMs };
  } catch (error) {
    return { kind: "unreadable", reason: describeFsCode(codeOf(error)) };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder> | null;
    if (
      value &&
      Number.isInteger(value.pid) &&
      (value.pid as number) > 0 &&
      typeof value.runId === "string" &&
      typeof value.since === "string"
    )
      return value as Holder;
  } catch {}
  return undefined;
}

/** Why a lock's holder could not be read from its text. */
function unreadableReason(text: string): string {
  return text.trim() === "" ? "the file is empty" : "the file does not name a run";
}

// Measured against the system's time, not the run's clock: a file's mtime is the
// system's time, and a lock is shared with other processes on their own clocks.
const age = (mtimeMs: number) => Math.abs(Date.now() - mtimeMs);

/**
 * A lock is stale when its holder is gone (dead, or its pid now someone else's),
 * or when it names no holder at all and is old enough not to be one being written.
 */
function stale(seen: Extract<Seen, { kind: "file" }>): boolean {
  const holder = parseHolder(seen.text);
  if (holder) return !sameProcess(holder.pid, holder.started);
  return age(seen.mtimeMs) >= UNREADABLE_LOCK_STALE_MS;
}

/** The pid (and identity, when recorded) a takeover guard names; older guards hold the pid alone. */
function guardOwner(text: string): { pid: number; started?: string } | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === "number") return Number.isInteger(value) ? { pid: value } : undefined;
    const v = value as { pid?: unknown; started?: unknown } | null;
    if (v && Number.isInteger(v.pid))
      return {
        pid: v.pid as number,
        ...(typeof v.started === "string" ? { started: v.started } : {}),
      };
  } catch {}
  return undefined;
}

/**
 * Removes a takeover guard left by a run that died mid-takeover: its owner is gone,
 * or it is older than any takeover takes. The guard is moved aside first and put
 * back if what was moved is not the file judged (another run's fresh guard).
 */
function reclaimGuard(guard: string): void {
  const seen = look(guard);
  if (seen.kind !== "file") return;
  const owner = guardOwner(seen.text);
  const ownerGone = owner !== undefined && !sameProcess(owner.pid, owner.started);
  if (!ownerGone && age(seen.mtimeMs) < GUARD_STALE_MS) return;
  const aside = `${guard}.${process.pid}.stale`;
  try {
    renameSync(guard, aside);
  } catch {
    return; // gone already
  }
  try {
    if (lstatSync(aside).ino !== seen.ino) linkSync(aside, guard);
  } catch {}
  try {
    unlinkSync(aside);
  } catch {}
}

/**
 * Creates the lock with its whole content, or returns false when one exists. The
 * content is written aside and hard-linked into place (link never replaces), so no
 * run ever sees our lock empty, and a write that fails (a full disk) leaves no
 * lock behind. Where hard links are not supported the file is created exclusively
 * and written; a failed write removes it.
 */
function create(path: string, ours: string): boolean {
  const aside = `${path}.${process.pid}.new`;
  try {
    writeStateFile(aside, ours);
  } catch (error) {
    // Named after the lock, not the scratch file beside it.
    const code = codeOf(error);
    throw code ? stateFileError(path, code, "create") : error;
  }
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    const code = codeOf(error);
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS")
      throw stateFileError(path, code, "create");
  } finally {
    try {
      unlinkSync(aside);
    } catch {}
  }
  try {
    writeStateFile(path, ours, { exclusive: true });
    return true;
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    throw error;
  }
}

/**
 * Replaces a stale lock with ours, atomically. Only the run holding the takeover
 * guard may replace, and only while the lock is still the very file (inode and
 * content) it judged stale; the rename swaps the file in one step. False when
 * another run got there first, or holds the guard.
 */
function takeOver(path: string, seen: Extract<Seen, { kind: "file" }>, ours: string): boolean {
  const guard = `${path}.takeover`;
  const owner = processIdentity(process.pid);
  try {
    writeStateFile(
      guard,
      JSON.stringify({ pid: process.pid, ...(owner ? { started: owner } : {}) }),
      {
        exclusive: true,
      },
    );
  } catch (error) {
    if (codeOf(error) !== "EEXIST") throw error;
    reclaimGuard(guard);
    return false;
  }
  const next = `${path}.${process.pid}.next`;
  try {
    const now = look(path);
    if (now.kind !== "file" || now.ino !== seen.ino || now.text !== seen.text) return false;
    writeStateFile(next, ours);
    renameSync(next, path);
    return true;
  } catch (error) {
    if (error instanceof StepError) throw error;
    throw stateFileError(path, codeOf(error), "write");
  } finally {
    for (const leftover of [next, guard]) {
      try {
        unlinkSync(leftover);
      } catch {}
    }
  }
}

/** The error when the deadline passed: who holds the lock, or that it could not be read. */
function heldError(path: string, seen: Seen, staleButGuarded: boolean): StepError {
  const hint =
    "wait for it to finish (see 'dev-bootstrap summary'), or remove the lock file if that process is gone";
  if (seen.kind === "unreadable")
    return new StepError(
      `another run holds the lock ${path} (its holder could not be read: ${seen.reason})`,
      hint,
    );
  if (seen.kind !== "file") return new StepError(`could not take the lock ${path}`, hint);
  const holder = parseHolder(seen.text);
  if (staleButGuarded)
    return new StepError(
      `could not take over the stale lock ${path}: a takeover by another run (${path}.takeover) did not finish`,
      `remove ${path}.takeover if no other dev-bootstrap run is active, then rerun`,
    );
  return new StepError(
    holder
      ? `another run holds the lock ${path} (pid ${holder.pid}, run ${holder.runId}, since ${holder.since})`
      : `another run holds the lock ${path} (its holder could not be read: ${unreadableReason(seen.text)})`,
    hint,
  );
}

export async function withLock<T>(
  path: string,
  options: {
    runId: string;
    timeoutMs: number;
    env: NodeJS.ProcessEnv;
    onWait?: (holder: Holder | undefined) => void;
    signal?: AbortSignal;
    /** The run's clock: the wait for another run, and its deadline, are on it. */
    clock: Pick<Clock, "now" | "sleep">;
  },
  fn: () => Promise<T>,
): Promise<T> {
  if (options.env[LOCK_ENV] === path) return fn();
  mkdirState(dirname(path));
  const { clock } = options;
  const deadline = clock.now() + options.timeoutMs;
  let told = false;
  const started = processIdentity(process.pid);
  const ours = JSON.stringify({
    pid: process.pid,
    runId: options.runId,
    since: new Date(clock.now()).toISOString(),
    ...(started ? { started } : {}),
  });
  for (;;) {
    if (create(path, ours)) break;
    const seen = look(path);
    const isStale = seen.kind === "file" && stale(seen);
    if (isStale && takeOver(path, seen, ours)) break;
    // Every path past here waits, and every wait is bounded by the deadline.
    if (clock.now() >= deadline) throw heldError(path, seen, isStale);
    if (seen.kind === "absent") continue; // released just now: try again at once
    if (isStale) {
      await clock.sleep(10, options.signal); // another run is taking it over: look again
      continue;
    }
    const holder = seen.kind === "file" ? parseHolder(seen.text) : undefined;
    // A lock with no holder yet may be one being written: not worth a line until it turns stale.
    if (!told && (holder || seen.kind === "unreadable")) {
      options.onWait?.(holder);
      told = true;
    }
    await clock.sleep(200, options.signal);
  }
  held.add(path);
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
