/**
 * What `dev-bootstrap summary` prints and exits on: the latest run as a table
 * (a detail's hint only where something went wrong), the history of runs, and
 * whether the run failed (exit 1) or not.
 */
import { describe, expect, it } from "vitest";
import {
  type RunSummary,
  renderRunHistory,
  renderRunTable,
  runFailed,
} from "../../src/core/summary.js";

const run = (over: Partial<RunSummary> = {}): RunSummary => ({
  runId: "r1",
  command: "post-start",
  startedAt: "2026-12-07T04:00:00.000Z",
  endedAt: "2026-12-07T04:00:02.000Z",
  result: "failed",
  failedStep: "secret",
  steps: [
    { step: "vault", status: "ok", message: "reachable", durationMs: 12, hint: "unused" },
    {
      step: "seed",
      status: "warn",
      message: "2 paths kept",
      durationMs: 1500,
      hint: "rerun with --force",
    },
    {
      step: "secret",
      status: "fail",
      message: "denied",
      durationMs: 61_000,
      hint: "check the token",
    },
    { step: "eso", status: "skip", message: "skipped: secret failed" },
    { step: "tilt", status: "incomplete", message: "starting" },
  ],
  ...over,
});

describe("renderRunTable", () => {
  it("heads the table with the run, lines up the columns and adds hints to warn, fail and incomplete", () => {
    expect(renderRunTable(run())).toBe(
      [
        "run r1 (post-start) started 2026-12-07T04:00:00.000Z: FAILED",
        "STEP    STATUS      DURATION  DETAIL",
        `------  ----------  --------  ${"-".repeat("2 paths kept — hint: rerun with --force".length)}`,
        "vault   ok          12 ms     reachable",
        "seed    warn        1.5 s     2 paths kept — hint: rerun with --force",
        "secret  FAIL        1m 01s    denied — hint: check the token",
        "eso     skipped     -         skipped: secret failed",
        "tilt    incomplete  -         starting",
      ].join("\n"),
    );
  });

  it("a warn or incomplete step without a hint shows its message alone", () => {
    const table = renderRunTable(
      run({
        result: "warn",
        steps: [
          { step: "a", status: "warn", message: "m1" },
          { step: "b", status: "incomplete", message: "m2" },
        ],
      }),
    );
    expect(table.split("\n").slice(3)).toEqual([
      "a     warn        -         m1",
      "b     incomplete  -         m2",
    ]);
  });

  it("escapes control characters in journaled text before it reaches the terminal", () => {
    const table = renderRunTable(
      run({ steps: [{ step: "seed", status: "fail", message: "bad \u001b[2Jclear" }] }),
    );
    expect(table).not.toContain("\u001b");
    expect(table.split("\n")[3]).toMatch(/^seed {2}FAIL {4}- {9}bad .+clear$/);
  });
});

describe("renderRunHistory", () => {
  it("one line per run: start, command, result, failed step or '-', run id", () => {
    expect(
      renderRunHistory([
        run(),
        run({ runId: "r2", command: "seed-vault", result: "ok", failedStep: undefined }),
      ]),
    ).toBe(
      [
        "STARTED                   COMMAND     RESULT  FAILED STEP  RUN",
        "------------------------  ----------  ------  -----------  ---",
        "2026-12-07T04:00:00.000Z  post-start  failed  secret       r1",
        "2026-12-07T04:00:00.000Z  seed-vault  ok      -            r2",
      ].join("\n"),
    );
  });

  it("is the header alone with no runs", () => {
    expect(renderRunHistory([])).toBe(
      "STARTED  COMMAND  RESULT  FAILED STEP  RUN\n-------  -------  ------  -----------  ---",
    );
  });
});

describe("runFailed: summary's exit code", () => {
  it.each([
    ["failed", true],
    ["incomplete", true],
    ["warn", false],
    ["ok", false],
  ] as const)("%s → %s", (result, failed) => {
    expect(runFailed(run({ result }))).toBe(failed);
  });
});

describe("a step's outcome and its line", () => {
  it("a warning or failure is kept when the step is skipped after it", async () => {
    const { summariseRuns } = await import("../../src/core/summary.js");
    const line = (
      step: string,
      status: "start" | "ok" | "warn" | "fail" | "skip",
      time: string,
    ) => ({
      runId: "r",
      command: "post-start",
      pid: 1,
      step,
      status,
      message: `${step} ${status}`,
      time: `2026-12-07T04:00:0${time}Z`,
    });
    const [run] = summariseRuns([
      line("a", "warn", "1"),
      line("a", "skip", "2"),
      line("b", "fail", "3"),
      line("b", "skip", "4"),
      line("c", "skip", "5"),
      line("c", "ok", "6"),
    ]);
    expect(run!.steps.map((s) => [s.step, s.status])).toEqual([
      ["a", "warn"],
      ["b", "fail"],
      ["c", "ok"],
    ]);
  });

  it("a step with an empty detail leaves no blanks at the end of its line", () => {
    const table = renderRunTable(
      run({
        steps: [
          { step: "vault", status: "ok", message: "" },
          { step: "seed", status: "ok", message: "x" },
        ],
      }),
    );
    expect(table.split("\n")[3]).toBe("vault  ok      -");
  });
});
