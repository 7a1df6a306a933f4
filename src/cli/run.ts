/**
 * Runs one command: parse argv, answer --help and --version, and hand the rest of the
 * run (src/cli/run-parsed.ts: config, logging, the flow, exit codes) the parsed line.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeError, ExitCode, UNEXPECTED_HINT, type UsageError } from "../core/errors.js";
import type { CommandContext, CommandSpec } from "./command.js";
import { exitCodeForError, exitCodeForOutcome } from "./exit-codes.js";
import { renderHelp } from "./help.js";
import { type Parsed, parseCommandLine } from "./parse.js";
import { printDebugStack, printError, type RunIO } from "./print-error.js";
import { enableSourceMapsForDebug } from "./runtime.js";
import { packageVersion } from "./version.js";

// A command run on its own (node dist/bin/<command>.js) loads its flows after this.
enableSourceMapsForDebug(process.env);

/**
 * Which build this code is part of, as scripts/build.mjs defines it: "entry" in
 * dist/bin (the entrypoints: parsing, --help, --version), "runtime" in
 * dist/run/<command>.js (each command's whole run as one module); not defined when the
 * sources run directly (the tests).
 */
declare const DEV_BOOTSTRAP_BUILD: "entry" | "runtime" | undefined;

export async function runCommand(spec: CommandSpec, io: RunIO): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseCommandLine(spec, io.argv);
  } catch (error) {
    const e = error as UsageError;
    printError(io.stderr, spec.name, e.message, e.hint);
    return exitCodeForError(e);
  }
  // Every command has the common options; the rest are its own.
  const common = parsed.values as CommandContext<{}>["values"];
  if (common.help) {
    io.stdout.write(renderHelp(spec));
    return exitCodeForOutcome(spec, "ok");
  }
  if (common.version) {
    io.stdout.write(`${packageVersion()}\n`);
    return exitCodeForOutcome(spec, "ok");
  }
  // A built entrypoint hands the run to the command's own bundle, the whole run in one
  // module: every module the ESM loader fetches, links and evaluates costs a start on
  // its own, and the run loaded dozens (bench/run.mjs, P5). The bundle gets the same
  // io (the process's argv, environment and streams) and parses the argv again with its
  // own copy of everything, so no object of ours (an error class, the secrets registry)
  // crosses into it. The build drops the branch it does not take, and with it the
  // entrypoint's copy of the run.
  if (typeof DEV_BOOTSTRAP_BUILD !== "undefined" && DEV_BOOTSTRAP_BUILD === "entry") {
    const bundle = new URL(`../run/${spec.name}.js`, import.meta.url);
    let main: (io: RunIO) => Promise<number>;
    try {
      ({ main } = await import(bundle.href));
    } catch (error) {
      // A bundle that is not there is an incomplete build; one that fails as it loads, a bug.
      const missing = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND";
      printError(
        io.stderr,
        spec.name,
        `cannot load ${fileURLToPath(bundle)}: ${describeError(error)}`,
        missing
          ? "the build is incomplete: run 'npm run build' in a checkout, or reinstall the package"
          : UNEXPECTED_HINT,
      );
      if (!missing) printDebugStack(io.stderr, io.env, error);
      return ExitCode.stepFailed;
    }
    return main(io);
  } else {
    const { runParsed } = await import("./run-parsed.js");
    return runParsed(spec, io, parsed);
  }
}

/**
 * Runs a command with the real process's argv and streams, and returns its exit code
 * once everything it wrote has left the process: the entrypoints call process.exit
 * with it, and writes to a pipe are asynchronous, so exiting at once cut a long output
 * short (`lint-docs | less` or `flyway-status --json | jq` got the first 64 KiB).
 */
export async function runMain(spec: CommandSpec, argv = process.argv.slice(2)): Promise<number> {
  process.stdout.on("error", ignoreClosedReader);
  process.stderr.on("error", ignoreClosedReader);
  const code = await runCommand(spec, {
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
  });
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  return code;
}

/**
 * A reader that went away (`| head`): the rest of the output has nowhere to go, and the
 * run goes on to its own exit code, as it would had the reader stayed. Node ignores
 * SIGPIPE, so without this the first write after it crashed the run with EPIPE.
 */
function ignoreClosedReader(error: NodeJS.ErrnoException): void {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
}

/**
 * Resolves when what was written to `stream` so far is written out (an empty write's
 * callback runs after the writes queued before it), or at once when the stream can
 * take no more (its reader went away).
 */
function flushed(stream: NodeJS.WritableStream & { destroyed?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write("", () => resolve());
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
