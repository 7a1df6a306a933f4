/** Reads the journal and summarises runs for `summary` and the end of post-start. */
import { StepError } from "../core/errors.js";
import { type RunSummary, summariseRuns } from "../core/summary.js";
import type { Journal } from "../log/journal.js";

export function latestRun(journal: Journal, runId?: string): RunSummary {
  const runs = summariseRuns(journal.readCheckpoints(runId));
  const run = runId ? runs.find((r) => r.runId === runId) : runs[runs.length - 1];
  if (!run) {
    throw new StepError(
      runId
        ? `no run ${runId} in the journal ${journal.path}`
        : `no runs recorded in the journal ${journal.path}`,
      runId
        ? "list the recorded runs with 'dev-bootstrap summary --runs 20'"
        : "run 'dev-bootstrap post-start' (or any step) first",
    );
  }
  return run;
}

export function recentRuns(journal: Journal, count: number): RunSummary[] {
  return summariseRuns(journal.readCheckpoints()).slice(-count);
}
