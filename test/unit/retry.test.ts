import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF, mapPool, sleep } from "../../src/core/retry.js";

describe("backoffDelay", () => {
  const noJitter = () => 0.5; // 0.8 + 0.4 × 0.5 = exactly the base delay

  it("doubles from the initial delay, then stays at the cap", () => {
    const delays = [1, 2, 3, 4, 5, 6, 10, 50].map((n) =>
      backoffDelay(n, DEFAULT_BACKOFF, noJitter),
    );
    expect(delays).toEqual([200, 400, 800, 1600, 2000, 2000, 2000, 2000]);
  });

  it("attempt 0 or below waits the initial delay, not less", () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, noJitter)).toBe(200);
    expect(backoffDelay(-3, DEFAULT_BACKOFF, noJitter)).toBe(200);
  });

  it("jitters within ±20 % of the base, the cap included", () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).toBe(160);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999999)).toBe(240);
    expect(backoffDelay(30, DEFAULT_BACKOFF, () => 0)).toBe(1600);
    expect(backoffDelay(30, DEFAULT_BACKOFF, () => 0.999999)).toBe(2400);
  });

  it("follows a custom backoff", () => {
    const b = { initialMs: 50, maxMs: 300, factor: 3 };
    expect([1, 2, 3].map((n) => backoffDelay(n, b, noJitter))).toEqual([50, 150, 300]);
  });
});

/** A task that stays in flight until the test settles it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("mapPool", () => {
  it("keeps results in input order and never runs more than `concurrency` at once", async () => {
    let running = 0;
    let peak = 0;
    const results = await mapPool([5, 1, 4, 2, 3], 2, async (n, index) => {
      running++;
      peak = Math.max(peak, running);
      // Later items finish first: order must come from the index, not completion.
      await new Promise((r) => setImmediate(r));
      running--;
      return `${index}:${n}`;
    });
    expect(results).toEqual(["0:5", "1:1", "2:4", "3:2", "4:3"]);
    expect(peak).toBe(2);
  });

  it("starts no new item after a failure, lets running ones finish, then throws the first error", async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const gates = [0, 1, 2, 3, 4, 5].map(() => deferred<void>());
    const run = mapPool([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await gates[n]!.promise;
      finished.push(n);
      return n;
    });
    const outcome = run.then(
      () => "resolved",
      (error: Error) => error.message,
    );
    // Items 0 and 1 are in flight; 0 fails while 1 is still running.
    gates[0]!.reject(new Error("first failure"));
    await new Promise((r) => setImmediate(r));
    gates[1]!.resolve();
    expect(await outcome).toBe("first failure");
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
  });

  it("throws the first failure, not a later one", async () => {
    const gates = [0, 1].map(() => deferred<void>());
    const run = mapPool([0, 1], 2, (n) => gates[n]!.promise);
    gates[1]!.reject(new Error("first"));
    await new Promise((r) => setImmediate(r));
    gates[0]!.reject(new Error("second"));
    await expect(run).rejects.toThrow("first");
  });

  it("an empty list resolves to an empty list without calling fn", async () => {
    let calls = 0;
    expect(await mapPool([], 4, async () => calls++)).toEqual([]);
    expect(calls).toBe(0);
  });
});

describe("sleep", () => {
  it("rejects at once with the signal's reason when already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("interrupted"));
    await expect(sleep(60_000, controller.signal)).rejects.toThrow("interrupted");
  });

  it("an abort ends the wait with the signal's reason", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error("SIGTERM"));
    await expect(waiting).rejects.toThrow("SIGTERM");
  });

  it("resolves after the delay", async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
