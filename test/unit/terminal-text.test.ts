import { describe, expect, it } from "vitest";
import { terminalSafeJson, terminalText } from "../../src/core/printable.js";

describe("terminalText: server text on its way to a terminal line", () => {
  it.each([
    ["clear screen", "a\u001b[2Jb", "a\\x1b[2Jb"],
    ["window title (OSC … BEL)", "\u001b]0;owned\u0007", "\\x1b]0;owned\\x07"],
    ["8-bit CSI", "\u009b31m", "\\x9b31m"],
    ["bidi override", "abc\u202eevil", "abc\\u202eevil"],
    ["line breaks become ⏎", "one\r\ntwo\nthree", "one ⏎ two ⏎ three"],
    ["a lone carriage return", "progress\rover", "progress\\x0dover"],
    ["ordinary text and non-ASCII letters stay", "Größe — ok ✔", "Größe — ok ✔"],
  ])("%s", (_, input, shown) => {
    expect(terminalText(input)).toBe(shown);
  });
});

describe("terminalSafeJson: a journal line", () => {
  it("escapes what JSON.stringify leaves raw, and parses back to the same value", () => {
    const value = { message: "x\u009b31m\u2028\u202e\u007fy\u001b" };
    const line = terminalSafeJson(JSON.stringify(value));
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
    expect(JSON.parse(line)).toEqual(value);
  });
});
