/**
 * The step runner: a step's start checkpoint, then its ok/warn (the step says which),
 * or — when it throws — the error's report through `log.reportFailure`, the one path
 * every failure takes: the first layer it passes reports it, once (this step, with
 * its duration; a nested step's failure keeps its own name and is not repeated here),
 * and the layers above (the pipeline, the CLI) find it reported and add no line.
 * Flows return or throw typed errors; they do not report a thrown error themselves.
 *
 * A fail line a flow writes on its handle is a different thing: a verdict, not an
 * error. A check that ran to the end and found the thing it checks broken says so as
 * its step's result and returns it (check-db-migrations-secret: the secret is missing,
 * an outcome with its own exit code; flyway-status: validate fails; wait: still
 * broken at the timeout). Nothing is thrown, so nothing else reports it. The fixture
 * watcher is the outermost layer of each of its runs (it keeps running after one
 * fails): it closes a failed run with one fail line of its own, which names the step
 * that reported the error rather than repeating it (or, when no step did, is its report).
 */
import type { CheckpointLogger, StepHandle } from "../log/logger.js";

interface StepOptions {
  /**
   * Which errors are this step's failure (default: every error). Others pass through
   * unreported, for the layer that knows them (the pipeline, the CLI) to report.
   */
  owns?: (error: unknown) => boolean;
}

export async function step<T>(
  log: CheckpointLogger,
  name: string,
  message: string,
  fn: (handle: StepHandle) => Promise<T> | T,
  options: StepOptions = {},
): Promise<T> {
  const handle = log.start(name, message);
  try {
    return await fn(handle);
  } catch (error) {
    if (options.owns && !options.owns(error)) throw error;
    log.reportFailure(name, error, { durationMs: handle.elapsed() });
    throw error;
  }
}
