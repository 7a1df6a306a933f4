import { describe, expect, it } from "vitest";
import { ESO_POLL, pollDelay } from "../../src/core/poll.js";

describe("pollDelay", () => {
  it("starts at 20 ms for ESO, doubles, and caps at 500 ms", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => pollDelay(n, ESO_POLL))).toEqual([
      20, 40, 80, 160, 320, 500, 500, 500,
    ]);
  });

  it("never sleeps past the deadline", () => {
    expect(pollDelay(6, ESO_POLL, 120)).toBe(120);
    expect(pollDelay(1, ESO_POLL, -5)).toBe(0);
  });
});
