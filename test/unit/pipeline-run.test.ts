/**
 * The step runner and the pipeline, seen as a user sees a run: a step's start line
 * with its message, its result passed on, its failure reported once with its
 * duration and hint; phases run in order, the first failure stops the rest, each
 * later phase shows as skipped naming the step that failed, and a run where
 * nothing failed reports no failure.
 */
import { describe, expect, it } from "vitest";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { runPipeline } from "../../src/flows/pipeline.js";
import { step } from "../../src/flows/step.js";
import { virtualClock } from "../helpers/clock.js";
import { captureLog } from "../helpers/flow-run.js";

function run() {
  const clock = virtualClock(0);
  return { clock, ...captureLog({ command: "test", clock, masker: new SecretMasker() }) };
}

describe("step", () => {
  it("writes its start line, hands the step's handle to the work, and returns its result", async () => {
    const { log, records } = run();
    const value = await step(log, "vault:seed", "seeding 2 path(s)", (handle) => {
      handle.ok("Vault sync success");
      return 42;
    });
    expect(value).toBe(42);
    expect(records().map((r) => [r.step, r.status, r.message])).toEqual([
      ["vault:seed", "start", "seeding 2 path(s)"],
      ["vault:seed", "ok", "Vault sync success"],
    ]);
  });

  it("a failure is reported under the step, with how long it ran and the error's hint, then passed on", async () => {
    const { log, clock, records } = run();
    const error = new StepError("Vault sealed at http://127.0.0.1:8200", "unseal it");
    const thrown = await step(log, "vault:health", "checking Vault", async () => {
      await clock.sleep(1500);
      throw error;
    }).catch((e: unknown) => e);
    expect(thrown).toBe(error);
    expect(records().filter((r) => r.status === "fail")).toEqual([
      expect.objectContaining({
        step: "vault:health",
        message: "Vault sealed at http://127.0.0.1:8200",
        hint: "unseal it",
        durationMs: 1500,
      }),
    ]);
    expect(log.reportedAt(error)).toBe("vault:health");
  });

  it("an error the step owns is its failure; one it does not own is left to the layer above", async () => {
    const { log, records } = run();
    const mine = new StepError("mine", "fix mine");
    const other = new StepError("other", "fix other");
    const owns = (e: unknown) => e === mine;
    await step(log, "a", "a", () => Promise.reject(mine), { owns }).catch(() => {});
    await step(log, "b", "b", () => Promise.reject(other), { owns }).catch(() => {});
    expect(records().filter((r) => r.status === "fail")).toEqual([
      expect.objectContaining({ step: "a", message: "mine", hint: "fix mine" }),
    ]);
    expect(log.reportedAt(other)).toBeUndefined();
  });
});

describe("runPipeline", () => {
  it("every phase in order; nothing failed: no failure reported, no skip line", async () => {
    const { log, records } = run();
    const order: string[] = [];
    const result = await runPipeline(
      ["one", "two", "three"].map((name) => ({
        step: name,
        run: async () => {
          order.push(name);
        },
      })),
      log,
    );
    expect(order).toEqual(["one", "two", "three"]);
    expect(result).toEqual({});
    expect(result.failed).toBeUndefined();
    expect(records()).toEqual([]);
  });

  it("the first failure stops the rest: each later phase shows as skipped, naming the failed step", async () => {
    const { log, records } = run();
    const ran: string[] = [];
    const error = new StepError("secret unreadable", "check RBAC");
    const result = await runPipeline(
      [
        { step: "seed", run: async () => void ran.push("seed") },
        {
          step: "secret",
          run: async () => {
            ran.push("secret");
            throw error;
          },
        },
        { step: "layer:42", run: async () => void ran.push("layer:42") },
        { step: "tilt", run: async () => void ran.push("tilt") },
      ],
      log,
    );
    expect(ran).toEqual(["seed", "secret"]);
    expect(result).toEqual({ failed: { step: "secret", error } });
    expect(records().map((r) => [r.step, r.status, r.message])).toEqual([
      ["secret", "fail", "secret unreadable"],
      ["layer:42", "skip", "skipped: secret failed"],
      ["tilt", "skip", "skipped: secret failed"],
    ]);
    expect(records()[0]?.hint).toBe("check RBAC");
  });
});
