/**
 * How a run reports the processes a child left running when it exited on its own
 * (a hook's `sleep &`, a daemonised helper): they were stopped with it, and the
 * user learns which, since something they expected to keep running may be among them.
 */

/** "it left 2 processes running (sleep, kubectl); they were stopped" (`who` is "it"). */
export function leftoverNote(names: readonly string[], who = "it"): string {
  const unique = [...new Set(names)];
  const shown = unique.slice(0, 5).join(", ") + (unique.length > 5 ? ", …" : "");
  return names.length === 1
    ? `${who} left 1 process running (${shown}); it was stopped`
    : `${who} left ${names.length} processes running (${shown}); they were stopped`;
}

export const LEFTOVER_HINT =
  "nothing a run starts outlives it; a hook or plugin started these in the background — start what must keep running outside the run (a Tilt resource)";
