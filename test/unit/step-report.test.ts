/**
 * The step runner and the pipeline report a thrown error through the logger's one
 * path: the first layer that sees it writes its fail checkpoint, under its own step,
 * and no layer above writes another — for our errors and for unexpected ones alike.
 */
import { describe, expect, it } from "vitest";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { runPipeline } from "../../src/flows/pipeline.js";
import { step } from "../../src/flows/step.js";
import { CheckpointLogger } from "../../src/log/logger.js";

function logger() {
  const records: Array<{ step: string; status: string; message: string; hint?: string }> = [];
  const log = new CheckpointLogger({
    now: () => 0,
    runId: "r",
    command: "test",
    format: "json",
    colour: false,
    journal: undefined,
    masker: new SecretMasker(),
    out: { write: (line: string) => records.push(JSON.parse(line)) },
  });
  const fails = () => records.filter((r) => r.status === "fail");
  return { log, records, fails };
}

describe("one report per failure", () => {
  it("an unexpected error in a nested step: one fail line, the inner step's, with the hint that says so", async () => {
    const { log, records, fails } = logger();
    const bug = new TypeError("cannot read properties of undefined");
    const result = await runPipeline(
      [
        {
          step: "phase",
          run: () =>
            step(log, "outer", "outer work", () =>
              step(log, "inner", "inner work", () => {
                throw bug;
              }),
            ),
        },
        { step: "next", run: async () => {} },
      ],
      log,
    );
    expect(fails()).toEqual([
      expect.objectContaining({
        step: "inner",
        message: "cannot read properties of undefined",
        hint: expect.stringContaining("unexpected error"),
      }),
    ]);
    expect(result.failed).toEqual({ step: "inner", error: bug });
    expect(records.at(-1)).toMatchObject({
      step: "next",
      status: "skip",
      message: "skipped: inner failed",
    });
    expect(log.reportedAt(bug)).toBe("inner");
  });

  it("an error its step does not own: reported once, by the pipeline, under the phase", async () => {
    const { log, fails } = logger();
    const error = new StepError("not this step's", "ask the phase");
    const result = await runPipeline(
      [
        {
          step: "phase",
          run: () =>
            step(
              log,
              "inner",
              "inner work",
              () => {
                throw error;
              },
              { owns: () => false },
            ),
        },
      ],
      log,
    );
    expect(fails()).toEqual([
      expect.objectContaining({ step: "phase", message: "not this step's", hint: "ask the phase" }),
    ]);
    expect(result.failed?.step).toBe("phase");
  });

  it("the CLI's report of an error a step reported adds no line, and names that step", () => {
    const { log, fails } = logger();
    const error = new StepError("Vault sealed", "unseal it");
    expect(log.reportFailure("vault:health", error, { durationMs: 5 })).toBe("vault:health");
    expect(log.reportFailure("post-start", error)).toBe("vault:health");
    expect(fails()).toEqual([
      expect.objectContaining({ step: "vault:health", message: "Vault sealed", durationMs: 5 }),
    ]);
    expect(log.anyFailed).toBe(true);
  });
});
