/**
 * Backoff and bounded concurrency. Small enough to own: our retries need
 * per-fault decisions (re-read before retrying a write, never retry a 403,
 * wait out Retry-After) that a generic retry wrapper would hide.
 */

interface Backoff {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 2000, factor: 2 };

/** Delay before retry number `attempt` (1-based), with ±20% jitter so concurrent runs spread out. */
export function backoffDelay(
  attempt: number,
  backoff: Backoff = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  const base = Math.min(
    backoff.maxMs,
    backoff.initialMs * backoff.factor ** Math.max(0, attempt - 1),
  );
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Maps items with at most `concurrency` in flight. On the first failure no new
 * item starts; items already running finish; then the first error is thrown.
 */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  // Stryker disable next-line ArrayDeclaration: every index is assigned below; the length is only a size hint
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      // Stryker disable next-line OptionalChaining: onAbort is only ever added to a signal
      reject(signal?.reason);
    };
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: a signal aborts once, so once: true only tidies up
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
