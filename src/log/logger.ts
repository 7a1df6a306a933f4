/**
 * Checkpointed logging on pino. One pino logger serialises every record; its
 * streamWrite hook masks registered secrets once, and the masked line goes to
 * stdout (JSON, or rendered as a human line) and to the journal.
 */
import { randomBytes } from "node:crypto";
import pino, { type Logger } from "pino";
import {
  type Checkpoint,
  type CheckpointStatus,
  isCheckpoint,
  renderCheckpointLine,
  renderNoteLine,
} from "../core/checkpoint.js";
import { describeError, isBootstrapError, UNEXPECTED_HINT } from "../core/errors.js";
import type { SecretMasker } from "../core/mask.js";
import { terminalSafeJson } from "../core/printable.js";
import type { Journal } from "./journal.js";

type LogFormat = "human" | "json";

export interface Output {
  write(text: string): unknown;
}

interface CheckpointLoggerOptions {
  runId: string;
  command: string;
  format: LogFormat;
  colour: boolean;
  out: Output;
  journal: Journal | undefined;
  masker: SecretMasker;
  /** The run's clock: checkpoint times and durations (a test's clock in tests). */
  now: () => number;
}

const RUN_ID_ENV = "DEV_BOOTSTRAP_RUN_ID";

/** A new run id, or the parent's when a child of one of our runs. */
export function resolveRunId(env: NodeJS.ProcessEnv): string {
  const inherited = env[RUN_ID_ENV];
  if (inherited && /^[A-Za-z0-9._-]{1,80}$/.test(inherited)) return inherited;
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

export interface StepHandle {
  readonly step: string;
  ok(message: string, details?: Record<string, unknown>): void;
  warn(message: string, hint?: string, details?: Record<string, unknown>): void;
  fail(message: string, hint?: string, details?: Record<string, unknown>): void;
  skip(message: string): void;
  note(message: string, details?: Record<string, unknown>): void;
  /** ms since the step started */
  elapsed(): number;
}

export class CheckpointLogger {
  readonly runId: string;
  private readonly pino: Logger;
  private readonly now: () => number;
  private readonly failedSteps = new Set<string>();
  /** Each error whose failure this run has reported, and the step it was reported under. */
  private readonly reported = new WeakMap<object, string>();

  constructor(private readonly options: CheckpointLoggerOptions) {
    this.runId = options.runId;
    this.now = options.now;
    const { masker, journal, out, format, colour } = options;
    const destination = {
      write(raw: string) {
        const line = terminalSafeJson(raw);
        journal?.append(line);
        if (format === "json") {
          out.write(line);
          return;
        }
        const record = JSON.parse(line) as Record<string, unknown>;
        if (isCheckpoint(record)) {
          out.write(`${renderCheckpointLine(record, { colour })}\n`);
        } else {
          const step = typeof record.step === "string" ? record.step : options.command;
          out.write(`${renderNoteLine(step, String(record.message ?? ""), { colour })}\n`);
        }
      },
    };
    this.pino = pino(
      {
        base: { runId: options.runId, command: options.command, pid: process.pid },
        messageKey: "message",
        timestamp: () => `,"time":"${new Date(this.now()).toISOString()}"`,
        formatters: { level: (label) => ({ level: label }) },
        hooks: { streamWrite: (line) => masker.mask(line) },
      },
      destination,
    );
  }

  get format(): LogFormat {
    return this.options.format;
  }

  /** Records one checkpoint. */
  checkpoint(
    step: string,
    status: CheckpointStatus,
    message: string,
    extra: { durationMs?: number; hint?: string; details?: Record<string, unknown> } = {},
  ): void {
    if (status === "fail") this.failedSteps.add(step);
    const record: Partial<Checkpoint> = { step, status };
    if (extra.durationMs !== undefined) record.durationMs = Math.round(extra.durationMs);
    if (extra.hint !== undefined) record.hint = extra.hint;
    if (extra.details !== undefined) record.details = this.options.masker.maskDeep(extra.details);
    const level = status === "fail" ? "error" : status === "warn" ? "warn" : "info";
    this.pino[level](record, message);
  }

  /** Starts a step: writes its `start` checkpoint and returns a handle that times it. */
  start(step: string, message: string, details?: Record<string, unknown>): StepHandle {
    const startedAt = this.now();
    this.checkpoint(step, "start", message, details ? { details } : {});
    const elapsed = () => this.now() - startedAt;
    const finish = (
      status: CheckpointStatus,
      msg: string,
      hint?: string,
      d?: Record<string, unknown>,
    ) => {
      const extra: { durationMs: number; hint?: string; details?: Record<string, unknown> } = {
        durationMs: elapsed(),
      };
      if (hint !== undefined) extra.hint = hint;
      if (d !== undefined) extra.details = d;
      this.checkpoint(step, status, msg, extra);
    };
    return {
      step,
      ok: (msg, d) => finish("ok", msg, undefined, d),
      warn: (msg, hint, d) => finish("warn", msg, hint, d),
      fail: (msg, hint, d) => finish("fail", msg, hint, d),
      skip: (msg) => finish("skip", msg),
      note: (msg, d) => this.note(step, msg, d),
      elapsed,
    };
  }

  /** A line of detail under a step; journaled, but not a checkpoint. */
  note(step: string, message: string, details?: Record<string, unknown>): void {
    const record: Record<string, unknown> = { step };
    if (details) record.details = this.options.masker.maskDeep(details);
    this.pino.info(record, message);
  }

  /**
   * The one way a thrown error becomes a fail checkpoint: its message and hint (an
   * error that is not ours gets the hint that says so) under `step`, unless this run
   * reported that error already — then nothing, and the step it was reported under is
   * returned. Whichever layer an error passes through first reports it: the step it
   * ended (with its duration), else the pipeline's phase, else the CLI, once.
   */
  reportFailure(step: string, error: unknown, extra: { durationMs?: number } = {}): string {
    const key = typeof error === "object" && error !== null ? error : undefined;
    const earlier = key && this.reported.get(key);
    if (earlier !== undefined) return earlier;
    const hint = isBootstrapError(error) ? error.hint : UNEXPECTED_HINT;
    this.checkpoint(step, "fail", describeError(error), { ...extra, hint });
    if (key) this.reported.set(key, step);
    return step;
  }

  /** The step whose fail checkpoint reported `error`, when this run reported it. */
  reportedAt(error: unknown): string | undefined {
    return typeof error === "object" && error !== null ? this.reported.get(error) : undefined;
  }

  get anyFailed(): boolean {
    return this.failedSteps.size > 0;
  }

  /** The journal this logger writes (none for a recording logger), for reading the run back. */
  get journal(): Journal | undefined {
    return this.options.journal;
  }
}

/** A checkpoint a step ended with, as a recording logger kept it. */
export interface RecordedCheckpoint {
  step: string;
  status: CheckpointStatus;
  message: string;
  hint?: string;
}

/**
 * A logger that prints and journals nothing and keeps every checkpoint (masked),
 * for read-only checks that reuse steps and report through their own result:
 * `why` reads a reused step's fail line (its message and hint) from here.
 */
export function recordingLogger(
  masker: SecretMasker,
  now: () => number,
): {
  log: CheckpointLogger;
  checkpoints: RecordedCheckpoint[];
} {
  const checkpoints: RecordedCheckpoint[] = [];
  const log = new CheckpointLogger({
    now,
    runId: "why",
    command: "why",
    format: "json",
    colour: false,
    journal: undefined,
    masker,
    out: {
      write(line: string) {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (!isCheckpoint(record)) return;
        const { step, status, message, hint } = record as unknown as RecordedCheckpoint;
        checkpoints.push(
          hint === undefined ? { step, status, message } : { step, status, message, hint },
        );
      },
    },
  });
  return { log, checkpoints };
}
