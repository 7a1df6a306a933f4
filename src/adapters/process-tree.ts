/**
 * Every process a child started, however it detached, and stopping them all.
 * The grace before SIGKILL is real time (Date.now, setTimeout): it is the time the
 * processes get, which the run's clock does not govern; the exit hook has no event
 * loop left to wait on any clock.
 *
 * A process group is not enough: `setsid`, a shell's `set -m` or a daemonising tool
 * leave it, and once the child exits its orphans are re-parented to init, so the
 * parent links break too. Two marks survive both, and neither needs privileges:
 *
 * - an environment cookie (as Jenkins' ProcessTreeKiller does): the child gets
 *   TREE_MARKER_VAR=<random id> (added to the list a run nested in another's child
 *   inherited) and every descendant inherits it, whatever session or group it
 *   moves to;
 * - the pipes carrying the child's output: a process that holds one open is, by what
 *   it holds, part of the run (and would keep the run waiting for end-of-output),
 *   even if it cleared its environment.
 *
 * Plus the child's own session and group, and the descendants of any of these by
 * parent link. A cgroup would hold even a process that clears its environment and
 * closes its output, but creating one needs a delegated cgroup v2 subtree (root, or
 * systemd's `Delegate=`), which a devcontainer or a CI runner rarely grants; a child
 * subreaper (prctl PR_SET_CHILD_SUBREAPER) needs native code Node does not expose.
 * Everything is read from /proc; where it is absent (not Linux) the group is all
 * we can reach.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The environment variable that marks a child's whole process tree. */
export const TREE_MARKER_VAR = "DEV_BOOTSTRAP_PROCESS_TREE";

export interface TreeRoot {
  /** The direct child: started with setsid, so it leads its own session and group. */
  pid: number;
  /** Set once the direct child has exited (its pid may then be reused). */
  exited?: boolean;
  /** The random id in TREE_MARKER_VAR (a comma-separated list) every process of the tree inherits. */
  marker: string;
  /** The child's ends of its output pipes, as /proc names them (`socket:[<inode>]`). */
  pipes: ReadonlySet<string>;
}

interface TreeMember {
  pid: number;
  /** The command name (/proc/<pid>/stat field 2), reduced to printable characters. */
  name: string;
}

interface Stat {
  pid: number;
  name: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: count from the last ')'.
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return {
      pid,
      // Chosen by the child: only what is safe on a terminal and in the journal.
      name: stat.slice(stat.indexOf("(") + 1, close).replace(/[^\w.+@:-]/g, "?"),
      state: fields[0] ?? "",
      ppid: Number(fields[1]),
      pgrp: Number(fields[2]),
      session: Number(fields[3]),
    };
  } catch {
    return undefined; // gone meanwhile
  }
}

function carriesMarker(pid: number, needle: Buffer): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`).includes(needle);
  } catch {
    return false; // gone, or not ours to read
  }
}

function holdsPipe(pid: number, pipes: ReadonlySet<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (pipes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
    } catch {} // closed meanwhile
  }
  return false;
}

/**
 * The pipe a descriptor of `pid` refers to, or undefined for anything else (a file,
 * a terminal). Node gives a child's stdio as a socket pair: the child's end has an
 * inode of its own (`socket:[<inode>]`), which every process that inherited it shares.
 */
export function pipeOf(pid: number, fd: number): string | undefined {
  try {
    const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    return /^(pipe|socket):\[\d+\]$/.test(target) ? target : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The live processes of the tree (zombies have ended: they only wait to be reaped),
 * never this process; undefined where /proc cannot be read.
 */
function treeMembers(root: TreeRoot): TreeMember[] | undefined {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return undefined;
  }
  // A random id: wherever it appears in an environment, it is our variable's value
  // (or part of it: nested runs add their ids to the list).
  const needle = Buffer.from(root.marker);
  const live: Stat[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const stat = readStat(pid);
    if (stat && stat.state !== "Z" && stat.state !== "X") live.push(stat);
  }
  const members = new Map<number, Stat>();
  for (const s of live) {
    if (
      (s.pid === root.pid && !root.exited) ||
      s.pgrp === root.pid ||
      s.session === root.pid ||
      carriesMarker(s.pid, needle) ||
      (root.pipes.size > 0 && holdsPipe(s.pid, root.pipes))
    )
      members.set(s.pid, s);
  }
  // Children of members (one that cleared its environment while its parent lives).
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of live)
      if (!members.has(s.pid) && members.has(s.ppid)) {
        members.set(s.pid, s);
        grew = true;
      }
  }
  return [...members.values()].map((s) => ({ pid: s.pid, name: s.name }));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {} // gone meanwhile, or not ours
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long SIGKILL may take to end the tree (a process in uninterruptible sleep). */
const KILL_WAIT_MS = 2000;
const POLL_MS = 50;
/** How long the exit hook may spend killing (the process is on its way out). */
const EXIT_KILL_MS = 500;

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Without /proc the child's group is all we can reach: SIGTERM, then SIGKILL. */
async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!groupExists(pgid)) return;
  signal(-pgid, "SIGTERM");
  const graceEnds = Date.now() + graceMs;
  while (groupExists(pgid) && Date.now() < graceEnds) await sleep(POLL_MS);
  signal(-pgid, "SIGKILL");
}

/**
 * Stops the whole tree: SIGTERM to each process once, then — for what is still
 * there after `graceMs` (or appeared meanwhile) — SIGKILL until none is left or
 * KILL_WAIT_MS have passed (only a process the kernel holds in uninterruptible
 * sleep outlasts that). Resolves with the processes that were there at the start.
 */
export async function stopTree(root: TreeRoot, graceMs: number): Promise<TreeMember[]> {
  const first = treeMembers(root);
  if (first === undefined) {
    await stopGroup(root.pid, graceMs);
    return [];
  }
  if (first.length === 0) return [];
  for (const m of first) signal(m.pid, "SIGTERM");
  const graceEnds = Date.now() + graceMs;
  let left = first;
  while (left.length > 0 && Date.now() < graceEnds) {
    await sleep(Math.min(POLL_MS, Math.max(0, graceEnds - Date.now())));
    left = treeMembers(root) ?? [];
  }
  const killEnds = Date.now() + KILL_WAIT_MS;
  while (left.length > 0 && Date.now() < killEnds) {
    // Again after each round: a process may have forked between the scan and the kill.
    for (const m of left) signal(m.pid, "SIGKILL");
    await sleep(POLL_MS / 5);
    left = treeMembers(root) ?? [];
  }
  return first;
}

/**
 * SIGKILL to the whole tree, synchronously (this process is exiting): rounds of
 * scan-and-kill until none is left, for at most EXIT_KILL_MS.
 */
export function killTreeNow(root: TreeRoot): void {
  const ends = Date.now() + EXIT_KILL_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const members = treeMembers(root);
    if (members === undefined) {
      signal(-root.pid, "SIGKILL");
      return;
    }
    if (members.length === 0 || Date.now() >= ends) return;
    for (const m of members) signal(m.pid, "SIGKILL");
    // No event loop on the way out: a synchronous pause while the kernel ends them.
    Atomics.wait(pause, 0, 0, POLL_MS / 5);
  }
}
