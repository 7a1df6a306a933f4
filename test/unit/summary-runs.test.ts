/**
 * Which run `summary` (and the end of post-start) shows, read from a journal on
 * disk: the latest run of a command, one run by id, the last N runs; and, when
 * there is nothing to show, a message that says why and what to run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { latestRun, recentRuns } from "../../src/flows/summary.js";
import { Journal } from "../../src/log/journal.js";
import { CheckpointLogger } from "../../src/log/logger.js";

function tempJournal() {
  const dir = mkdtempSync(join(tmpdir(), "summary-runs-"));
  return new Journal({ path: join(dir, "journal.jsonl"), maxBytes: 1_000_000 });
}

let t = Date.parse("2026-01-01T00:00:00Z");

/** One run of `command` into the journal: a step that ends `status`. */
function record(journal: Journal, runId: string, command: string, status: "ok" | "fail" = "ok") {
  const log = new CheckpointLogger({
    runId,
    command,
    format: "json",
    colour: false,
    out: { write: () => {} },
    journal,
    masker: new SecretMasker(),
    now: () => (t += 10),
  });
  const handle = log.start("vault:seed", "seeding");
  if (status === "ok") handle.ok("Vault sync success");
  else handle.fail("Vault sealed", "unseal it");
}

/** A journal holding post-start, smoke, post-start, summary-less watcher runs, in that order. */
function history() {
  const journal = tempJournal();
  record(journal, "run-1", "post-start", "fail");
  record(journal, "run-2", "smoke");
  record(journal, "run-3", "post-start");
  record(journal, "run-4", "watch-vault-fixtures", "fail");
  return journal;
}

const messageOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StepError);
    return { message: (error as StepError).message, hint: (error as StepError).hint };
  }
  throw new Error("expected a failure");
};

describe("latestRun", () => {
  it("the latest run of the command asked for, not the latest of all", () => {
    const journal = history();
    expect(latestRun(journal, { command: "post-start" })).toMatchObject({
      runId: "run-3",
      command: "post-start",
      result: "ok",
    });
    expect(latestRun(journal, { command: "smoke" }).runId).toBe("run-2");
  });

  it("with no command: the latest run of any command", () => {
    expect(latestRun(history(), {})).toMatchObject({ runId: "run-4", result: "failed" });
    expect(latestRun(history()).runId).toBe("run-4");
  });

  it("by run id (a string or in the filter): that run, even when later runs exist", () => {
    const journal = history();
    expect(latestRun(journal, "run-1")).toMatchObject({
      runId: "run-1",
      result: "failed",
      failedStep: "vault:seed",
    });
    expect(latestRun(journal, { runId: "run-2" }).command).toBe("smoke");
  });

  it("an id that is part of another run's id finds the run with that exact id", () => {
    const journal = tempJournal();
    record(journal, "run-10", "post-start");
    record(journal, "run-1", "post-start", "fail");
    record(journal, "run-11", "post-start");
    expect(latestRun(journal, "run-1")).toMatchObject({ runId: "run-1", result: "failed" });
  });

  it("an unknown run id: says so, and how to list the runs", () => {
    const journal = history();
    expect(messageOf(() => latestRun(journal, "run-9"))).toEqual({
      message: `no run run-9 in the journal ${journal.path}`,
      hint: "list the recorded runs with 'dev-bootstrap summary --all'",
    });
  });

  it("no run of that command: names the commands the journal has runs of, once each", () => {
    const journal = history();
    expect(messageOf(() => latestRun(journal, { command: "wait" }))).toEqual({
      message: `no wait run recorded in the journal ${journal.path} (it has runs of: post-start, smoke, watch-vault-fixtures)`,
      hint: "pick one with --command NAME, or list every run with --all",
    });
  });

  it("an empty journal: no runs at all, and what to run first", () => {
    const journal = tempJournal();
    const expected = {
      message: `no runs recorded in the journal ${journal.path}`,
      hint: "run 'dev-bootstrap post-start' (or any step) first",
    };
    expect(messageOf(() => latestRun(journal, { command: "post-start" }))).toEqual(expected);
    expect(messageOf(() => latestRun(journal, {}))).toEqual(expected);
  });

  it("a journal this process could not write: that error, not 'no run'", () => {
    const dir = mkdtempSync(join(tmpdir(), "summary-runs-"));
    // The journal's directory is a file: no line of this run can be written.
    writeFileSync(join(dir, "state"), "not a directory\n");
    const journal = new Journal({
      path: join(dir, "state", "journal.jsonl"),
      maxBytes: 1_000_000,
      onWriteError: () => {},
    });
    record(journal, "run-x", "post-start");
    // The directory is there by the time the summary reads it: the run's lines are not.
    rmSync(join(dir, "state"));
    mkdirSync(join(dir, "state"));
    const error = journal.writeError;
    expect(error?.message).toMatch(/^cannot create .*journal\.jsonl/);
    expect(error).toBeInstanceOf(StepError);
    expect(() => latestRun(journal, "run-x")).toThrow(error!);
    expect(() => latestRun(journal, { command: "post-start" })).toThrow(error!);
  });

  it("a run's lines are found in the rotated file too", () => {
    const dir = mkdtempSync(join(tmpdir(), "summary-runs-"));
    mkdirSync(join(dir, "s"));
    const older = new Journal({ path: join(dir, "s", "journal.1.jsonl"), maxBytes: 1_000_000 });
    record(older, "run-old", "post-start");
    const journal = new Journal({ path: join(dir, "s", "journal.jsonl"), maxBytes: 1_000_000 });
    record(journal, "run-new", "smoke");
    expect(latestRun(journal, { command: "post-start" }).runId).toBe("run-old");
  });
});

describe("recentRuns", () => {
  it("every run of every command, oldest first", () => {
    expect(recentRuns(history()).map((r) => r.runId)).toEqual(["run-1", "run-2", "run-3", "run-4"]);
  });

  it("the last N, oldest first", () => {
    expect(recentRuns(history(), 2).map((r) => r.runId)).toEqual(["run-3", "run-4"]);
    expect(recentRuns(history(), 10).map((r) => r.runId)).toHaveLength(4);
  });

  it("of one command only", () => {
    expect(recentRuns(history(), undefined, "post-start").map((r) => r.runId)).toEqual([
      "run-1",
      "run-3",
    ]);
    expect(recentRuns(history(), 1, "post-start").map((r) => r.runId)).toEqual(["run-3"]);
    expect(recentRuns(history(), undefined, "wait")).toEqual([]);
  });
});
