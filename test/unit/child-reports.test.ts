/** How a failed or leaky child is reported: its last lines, and what it left running. */
import { describe, expect, it } from "vitest";
import { leftoverNote } from "../../src/core/leftovers.js";
import { maskedTail } from "../../src/core/tail.js";

describe("maskedTail", () => {
  const masker = { mask: (text: string) => text.replaceAll("s3cret", "***") };

  it("the last five lines by default, masked, on one line", () => {
    const tail = ["1", "2", "pw=s3cret", "4", "5", "6"];
    expect(maskedTail({ tail }, masker)).toBe("2 | pw=*** | 4 | 5 | 6");
    expect(maskedTail({ tail }, masker, 2)).toBe("5 | 6");
  });

  it("says so when the child printed nothing", () => {
    expect(maskedTail({ tail: [] }, masker)).toBe("(no output)");
  });
});

describe("leftoverNote", () => {
  it("one process, or several with each name once, at most five shown", () => {
    expect(leftoverNote(["sleep"])).toBe("it left 1 process running (sleep); it was stopped");
    expect(leftoverNote(["sleep", "sleep", "kubectl"], "the hook")).toBe(
      "the hook left 3 processes running (sleep, kubectl); they were stopped",
    );
    expect(leftoverNote(["a", "b", "c", "d", "e"])).toBe(
      "it left 5 processes running (a, b, c, d, e); they were stopped",
    );
    expect(leftoverNote(["a", "b", "c", "d", "e", "f"])).toBe(
      "it left 6 processes running (a, b, c, d, e, …); they were stopped",
    );
  });
});
