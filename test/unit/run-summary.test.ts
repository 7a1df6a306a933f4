/** How journal checkpoints fold into run summaries (what `summary` and post-start's table show). */
import { describe, expect, it } from "vitest";
import type { Checkpoint } from "../../src/core/checkpoint.js";
import { summariseRuns } from "../../src/core/summary.js";

let n = 0;
const cp = (
  runId: string,
  step: string,
  status: Checkpoint["status"],
  time: string,
  extra: Partial<Checkpoint> = {},
): Checkpoint =>
  ({
    runId,
    command: `cmd-${runId}`,
    step,
    status,
    message: `${step} ${status} ${n++}`,
    time: `2026-01-01T00:00:${time}Z`,
    ...extra,
  }) as Checkpoint;

describe("summariseRuns", () => {
  it("runs sorted by start; a run spans its earliest to its latest line, whatever the journal order", () => {
    const runs = summariseRuns([
      cp("b", "s", "start", "05"),
      cp("a", "s", "ok", "09"),
      cp("a", "s", "start", "03"),
      cp("b", "s", "ok", "06"),
      cp("a", "t", "ok", "04"),
    ]);
    expect(runs.map((r) => [r.runId, r.command, r.startedAt, r.endedAt])).toEqual([
      ["a", "cmd-a", "2026-01-01T00:00:03Z", "2026-01-01T00:00:09Z"],
      ["b", "cmd-b", "2026-01-01T00:00:05Z", "2026-01-01T00:00:06Z"],
    ]);
  });

  it("a step keeps its worst outcome; duration and hint come from the line kept", () => {
    const [run] = summariseRuns([
      cp("r", "s", "start", "01"),
      cp("r", "s", "fail", "02", { durationMs: 5, hint: "fix it" }),
      cp("r", "s", "ok", "03", { durationMs: 9 }),
      cp("r", "w", "warn", "04"),
      cp("r", "w", "ok", "05"),
      cp("r", "k", "skip", "06"),
      cp("r", "k", "ok", "07"),
    ]);
    expect(run!.steps.map((s) => [s.step, s.status, s.durationMs, s.hint])).toEqual([
      ["s", "fail", 5, "fix it"],
      ["w", "warn", undefined, undefined],
      ["k", "ok", undefined, undefined],
    ]);
    expect(run!.steps[1]).not.toHaveProperty("durationMs");
    expect(run!.steps[1]).not.toHaveProperty("hint");
    expect(run!.result).toBe("failed");
    expect(run!.failedStep).toBe("s");
  });

  it("the result: failed, else incomplete, else warn, else ok; failedStep only for failed and incomplete", () => {
    const result = (...cps: Checkpoint[]) => {
      const [run] = summariseRuns(cps);
      return [run!.result, run!.failedStep];
    };
    expect(result(cp("r", "a", "ok", "01"), cp("r", "b", "skip", "02"))).toEqual(["ok", undefined]);
    expect(result(cp("r", "a", "ok", "01"), cp("r", "b", "warn", "02"))).toEqual([
      "warn",
      undefined,
    ]);
    expect(result(cp("r", "a", "warn", "01"), cp("r", "b", "start", "02"))).toEqual([
      "incomplete",
      "b",
    ]);
    expect(
      result(cp("r", "a", "start", "01"), cp("r", "b", "start", "02"), cp("r", "b", "fail", "03")),
    ).toEqual(["failed", "b"]);
  });

  it("a step started again after it finished starts over", () => {
    const [run] = summariseRuns([
      cp("r", "s", "start", "01"),
      cp("r", "s", "fail", "02"),
      cp("r", "s", "start", "03"),
      cp("r", "s", "ok", "04"),
    ]);
    expect(run!.steps.map((s) => s.status)).toEqual(["ok"]);
    expect(run!.result).toBe("ok");
  });
});
