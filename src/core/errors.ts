/**
 * Typed errors that flows throw and only `src/cli/run.ts` turns into exit codes.
 * Every error carries a one-line message and a hint telling the user what to do.
 */

/** Exit codes shared by every command; the README documents them. */
export const ExitCode = {
  ok: 0,
  stepFailed: 1,
  usage: 2,
  /** check-db-migrations-secret: the secret or a required key is missing. */
  missing: 3,
  /** check-db-migrations-secret: a value is present but invalid. */
  invalid: 4,
  /** check-db-migrations-secret --connect: a database refused the login. */
  cannotConnect: 5,
  /** SIGINT (Ctrl-C): 128 + 2, as shells report it. */
  interrupted: 130,
  /** SIGTERM: 128 + 15. */
  terminated: 143,
} as const;
type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class BootstrapError extends Error {
  readonly hint: string;
  readonly exitCode: ExitCodeValue;

  constructor(message: string, hint: string, exitCode: ExitCodeValue = ExitCode.stepFailed) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

/** Bad flags or arguments. */
export class UsageError extends BootstrapError {
  constructor(message: string, hint = "run with --help to see the usage") {
    super(message, hint, ExitCode.usage);
  }
}

/** The config file, an env var or a flag holds a value we cannot use. */
export class ConfigError extends BootstrapError {
  constructor(message: string, hint = "fix the value, or remove it to use the default") {
    super(message, hint, ExitCode.usage);
  }
}

/** A step talked to the outside world and it did not go as needed. */
export class StepError extends BootstrapError {}

/** "first problem (and N more)": the one line an error with several problems shows. */
function firstOf(problems: readonly string[], fallback: string): string {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return `${problems[0] ?? fallback}${more}`;
}

/**
 * Several problems in what the user gave us, found at once (invalid fixtures as
 * `file:line:column: what`): usage (exit 2); all are printed, one per line.
 */
export class InputError extends BootstrapError {
  readonly problems: string[];
  constructor(problems: string[], hint: string) {
    super(firstOf(problems, "invalid input"), hint, ExitCode.usage);
    this.problems = problems;
  }
}

/**
 * Several problems found in what the cluster holds, at once (verify mode's missing
 * secrets and keys, a secret that differs from what ensure would write): the step
 * failed (exit 1), the input was fine; all are printed, one per line.
 */
export class FindingsError extends StepError {
  readonly problems: string[];
  constructor(problems: string[], hint: string) {
    super(firstOf(problems, "the check found a problem"), hint);
    this.problems = problems;
  }
}

/** The reason a run's AbortSignal carries when SIGINT or SIGTERM arrived. */
export class InterruptedError extends BootstrapError {
  constructor(readonly signal: "SIGINT" | "SIGTERM") {
    super(
      `interrupted (${signal})`,
      "nothing further was started; rerun when ready",
      signal === "SIGTERM" ? ExitCode.terminated : ExitCode.interrupted,
    );
  }
}

/** Throws the run's InterruptedError when its signal has fired: call before each destructive step. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
}

export function isBootstrapError(error: unknown): error is BootstrapError {
  return error instanceof BootstrapError;
}

/** A short, single-line description of anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error).split("\n")[0] ?? "unknown error";
}

/** The hint for an error we did not foresee (not a BootstrapError). */
export const UNEXPECTED_HINT = "unexpected error; rerun with DEBUG=dev-bootstrap to see the stack";
