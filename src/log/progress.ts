/**
 * Progress checkpoints for long waits: every few seconds, a note saying what is
 * awaited and for how long, so a Tilt pane or a terminal never looks frozen.
 * On the run's clock, as the wait itself is: a test's virtual clock shows the
 * notes a real wait of that length would print.
 */
import type { Clock } from "../adapters/ports.js";
import type { StepHandle } from "./logger.js";

/** Notes `still waiting for <what()>; <elapsed> s of <limit> s` every `intervalMs`; returns stop. */
export function reportProgress(
  step: StepHandle,
  options: { intervalMs: number; limitSeconds: number; clock: Pick<Clock, "now" | "after"> },
  what: () => string,
): () => void {
  const { clock } = options;
  const started = clock.now();
  let cancel: () => void;
  const arm = () => {
    cancel = clock.after(Math.max(1, options.intervalMs), () => {
      const elapsed = Math.round((clock.now() - started) / 1000);
      step.note(`still waiting for ${what()}; ${elapsed} s of ${options.limitSeconds} s`);
      arm();
    });
  };
  arm();
  return () => cancel();
}
