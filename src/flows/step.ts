/**
 * The step runner: a step's start checkpoint, then its ok/warn (the step says which),
 * or — when it throws — one fail checkpoint with the error's message and hint, the
 * error naming the step. Flows return or throw typed errors; they do not write their
 * own fail lines, set `error.step`, or decide whether a failure was already shown.
 */
import { describeError, isBootstrapError, UNEXPECTED_HINT } from "../core/errors.js";
import type { CheckpointLogger, StepHandle } from "../log/logger.js";

/** The hint of an error that is not ours (kept with the errors, so --help loads no flow). */
export { UNEXPECTED_HINT };

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
    // A step nested inside this one may have reported the error already, under its name.
    const at = isBootstrapError(error) && error.step ? error.step : name;
    if (at === name && !log.hasFailed(name))
      handle.fail(describeError(error), isBootstrapError(error) ? error.hint : UNEXPECTED_HINT);
    if (isBootstrapError(error) && !error.step) error.step = name;
    throw error;
  }
}
