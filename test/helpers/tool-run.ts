/**
 * What a process port's run answers for a tool that was not really started: its
 * lines streamed to the caller as a child's stdout would be, then a finished
 * run (exit 0, no signal, no time limit hit, no leftovers) with `over` on top.
 * For the tests that plan each tool's answer.
 */
import type { RunToolOptions, RunToolResult } from "../../src/adapters/proc.js";

export function finishedRun(
  call: Pick<RunToolOptions, "onLine">,
  lines: readonly string[] = [],
  over: Partial<RunToolResult> = {},
): RunToolResult {
  for (const line of lines) call.onLine?.(line, "stdout");
  return {
    exitCode: 0,
    signal: undefined,
    timedOut: false,
    interrupted: false,
    tail: [...lines],
    durationMs: 5,
    leftovers: [],
    ...over,
  };
}
