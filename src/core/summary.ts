/**
 * Summaries of runs from journal entries: the latest run's steps, and the
 * history of recent runs. Pure; `summary` reads the journal and renders these.
 */

import type { Checkpoint, CheckpointStatus } from "./checkpoint.js";
import { formatDuration } from "./checkpoint.js";
import { terminalText } from "./printable.js";

type StepOutcome = Exclude<CheckpointStatus, "start"> | "incomplete";
export type RunResult = "ok" | "warn" | "failed" | "incomplete";

export interface StepSummary {
  step: string;
  status: StepOutcome;
  message: string;
  durationMs?: number;
  hint?: string;
}

export interface RunSummary {
  runId: string;
  command: string;
  startedAt: string;
  endedAt: string;
  result: RunResult;
  failedStep?: string;
  steps: StepSummary[];
}

/** Groups checkpoints by run (in journal order) and folds each step to its last word. */
export function summariseRuns(entries: readonly Checkpoint[]): RunSummary[] {
  const runs = new Map<
    string,
    { first: Checkpoint; last: Checkpoint; steps: Map<string, StepSummary> }
  >();
  for (const cp of entries) {
    let run = runs.get(cp.runId);
    if (!run) {
      run = { first: cp, last: cp, steps: new Map() };
      runs.set(cp.runId, run);
    }
    // Lines of one run share its command: of two at the same time, either gives the same summary.
    // Stryker disable next-line EqualityOperator: see above
    if (cp.time < run.first.time) run.first = cp;
    // Stryker disable next-line EqualityOperator: see above
    if (cp.time >= run.last.time) run.last = cp;
    const previous = run.steps.get(cp.step);
    if (cp.status === "start") {
      // A step restarted after it finished (a rerun inside the same run) starts over.
      run.steps.delete(cp.step);
      run.steps.set(cp.step, { step: cp.step, status: "incomplete", message: cp.message });
      continue;
    }
    // A step keeps its worst outcome: a later `ok` never hides an earlier `fail`.
    if (previous && rank(previous.status) > rank(cp.status)) continue;
    const summary: StepSummary = { step: cp.step, status: cp.status, message: cp.message };
    if (cp.durationMs !== undefined) summary.durationMs = cp.durationMs;
    if (cp.hint !== undefined) summary.hint = cp.hint;
    run.steps.set(cp.step, summary);
  }
  const out: RunSummary[] = [];
  for (const [runId, run] of runs) {
    const steps = [...run.steps.values()];
    const failed =
      steps.find((s) => s.status === "fail") ?? steps.find((s) => s.status === "incomplete");
    const result: RunResult = steps.some((s) => s.status === "fail")
      ? "failed"
      : steps.some((s) => s.status === "incomplete")
        ? "incomplete"
        : steps.some((s) => s.status === "warn")
          ? "warn"
          : "ok";
    const summary: RunSummary = {
      runId,
      command: run.first.command,
      startedAt: run.first.time,
      endedAt: run.last.time,
      result,
      steps,
    };
    // Stryker disable next-line StringLiteral: a failed or incomplete step makes the result failed or incomplete
    if (failed && result !== "ok" && result !== "warn") summary.failedStep = failed.step;
    out.push(summary);
  }
  return out.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
}

function rank(status: StepOutcome): number {
  switch (status) {
    case "fail":
      return 4;
    // Only a summary's own step is incomplete, never a checkpoint, and nothing ranks below 1.
    // Stryker disable next-line StringLiteral: see above
    case "incomplete":
      return 0;
    case "warn":
      return 2;
    case "skip":
      return 1;
    case "ok":
      return 1;
  }
}

export function runFailed(run: RunSummary): boolean {
  return run.result === "failed" || run.result === "incomplete";
}

function table(headers: string[], cells: string[][]): string {
  // Cells hold journaled text from servers and children: escaped for the terminal.
  const rows = cells.map((r) => r.map(terminalText));
  // Stryker disable next-line StringLiteral: every row has a cell under every header
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      // Stryker disable next-line ArithmeticOperator: a padded last cell loses its blanks to trimEnd
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const STATUS_WORD: Record<StepOutcome, string> = {
  ok: "ok",
  warn: "warn",
  fail: "FAIL",
  skip: "skipped",
  incomplete: "incomplete",
};

export function renderRunTable(run: RunSummary): string {
  const rows = run.steps.map((s) => [
    s.step,
    STATUS_WORD[s.status],
    s.durationMs === undefined ? "-" : formatDuration(s.durationMs),
    s.status === "fail" || s.status === "warn" || s.status === "incomplete"
      ? `${s.message}${s.hint ? ` — hint: ${s.hint}` : ""}`
      : s.message,
  ]);
  const head = `run ${run.runId} (${run.command}) started ${run.startedAt}: ${run.result.toUpperCase()}`;
  return `${head}\n${table(["STEP", "STATUS", "DURATION", "DETAIL"], rows)}`;
}

export function renderRunHistory(runs: readonly RunSummary[]): string {
  const rows = runs.map((r) => [r.startedAt, r.command, r.result, r.failedStep ?? "-", r.runId]);
  return table(["STARTED", "COMMAND", "RESULT", "FAILED STEP", "RUN"], rows);
}
