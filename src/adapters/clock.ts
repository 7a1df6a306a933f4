/**
 * The real clock: the system's time and Node's timers. The one place a run's
 * waits meet real time; flows reach it only through the Host's `clock`.
 */
import { sleep } from "../core/retry.js";
import type { Clock } from "./ports.js";

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep,
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
