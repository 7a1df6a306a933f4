import { describe, expect, it } from "vitest";
import {
  firstInvalidUtf8,
  printable,
  terminalSafeJson,
  terminalText,
  unstorableText,
} from "../../src/core/printable.js";

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

describe("firstInvalidUtf8 agrees with a strict UTF-8 decoder", () => {
  const strict = new TextDecoder("utf-8", { fatal: true });
  const decodes = (bytes: Uint8Array) => {
    try {
      strict.decode(bytes);
      return true;
    } catch {
      return false;
    }
  };
  // A fixed sequence of byte strings, heavy in lead and continuation bytes.
  let seed = 42;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const interesting = [
    0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
  ];
  const samples = Array.from({ length: 4000 }, () =>
    Uint8Array.from({ length: 1 + (next() % 6) }, () =>
      next() % 3 === 0 ? next() % 256 : interesting[next() % interesting.length]!,
    ),
  );

  it("valid exactly when the decoder accepts it; the offset ends the longest valid prefix", () => {
    for (const bytes of samples) {
      const at = firstInvalidUtf8(bytes);
      const where = Buffer.from(bytes).toString("hex");
      expect(at === -1, where).toBe(decodes(bytes));
      if (at >= 0) {
        expect(decodes(bytes.subarray(0, at)), where).toBe(true);
        // No sequence starting at the offset decodes, however many bytes it takes.
        for (let end = at + 1; end <= Math.min(bytes.length, at + 4); end++)
          expect(decodes(bytes.subarray(at, end)), where).toBe(false);
      }
    }
  });

  it("edges: overlong forms, surrogates, past U+10FFFF, truncated sequences", () => {
    expect(firstInvalidUtf8(Buffer.from("aé€😀"))).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.of(0x41, 0xc0, 0x80))).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.of(0xe0, 0x80, 0x80))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.of(0xf4, 0x90, 0x80, 0x80))).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.of(0x41, 0x42, 0xe2, 0x82))).toBe(2);
  });
});

describe("printable and unstorableText: what is echoed and what is refused", () => {
  it("control characters as \\x, lone surrogates as \\u; pairs and text stay", () => {
    expect(printable("a\u0000b\u001bc\u007fd\u009fe")).toBe("a\\x00b\\x1bc\\x7fd\\x9fe");
    expect(printable("x\ud800y\udc00z")).toBe("x\\ud800y\\udc00z");
    expect(printable("😀 é\t")).toBe("😀 é\\x09");
  });

  it("tab, LF and CR may be stored; other controls and lone surrogates may not", () => {
    expect(unstorableText("a\tb\nc\r\n😀")).toBeUndefined();
    expect(unstorableText("a\u0008")).toBe("a control character (\\x08)");
    expect(unstorableText("\u000b")).toBe("a control character (\\x0b)");
    expect(unstorableText("\u001f")).toBe("a control character (\\x1f)");
    expect(unstorableText("\u007f")).toBe("a control character (\\x7f)");
    expect(unstorableText("\u0080")).toBeUndefined();
    expect(unstorableText("\ud83d")).toBe("a lone surrogate (\\ud83d)");
    expect(unstorableText("\ude00x")).toBe("a lone surrogate (\\ude00)");
  });
});
