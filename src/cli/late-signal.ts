/**
 * SIGINT/SIGTERM reach a run through the event loop: Node's handler runs on the
 * loop's next poll, never in the middle of synchronous work. A signal that came
 * while a command did its last synchronous work (post-start reading the journal
 * and printing its summary) would otherwise go unseen, and the run exit 0.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Lets a signal that has already arrived through (two turns: the first may start
 * in the check phase, after this turn's poll), then throws the run's
 * InterruptedError if one did.
 */
export async function throwIfSignalled(signal: AbortSignal): Promise<void> {
  await turn();
  await turn();
  if (signal.aborted) throw signal.reason;
}
