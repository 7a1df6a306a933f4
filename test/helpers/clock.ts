/**
 * A clock for in-process runs that never waits: every sleep advances its time at
 * once and is recorded, so a test asserts which delays the flow asked for (a
 * Retry-After, a backoff, a deadline) instead of spending them. Timers set with
 * `after` fire when the test (or a sleep) moves the time past them, in order.
 */
import type { Clock } from "../../src/flows/host.js";

export interface VirtualClock extends Clock {
  /** Every delay asked for, in order (milliseconds). */
  readonly sleeps: number[];
  /** Milliseconds the run's waits would have taken. */
  elapsed(): number;
  /** The delays of the timers set and not yet fired or cancelled, soonest first. */
  pending(): number[];
  /** Moves the time on by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void;
}

export function virtualClock(start = Date.now()): VirtualClock {
  let now = start;
  let seq = 0;
  const sleeps: number[] = [];
  const timers = new Map<number, { at: number; seq: number; fn: () => void }>();
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      // The soonest due timer; among equals, the one set first (as Node orders them).
      let next: { at: number; seq: number; fn: () => void } | undefined;
      for (const t of timers.values())
        if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)))
          next = t;
      if (!next) break;
      timers.delete(next.seq);
      now = next.at;
      next.fn();
    }
    now = until;
  };
  return {
    sleeps,
    now: () => now,
    elapsed: () => now - start,
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
    advance,
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      sleeps.push(ms);
      advance(ms);
      // A turn of the event loop, as a real wait gives: replies and stand-in events in flight land first.
      return new Promise((resolve) => setImmediate(resolve));
    },
    after(ms, fn) {
      const id = seq++;
      timers.set(id, { at: now + ms, seq: id, fn });
      return () => {
        timers.delete(id);
      };
    },
  };
}
