/**
 * The step runner: a step's start checkpoint, then its ok/warn (the step says which),
 * or — when it throws — one fail checkpoint with the error's message and hint, the
 * error naming the step. Flows return or throw typed errors; they do not write their
 * own fail lines, set `error.step`, or decide whether a failure was already shown.
 */
import { describeError, isBootstrapError, UNEXPECTED_HINT } from "../core/errors.js";
import type { CheckpointLogger, StepHandle } from "../log/logger.js";

export async function step<T>(
  log: CheckpointLogger,
  name: string,
  message: string,
  fn: (handle: StepHandle) => Promise<T> | T,
): Promise<T> {
  const handle = log.start(name, message);
  try {
    return await fn(handle);
  } catch (error) {
    // A step nested inside this one may have reported the error already, under its name.
    const at = isBootstrapError(error) && error.step ? error.step : name;
    if (at === name && !log.hasFailed(name))
      handle.fail(describeError(error), isBootstrapError(error) ? error.hint : UNEXPECTED_HINT);
    if (isBootstrapError(error) && !error.step) error.step = name;
    throw error;
  }
}

/** The hint of an error that is not ours: a bug or an unhandled fault. */

export { UNEXPECTED_HINT };
