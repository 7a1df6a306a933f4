/**
 * The one table that turns how a command ended into its exit code. A command's
 * `run` returns an outcome name ("ok", "failed", or one its spec declares under
 * `outcomes`) or throws; nothing else in the program picks a number.
 */
import {
  type BootstrapError,
  ExitCode,
  InterruptedError,
  isBootstrapError,
} from "../core/errors.js";
import type { CommandSpec } from "./command.js";

/** Outcomes every command has; a spec adds its own (check-db-migrations-secret: missing…). */
const COMMON_OUTCOMES = {
  ok: [ExitCode.ok, "ok"],
  failed: [ExitCode.stepFailed, "a step failed (see the hint)"],
} as const satisfies Record<string, readonly [number, string]>;

/** Errors, most specific first: the first rule that matches gives the code. */
const ERROR_RULES: ReadonlyArray<[(e: unknown) => boolean, (e: unknown) => number]> = [
  [
    (e) => e instanceof InterruptedError,
    (e) =>
      (e as InterruptedError).signal === "SIGTERM" ? ExitCode.terminated : ExitCode.interrupted,
  ],
  // Usage, config and input errors carry ExitCode.usage; a step's errors ExitCode.stepFailed
  // unless the flow said otherwise (verify mode's missing secrets fail the step).
  [isBootstrapError, (e) => (e as BootstrapError).exitCode],
  // Anything else is a bug or an unhandled fault: the step failed.
  [() => true, () => ExitCode.stepFailed],
];

export function exitCodeForError(error: unknown): number {
  for (const [matches, code] of ERROR_RULES) if (matches(error)) return code(error);
  return ExitCode.stepFailed;
}

/** The exit code of an outcome a command returned; an undeclared outcome is a bug. */
export function exitCodeForOutcome(
  spec: Pick<CommandSpec, "name" | "outcomes">,
  outcome: string,
): number {
  const declared = { ...COMMON_OUTCOMES, ...spec.outcomes } as Record<
    string,
    readonly [number, string]
  >;
  const entry = declared[outcome];
  if (!entry) throw new Error(`${spec.name}: outcome '${outcome}' is not declared in its spec`);
  return entry[0];
}

/** The exit codes --help lists for a command, in order. */
export function exitCodeTable(spec: Pick<CommandSpec, "outcomes">): Array<[number, string]> {
  return [
    COMMON_OUTCOMES.ok,
    COMMON_OUTCOMES.failed,
    [ExitCode.usage, "bad usage, config or input"],
    ...Object.values(spec.outcomes ?? {}),
    [ExitCode.interrupted, "interrupted (Ctrl-C, SIGINT)"],
    [ExitCode.terminated, "terminated (SIGTERM)"],
  ].map(([c, d]) => [c, d] as [number, string]);
}

/**
 * The exit codes every command shares, as the umbrella's --help says them in one
 * sentence: the same table each command's --help starts from, so the two cannot drift.
 */
export function commonExitCodesText(): string {
  const codes = exitCodeTable({}).map(([c, d]) => `${c} ${d.replace(/ \(see the hint\)$/, "")}`);
  return `Exit codes: ${codes.join(", ")}; some commands add their own (see each command's --help).`;
}
