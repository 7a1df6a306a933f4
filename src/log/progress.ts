/**
 * Progress checkpoints for long waits: every few seconds, a note saying what is
 * awaited and for how long, so a Tilt pane or a terminal never looks frozen.
 */
import type { StepHandle } from "./logger.js";

/** Notes `still waiting for <what()>; <elapsed> s of <limit> s` every `intervalMs`; returns stop. */
export function reportProgress(
  step: StepHandle,
  options: { intervalMs: number; limitSeconds: number; now?: () => number },
  what: () => string,
): () => void {
  const now = options.now ?? Date.now;
  const started = now();
  const timer = setInterval(() => {
    const elapsed = Math.round((now() - started) / 1000);
    step.note(`still waiting for ${what()}; ${elapsed} s of ${options.limitSeconds} s`);
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
