/**
 * A command's run once its command line is parsed and is neither --help nor --version:
 * resolve the config, set up logging, run the flow, map errors to exit codes. The only
 * place a run's errors become exit codes. Its own module: an entrypoint loads it (with
 * yaml, zod, pino and the flows) only past --help, and a built entrypoint reaches it
 * through the command's bundle (src/cli/run.ts).
 */
import { join } from "node:path";
import { shouldColour } from "../core/checkpoint.js";
import {
  describeError,
  InterruptedError,
  isBootstrapError,
  UNEXPECTED_HINT,
  UsageError,
} from "../core/errors.js";
import { terminalText } from "../core/printable.js";
import type { CheckpointLogger } from "../log/logger.js";
import { secrets } from "../log/secrets.js";
import type { CommandContext, CommandSpec } from "./command.js";
import { exitCodeForError, exitCodeForOutcome } from "./exit-codes.js";
import { flagNames, type Parsed } from "./parse.js";
import { printDebugStack, printError, type RunIO } from "./print-error.js";
import { enableCompileCache } from "./runtime.js";

export async function runParsed(spec: CommandSpec, io: RunIO, parsed: Parsed): Promise<number> {
  const common = parsed.values as CommandContext<{}>["values"];
  // One AbortSignal per run, fired by SIGINT/SIGTERM and passed to every request,
  // query, child process and wait. Listeners stay on for the whole run, so a second
  // Ctrl-C does not fall through to Node's default (which would skip the cleanup).
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted)
      controller.abort(new InterruptedError(sig === "SIGTERM" ? "SIGTERM" : "SIGINT"));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const interrupted = (): number => report(controller.signal.reason as InterruptedError);
  /**
   * The outermost report of a failure, once: its fail checkpoint (unless a step or
   * phase already wrote it for this very error), then the error line — which, in
   * human format, the fail line already is. Usage errors come before any step.
   */
  const report = (error: unknown): number => {
    const known = isBootstrapError(error);
    const message = known ? error.message : describeError(error);
    // An unexpected error is a bug or an unhandled fault: say so, masked, with the stack
    // only when asked for, since stacks from client libraries can embed response bodies.
    const hint = known ? error.hint : UNEXPECTED_HINT;
    let shown = false;
    if (log && spec.journal !== false && !(error instanceof UsageError)) {
      log.reportFailure(spec.name, error);
      shown = log.format === "human";
    }
    if (!shown) printError(io.stderr, spec.name, message, hint);
    // Input errors list every problem (file:line:column: …), one per line.
    const problems = (error as { problems?: string[] }).problems;
    if (problems && problems.length > 1)
      for (const p of problems) io.stderr.write(`  ${terminalText(secrets.mask(p))}\n`);
    if (!known) printDebugStack(io.stderr, io.env, error);
    return exitCodeForError(error);
  };
  let log: CheckpointLogger | undefined;
  try {
    // Loaded only past --help, so help stays fast (yaml, zod and pino cost ~100 ms).
    const [
      { resolveConfig },
      { Journal },
      { CheckpointLogger, resolveRunId },
      { createHost, systemClock },
    ] = await Promise.all([
      import("../config/resolve.js"),
      import("../log/journal.js"),
      import("../log/logger.js"),
      import("./host.js"),
    ]);
    const reloadConfig = () =>
      resolveConfig({
        cwd: io.cwd,
        env: io.env,
        flags: parsed.flagSettings,
        flagNames: flagNames(spec),
        configPath: common.config,
      });
    const resolved = reloadConfig();
    for (const w of resolved.warnings)
      io.stderr.write(`dev-bootstrap ${spec.name}: warning: ${terminalText(secrets.mask(w))}\n`);
    const { config } = resolved;
    // Only what loads after this is cached: the libraries in dist/vendor (the Kubernetes
    // client above all), not the command's bundle, which is running already.
    enableCompileCache(resolved.path(join(config.stateDir, "compile-cache")));
    secrets.register(config.vault.token);
    secrets.register(config.vault.seed === "dev-bootstrap-local" ? undefined : config.vault.seed);
    const journal =
      spec.journal === false
        ? undefined
        : new Journal({
            path: resolved.journalPath,
            maxBytes: config.log.journalMaxBytes,
          });
    journal?.rotateIfNeeded();
    // With --json, stdout carries the JSON document alone; checkpoints go to stderr,
    // and whether that stream is a terminal decides their colour (`2>file` gets none).
    const out = parsed.values.json === true ? io.stderr : io.stdout;
    const clock = io.clock ?? systemClock;
    const makeLogger = (runId: string, command = spec.name) =>
      new CheckpointLogger({
        now: clock.now,
        runId,
        command,
        format: config.log.format,
        colour: config.log.format === "human" && shouldColour(io.env, out.isTTY),
        out,
        journal,
        masker: secrets,
      });
    log = makeLogger(resolveRunId(io.env));
    const hostFor = (r: typeof resolved) =>
      createHost({
        resolved: r,
        masker: secrets,
        env: io.env,
        signal: controller.signal,
        clock,
      });
    const outcome = await untilInterrupted(
      controller.signal,
      spec.run({
        // Typed by the spec: parse gave each option the type its spec declares.
        values: parsed.values as CommandContext["values"],
        flagSettings: parsed.flagSettings,
        positionals: parsed.positionals,
        resolved,
        config,
        log,
        newRun: (command?: string) => {
          journal?.rotateIfNeeded();
          return makeLogger(resolveRunId({}), command);
        },
        masker: secrets,
        host: hostFor(resolved),
        hostFor,
        env: io.env,
        cwd: io.cwd,
        stdout: io.stdout,
        stderr: io.stderr,
        signal: controller.signal,
        reloadConfig,
      }),
    );
    // A flow that finished after the signal fired (without an outcome of its own) was
    // cut short: it must not look like success.
    if (outcome === undefined && controller.signal.aborted) return interrupted();
    return exitCodeForOutcome(spec, outcome ?? (log.anyFailed ? "failed" : "ok"));
  } catch (error) {
    return report(controller.signal.aborted ? controller.signal.reason : error);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** How long a flow may take to unwind after SIGINT/SIGTERM before the run ends without it. */
const INTERRUPT_GRACE_MS = 1500;

/**
 * The flow's result, or — once the signal fired and the flow has not settled within
 * the grace period — the interruption. Every adapter honours the signal, so the
 * flow normally unwinds (releasing its lock) well within the grace; this is the
 * bound for anything that does not, and the lock is released for it.
 */
function untilInterrupted<T>(signal: AbortSignal, flow: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(async () => {
        // Loaded already by whichever flow took a lock; imported here so that commands
        // that take none (and --help) do not load the lock code.
        const { releaseHeldLocks } = await import("../adapters/lock.js");
        releaseHeldLocks();
        reject(signal.reason);
      }, INTERRUPT_GRACE_MS);
      timer.unref();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    flow.then(
      (v) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
