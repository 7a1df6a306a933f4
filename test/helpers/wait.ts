/**
 * Waiting for a state that announces itself through no event we can subscribe
 * to (another process's exit, a file a detached process writes): check it
 * often, and fail with a description only if it never comes. Never a pause
 * followed by an assertion.
 */
import { setTimeout as delay } from "node:timers/promises";

export async function until(
  /** The state to wait for; may ask a server (a query), so it may be async. */
  check: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${deadlineMs} ms`);
    await delay(20);
  }
}
