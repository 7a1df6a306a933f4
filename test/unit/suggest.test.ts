import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { didYouMean, editDistance, suggestions } from "../../src/core/suggest.js";

const NAMES = COMMANDS.map((c) => c.name);

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and a swap of neighbours as one edit each", () => {
    expect(editDistance("summary", "summary")).toBe(0);
    expect(editDistance("sumary", "summary")).toBe(1);
    expect(editDistance("summaryy", "summary")).toBe(1);
    expect(editDistance("summery", "summary")).toBe(1);
    expect(editDistance("post-strat", "post-start")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("suggestions (cobra's rule: within two edits, or a prefix)", () => {
  it.each([
    ["post-strat", ["post-start"]],
    ["poststart", ["post-start"]],
    ["sum", ["summary"]],
    ["SUMMARY", ["summary"]],
    ["run-flyway", ["run-flyway-cli"]],
    ["frobnicate", []],
    ["s", []],
  ])("%s → %j", (typed, expected) => {
    expect(suggestions(typed, NAMES)).toEqual(expected);
  });

  it("lists the closest first, at most three", () => {
    expect(suggestions("run", ["run", "runs", "rune", "ruin", "xyz"])).toEqual([
      "run",
      "runs",
      "rune",
    ]);
  });
});

describe("didYouMean", () => {
  it("reads as one hint, with the flag's dashes", () => {
    expect(didYouMean("namepsace", ["namespace", "config"], "--")).toBe(
      "did you mean '--namespace'?",
    );
    expect(didYouMean("ru", ["runs", "run", "all"], "--")).toBe(
      "did you mean '--runs' or '--run'?",
    );
    expect(didYouMean("zzz", ["namespace"])).toBeUndefined();
  });
});
