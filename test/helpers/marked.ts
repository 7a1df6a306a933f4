/**
 * Finding what a run left alive by a mark of the test's own: a variable in the
 * environment the test hands the run, which everything the run starts inherits
 * (unless it clears its environment). Independent of how the code under test
 * tracks its children, so it also sees what that code missed.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { alive } from "./standin.js";

export const MARK_VAR = "DEV_BOOTSTRAP_TEST_MARK";

export const newMark = (): string => randomUUID();

/** Live processes (zombies have ended) whose environment carries `mark`, never this one. */
export function marked(mark: string): Array<{ pid: number; cmd: string }> {
  const needle = Buffer.from(`${MARK_VAR}=${mark}\0`);
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || !alive(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`).includes(needle)) continue;
      found.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ") });
    } catch {} // gone meanwhile
  }
  return found;
}

/**
 * SIGKILL to every process carrying `mark`, and to `pids` that still run `sleep`
 * (processes that cleared their environment, followed by the pid they wrote down):
 * a failing test must not leave its sleeps behind.
 */
export function killLeftBehind(mark: string, pids: readonly number[] = []): void {
  for (const p of marked(mark))
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {}
  for (const pid of pids)
    try {
      if (alive(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep"))
        process.kill(pid, "SIGKILL");
    } catch {}
}
