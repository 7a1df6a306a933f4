/**
 * Runs one command: parse argv → resolve config → set up logging → run the
 * flow → map errors to exit codes. The only place errors become exit codes.
 */
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { shouldColour } from "../core/checkpoint.js";
import {
  describeError,
  InterruptedError,
  isBootstrapError,
  UNEXPECTED_HINT,
  UsageError,
} from "../core/errors.js";
import { terminalText } from "../core/printable.js";
import { didYouMean } from "../core/suggest.js";
import type { Clock } from "../flows/host.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import { secrets } from "../log/secrets.js";
import type { CommandSpec, OptionSpec, OptionValues } from "./command.js";
import { exitCodeForError, exitCodeForOutcome } from "./exit-codes.js";
import { COMMON_OPTIONS, renderHelp } from "./options.js";
import { enableCompileCache, enableSourceMapsForDebug } from "./runtime.js";
import { packageVersion } from "./version.js";

// A command run on its own (node dist/bin/<command>.js) loads its flows after this.
enableSourceMapsForDebug(process.env);

interface RunIO {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Output & { isTTY?: boolean };
  stderr: Output & { isTTY?: boolean };
  /** The clock flows wait on (default: the system's); a test's clock advances without waiting. */
  clock?: Clock;
}

function parse(spec: CommandSpec, argv: string[]): { values: OptionValues; positionals: string[] } {
  const options: Record<string, OptionSpec> = { ...COMMON_OPTIONS, ...spec.options };
  const parseOptions: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  // Each name parseArgs knows (aliases included) → the option it belongs to.
  const owner: Record<string, string> = {};
  for (const [name, o] of Object.entries(options)) {
    parseOptions[name] = { type: o.type };
    if (o.short) parseOptions[name].short = o.short;
    if (o.multiple) parseOptions[name].multiple = true;
    owner[name] = name;
    for (const alias of o.aliases ?? []) {
      parseOptions[alias] = { type: o.type, ...(o.multiple ? { multiple: true } : {}) };
      owner[alias] = name;
    }
  }
  try {
    const { values, positionals, tokens } = parseArgs({
      args: argv,
      options: parseOptions,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    const out: OptionValues = {};
    for (const [name, value] of Object.entries(values))
      if (owner[name] === name && !options[name]?.aliases)
        out[name] = value as OptionValues[string];
    // An option with aliases takes its value from the tokens, in the order typed, so
    // `--kube-context a --context b` ends as b, like a flag given twice.
    for (const t of tokens) {
      if (t.kind !== "option") continue;
      const name = owner[t.name];
      const o = name === undefined ? undefined : options[name];
      if (name === undefined || !o?.aliases) continue;
      if (o.type === "boolean") out[name] = true;
      else if (o.multiple)
        out[name] = [...((out[name] as string[] | undefined) ?? []), t.value ?? ""];
      else out[name] = t.value ?? "";
    }
    const [min, max] = spec.positionals ?? [0, 0];
    if (!out.help && !out.version && (positionals.length < min || positionals.length > max)) {
      throw new UsageError(
        positionals.length > max
          ? `unexpected argument '${positionals[max]}'`
          : `missing argument (usage: dev-bootstrap ${spec.name} ${spec.usage})`,
      );
    }
    return { values: out, positionals };
  } catch (error) {
    if (isBootstrapError(error)) throw error;
    // node:util parseArgs messages are one line and name the flag.
    const message = describeError(error).replace(/\. To specify a positional.*$/, "");
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown === undefined) throw new UsageError(message);
    const word = unknown.startsWith("--") ? undefined : singleDashWord(unknown, argv);
    throw new UsageError(
      word ? `${message} (in '${word}')` : message,
      unknownOptionHint(spec, options, word ? word.slice(1) : unknown.replace(/^--?/, "")),
    );
  }
}

/**
 * The word a short option came from: a single-dash long flag (`-context`, the vault
 * CLI's style) reaches parseArgs as a group of short ones, reported by its first letter.
 */
function singleDashWord(short: string, argv: string[]): string | undefined {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end))
    .map((a) => a.replace(/=.*$/, ""))
    .find((a) => /^-[^-]/.test(a) && a.length > 2 && a.startsWith(short));
}

/** "did you mean '--namespace'?" for a near miss, and where the options are listed. */
function unknownOptionHint(
  spec: CommandSpec,
  options: Record<string, OptionSpec>,
  typed: string,
): string {
  const longs = Object.entries(options).flatMap(([n, o]) => [n, ...(o.aliases ?? [])]);
  const near = didYouMean(typed, longs, "--");
  const list = `run 'dev-bootstrap ${spec.name} --help' for its options`;
  return near ? `${near} (${list})` : list;
}

