/**
 * A clock for in-process runs that never waits: every sleep advances its time at
 * once and is recorded, so a test asserts which delays the flow asked for (a
 * Retry-After, a backoff, a deadline) instead of spending them.
 */
import type { Clock } from "../../src/flows/host.js";

export interface VirtualClock extends Clock {
  /** Every delay asked for, in order (milliseconds). */
  readonly sleeps: number[];
  /** Milliseconds the run's waits would have taken. */
  elapsed(): number;
}

export function virtualClock(start = Date.now()): VirtualClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    elapsed: () => now - start,
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      sleeps.push(ms);
      now += ms;
      // A turn of the event loop, as a real wait gives: replies and stand-in events in flight land first.
      return new Promise((resolve) => setImmediate(resolve));
    },
  };
}
