/**
 * Delays for polling a state that is usually reached soon (an ExternalSecret
 * Ready ~20 ms after an apply on a local cluster) but may take seconds on a
 * busy one: start short, double, cap, and never sleep past the deadline.
 */
export interface PollSchedule {
  firstMs: number;
  maxMs: number;
}

export const ESO_POLL: PollSchedule = { firstMs: 20, maxMs: 500 };

/** The delay before check number `attempt` + 1 (attempt is 1-based), cut to what is left until `deadline`. */
export function pollDelay(
  attempt: number,
  schedule: PollSchedule,
  msLeft: number = Number.POSITIVE_INFINITY,
): number {
  const grown = Math.min(schedule.maxMs, schedule.firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(0, Math.min(grown, msLeft));
}
