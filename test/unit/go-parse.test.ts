/**
 * Go's time.ParseDuration as the vault CLI applies it to its environment: every
 * expected value below is what Go 1.x's time.ParseDuration gives for the same text
 * (nanoseconds / 1e6), or its error.
 */
import { describe, expect, it } from "vitest";
import {
  GO_BOOL_WORDS,
  parseDurationSecond,
  parseGoBool,
  parseGoDuration,
} from "../../src/core/go-parse.js";

describe("parseGoDuration (time.ParseDuration), in ms", () => {
  it.each([
    ["0", 0],
    ["-0", 0],
    ["+0", 0],
    ["0s", 0],
    ["+5s", 5000],
    ["-1.5m", -90_000],
    ["-.5h", -1_800_000],
    ["3µs", 0.003],
    ["3μs", 0.003],
    ["1ns", 1e-6],
    ["00010s", 10_000],
    ["0.0001ms", 0.0001],
  ])("%j → %j", (text, expected) => {
    expect(parseGoDuration(text)).toBeCloseTo(expected, 9);
    expect(Object.is(parseGoDuration(text), -0)).toBe(false);
  });

  it("adds up every unit Go knows", () => {
    expect(parseGoDuration("1h2m3s4ms5us6ns")).toBeCloseTo(3_723_004.005006, 6);
  });

  it.each([
    "",
    "+",
    "-",
    "1.5.5s",
    "._s",
    ".s",
    "1h-1m",
    "2H",
    "1d",
    "1e3s",
    "1_0s",
    "5m0",
    "5",
    "s",
  ])("refuses %j as Go does", (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe("parseDurationSecond: a bare integer is seconds, <n>d days", () => {
  it.each([
    ["+3", 3000],
    ["-2", -2000],
    ["+1d", 86_400_000],
    ["10d", 864_000_000],
    ["30", 30_000],
    ["-1d", -86_400_000],
    ["1.5d", undefined],
    ["d", undefined],
    ["xd", undefined],
  ])("%j → %j", (text, expected) => {
    expect(parseDurationSecond(text)).toBe(expected);
  });
});

describe("the words strconv.ParseBool takes", () => {
  it("are listed in the error's hint, each one accepted", () => {
    const words = GO_BOOL_WORDS.split(", ");
    expect(words).toHaveLength(12);
    for (const word of words) expect(parseGoBool(word)).toBeTypeOf("boolean");
  });
});
