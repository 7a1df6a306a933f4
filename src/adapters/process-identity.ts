/**
 * Who a pid is, not just whether it exists. After a container restart pids are
 * reused: a lock or pid file naming pid 42 may now point at an unrelated live
 * process. A pid is recorded with its identity — the boot id and the process's
 * start time (clock ticks since boot, field 22 of /proc/<pid>/stat) — and a
 * different identity means the recorded process is gone. Where /proc is absent
 * the identity is undefined and only liveness is checked.
 */
import { readFileSync } from "node:fs";

function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

/** `<boot id>:<start time>` of a running process, or undefined when it cannot be read. */
export function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = fields[19]; // field 22 overall
    const boot = bootId();
    return start && boot ? `${boot}:${start}` : undefined;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether `pid` still is the process that was recorded. With no recorded identity
 * (an older file, or no /proc) liveness is all we can tell.
 */
export function sameProcess(pid: number, identity: string | undefined): boolean {
  if (!pidAlive(pid)) return false;
  if (identity === undefined) return true;
  const now = processIdentity(pid);
  return now === undefined || now === identity;
}
