/** What a fixture watcher's run says when it starts and when it is done. Pure. */

interface RunStart {
  /** Which retry of a failed run this is (0: not a retry). */
  retry: number;
  attempts: number;
  /** Fixture files saved, and deleted, since the last run. */
  files: readonly string[];
  removed: readonly string[];
  /** The config changed: every path is synced. */
  fullRun: boolean;
}

export function runStartMessage(run: RunStart): string {
  if (run.retry) return `retry ${run.retry} of ${run.attempts} after a failed run`;
  if (run.files.length || run.removed.length)
    return `fixtures changed: ${[...run.files, ...run.removed.map((f) => `${f} (deleted)`)].join(", ")}`;
  return run.fullRun
    ? "config changed: syncing every fixture path"
    : "initial sync of the fixtures";
}

/**
 * What was written, not what was compared: the first sync (and a run after a
 * config change) compares every path, and usually finds Vault already holding them.
 */
export function runDoneMessage(
  compared: number,
  written: readonly string[],
  bootstrapped: boolean,
): string {
  const same = compared - written.length;
  return compared
    ? `${written.length} path(s) written${written.length ? `: ${written.join(", ")}` : ""}${same ? `; ${same} already up to date in Vault` : ""}`
    : `no value changed${bootstrapped ? "; the migrations secret was brought up to date" : ""}`;
}