function flagOverrides(spec: CommandSpec, values: OptionValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, o] of Object.entries({ ...COMMON_OPTIONS, ...spec.options })) {
    if (o.configKey && values[name] !== undefined) out[o.configKey] = values[name];
  }
  return out;
}

/** The flag each config key is set by, as the user types it (errors name it). */
function flagNames(spec: CommandSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, o] of Object.entries({ ...COMMON_OPTIONS, ...spec.options }))
    if (o.configKey) out[o.configKey] = `--${name}`;
  return out;
}

function printError(
  stderr: Output,
  command: string,
  message: string,
  hint: string | undefined,
): void {
  stderr.write(`dev-bootstrap ${command}: error: ${terminalText(secrets.mask(message))}\n`);
  if (hint) stderr.write(`  hint: ${terminalText(secrets.mask(hint))}\n`);
}

export async function runCommand(spec: CommandSpec, io: RunIO): Promise<number> {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parse(spec, io.argv);
  } catch (error) {
    const e = error as UsageError;
    printError(io.stderr, spec.name, e.message, e.hint);
    return exitCodeForError(e);
  }
  if (parsed.values.help) {
    io.stdout.write(renderHelp(spec));
    return exitCodeForOutcome(spec, "ok");
  }
  if (parsed.values.version) {
    io.stdout.write(`${packageVersion()}\n`);
    return exitCodeForOutcome(spec, "ok");
  }

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
  const interrupted = (): number => {
    const reason = controller.signal.reason as InterruptedError;
    if (log && spec.journal !== false) {
      // Journaled like any failure; in human format that line is what the user sees.
      log.checkpoint(spec.name, "fail", reason.message, { hint: reason.hint });
      if (log.format === "human") return exitCodeForError(reason);
    }
    printError(io.stderr, spec.name, reason.message, reason.hint);
    return exitCodeForError(reason);
  };
  let log: CheckpointLogger | undefined;
  try {
    // Loaded only past --help, so help stays fast (yaml, zod and pino cost ~100 ms).
    const [{ resolveConfig }, { Journal }, { CheckpointLogger, resolveRunId }, { createHost }] =
      await Promise.all([
        import("../config/resolve.js"),
        import("../log/journal.js"),
        import("../log/logger.js"),
        import("./host.js"),
      ]);
    const reloadConfig = () =>
      resolveConfig({
        cwd: io.cwd,
        env: io.env,
        flags: flagOverrides(spec, parsed.values),
        flagNames: flagNames(spec),
        configPath: typeof parsed.values.config === "string" ? parsed.values.config : undefined,
      });
    const resolved = reloadConfig();
    for (const w of resolved.warnings)
      io.stderr.write(`dev-bootstrap ${spec.name}: warning: ${terminalText(secrets.mask(w))}\n`);
    const { config } = resolved;
    // Before the flows load: their chunks (the Kubernetes client above all) are the cost.
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
    const makeLogger = (runId: string, command = spec.name) =>
      new CheckpointLogger({
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
        clock: io.clock,
      });
    const outcome = await untilInterrupted(
      controller.signal,
      spec.run({
        values: parsed.values,
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
    if (controller.signal.aborted) return interrupted();
    const known = isBootstrapError(error);
    const message = known ? error.message : describeError(error);
    // An unexpected error is a bug or an unhandled fault: say so, masked, with the stack
    // only when asked for, since stacks from client libraries can embed response bodies.
    const hint = known ? error.hint : UNEXPECTED_HINT;
    const step = (known ? error.step : undefined) ?? spec.name;
    const usage = error instanceof UsageError;
    let shown = false;
    if (log && spec.journal !== false && !usage) {
      log.reportFailure(step, message, hint);
      // In human format that fail line already told the user what and why.
      shown = log.format === "human";
    }
    if (!shown) printError(io.stderr, spec.name, message, hint);
    // Input errors list every problem (file:line:column: …), one per line.
    const problems = (error as { problems?: string[] }).problems;
    if (problems && problems.length > 1)
      for (const p of problems) io.stderr.write(`  ${terminalText(secrets.mask(p))}\n`);
    if (
      !known &&
      io.env.DEBUG?.includes("dev-bootstrap") &&
      error instanceof Error &&
      error.stack
    ) {
      io.stderr.write(`${secrets.mask(error.stack)}\n`);
    }
    return exitCodeForError(error);
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

/** Runs a command with the real process's argv and streams. */
export function runMain(spec: CommandSpec, argv = process.argv.slice(2)): Promise<number> {
  return runCommand(spec, {
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
  });
}

/** True when the module at `url` is the script node was started with (npm bin symlinks included). */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}
