/**
 * The checkpoint model: what a step reports, and how a checkpoint reads in a
 * Tilt pane or terminal. Pure; the logger in src/log writes them.
 */
import { terminalText } from "./printable.js";

export const CHECKPOINT_STATUSES = ["start", "ok", "warn", "fail", "skip"] as const;
export type CheckpointStatus = (typeof CHECKPOINT_STATUSES)[number];

export interface Checkpoint {
  runId: string;
  /** ISO-8601 time the checkpoint was recorded. */
  time: string;
  command: string;
  pid: number;
  step: string;
  status: CheckpointStatus;
  message: string;
  durationMs?: number;
  hint?: string;
  details?: Record<string, unknown>;
}

const SYMBOL: Record<CheckpointStatus, string> = {
  start: "▶",
  ok: "✔",
  warn: "⚠",
  fail: "✖",
  skip: "↷",
};

// ANSI SGR colours; only used when shouldColour says so.
const COLOUR: Record<CheckpointStatus, string> = {
  start: "\u001b[36m",
  ok: "\u001b[32m",
  warn: "\u001b[33m",
  fail: "\u001b[31m",
  skip: "\u001b[90m",
};
const RESET = "\u001b[0m";
const DIM = "\u001b[2m";

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
}

/** One line per checkpoint, e.g. `[infra:42-db-migrations] ✔ secret ensured (41 ms)`. */
export function renderCheckpointLine(
  cp: Pick<Checkpoint, "step" | "status" | "message" | "durationMs" | "hint">,
  options: { colour: boolean },
): string {
  const symbol = SYMBOL[cp.status];
  const duration = cp.durationMs === undefined ? "" : ` (${formatDuration(cp.durationMs)})`;
  const hint =
    cp.hint && (cp.status === "fail" || cp.status === "warn") ? ` — hint: ${cp.hint}` : "";
  // Messages carry text from servers and children: escaped here, where lines are made.
  const text = terminalText(`${cp.message}${duration}${hint}`);
  const step = terminalText(cp.step);
  if (!options.colour) return `[${step}] ${symbol} ${text}`;
  return `${DIM}[${step}]${RESET} ${COLOUR[cp.status]}${symbol}${RESET} ${text}`;
}

/** A plain log line (not a checkpoint) shown under a step. */
export function renderNoteLine(
  step: string,
  message: string,
  options: { colour: boolean },
): string {
  const text = terminalText(message);
  const name = terminalText(step);
  return options.colour ? `${DIM}[${name}]${RESET}   ${text}` : `[${name}]   ${text}`;
}

/** FORCE_COLOR values that turn colour on, as Node documents them (cli.md, FORCE_COLOR). */
const FORCE_COLOR_ON = new Set(["", "1", "2", "3", "true"]);

/**
 * Whether checkpoint lines carry ANSI colour, by the conventions other tools in the
 * same shell follow:
 * - `NO_COLOR` set to anything but "" turns it off (no-color.org), whatever else is set;
 * - `FORCE_COLOR` `1`/`2`/`3`/`true`/"" turns it on even off a terminal (Tilt's pane,
 *   CI logs); any other value, `0` and `false` included, turns it off (Node's rule);
 * - `TERM=dumb` (Emacs shells, some CI runners) turns it off;
 * - otherwise: colour exactly when the output is a terminal.
 */
export function shouldColour(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined) return FORCE_COLOR_ON.has(env.FORCE_COLOR);
  if (env.TERM === "dumb") return false;
  return isTTY === true;
}

export function isCheckpoint(value: unknown): value is Checkpoint {
  if (!value || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.runId === "string" &&
    typeof v.step === "string" &&
    typeof v.message === "string" &&
    typeof v.status === "string" &&
    (CHECKPOINT_STATUSES as readonly string[]).includes(v.status)
  );
}
