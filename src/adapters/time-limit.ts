/**
 * A time limit that holds whatever the garbage collector does. `AbortSignal.timeout`
 * is held weakly by its timer and `AbortSignal.any` holds its sources weakly, so a
 * limit that only a request's signal points at can be collected before it fires,
 * and the request then waits for ever (seen against an API server that accepts
 * connections and never answers). Here the pending timer owns the controller and
 * the rejection, and the caller's promise loses the race at the deadline even when
 * the work ignores its signal.
 *
 * The timer is Node's own, not the run's clock: a socket's silence is real time, and
 * the limit must hold even where the run's clock is virtual (a test's, a sandbox's).
 */

/** The work did not finish within `ms`. */
export class TimeLimitError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "TimeLimitError";
  }
}

/**
 * Runs `work` with a signal that aborts at the deadline (reason: a TimeLimitError)
 * or when `runSignal` aborts (its reason). Settles at the first of the three; the
 * timer and the listener are removed either way.
 */
export async function withTimeLimit<T>(
  ms: number,
  runSignal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (runSignal?.aborted) throw runSignal.reason;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onRunAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new TimeLimitError(ms);
      controller.abort(reason);
      reject(reason);
    }, ms);
    onRunAbort = () => {
      controller.abort(runSignal?.reason);
      reject(runSignal?.reason);
    };
    runSignal?.addEventListener("abort", onRunAbort, { once: true });
  });
  try {
    return await Promise.race([work(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onRunAbort) runSignal?.removeEventListener("abort", onRunAbort);
  }
}
