/** Reads the journal and summarises runs for `summary` and the end of post-start. */
import { StepError } from "../core/errors.js";
import { type RunSummary, summariseRuns } from "../core/summary.js";
import type { Journal } from "../log/journal.js";

/** Which runs count: one run by id, the runs of one command, or every run (`command` undefined). */
interface RunFilter {
  runId?: string;
  command?: string;
}

export function latestRun(journal: Journal, filter: RunFilter | string = {}): RunSummary {
  const { runId, command } = typeof filter === "string" ? { runId: filter } : filter;
  // With a run id, only that run's lines are parsed (post-start's summary does this).
  const all = summariseRuns(journal.readCheckpoints(runId));
  const run = runId
    ? all.find((r) => r.runId === runId)
    : all.filter((r) => command === undefined || r.command === command).at(-1);
  if (run) return run;
  // This process could not write the journal: that, not the run id, is what went wrong.
  const writeError = journal.writeError;
  if (writeError) throw writeError;
  if (runId)
    throw new StepError(
      `no run ${runId} in the journal ${journal.path}`,
      "list the recorded runs with 'dev-bootstrap summary --all'",
    );
  if (command !== undefined && all.length) {
    const others = [...new Set(all.map((r) => r.command))].join(", ");
    throw new StepError(
      `no ${command} run recorded in the journal ${journal.path} (it has runs of: ${others})`,
      "pick one with --command NAME, or list every run with --all",
    );
  }
  throw new StepError(
    `no runs recorded in the journal ${journal.path}`,
    "run 'dev-bootstrap post-start' (or any step) first",
  );
}

/** The last `count` runs (all when undefined) of `command` (any when undefined), oldest first. */
export function recentRuns(journal: Journal, count?: number, command?: string): RunSummary[] {
  const runs = summariseRuns(journal.readCheckpoints()).filter(
    (r) => command === undefined || r.command === command,
  );
  return count === undefined ? runs : runs.slice(-count);
}
