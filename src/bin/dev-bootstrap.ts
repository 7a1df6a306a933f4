#!/usr/bin/env node
/**
 * The umbrella command: lists the commands and dispatches to them. Imports
 * nothing heavy, so `dev-bootstrap --help` costs about as much as `node -e 0`.
 */
import { COMMANDS } from "../cli/commands.js";
import { commonExitCodesText } from "../cli/exit-codes.js";
import { enableSourceMapsForDebug } from "../cli/runtime.js";
import { packageVersion } from "../cli/version.js";
import { ExitCode } from "../core/errors.js";
import { terminalText } from "../core/printable.js";
import { didYouMean } from "../core/suggest.js";

// Before the command's modules load, so their stack frames map to src/.
enableSourceMapsForDebug(process.env);

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "dev-bootstrap — makes the database-migrations layer work after every container start",
    "",
    "Usage: dev-bootstrap <command> [options]",
    "       dev-bootstrap <command> --help   (or: dev-bootstrap help <command>)",
    "       dev-bootstrap --version",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    ...wrap(commonExitCodesText(), 88),
    "",
  ].join("\n");
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

const NAMES = COMMANDS.map((c) => c.name);

function fail(message: string, hint: string): never {
  process.stderr.write(`dev-bootstrap: error: ${message}\n  hint: ${hint}\n`);
  process.exit(ExitCode.usage);
}

/** "did you mean 'post-start'? (…)" for a near miss, else where the list is. */
function commandHint(typed: string): string {
  const near = didYouMean(typed, NAMES);
  const list = "run 'dev-bootstrap --help' for the list";
  return near ? `${near} (${list})` : list;
}

let [name, ...rest] = process.argv.slice(2);
// `help <command>` is `<command> --help`, as with git, npm and kubectl.
const [topic] = rest;
if (name === "help" && topic !== undefined && !topic.startsWith("-") && topic !== "help") {
  if (!NAMES.includes(topic)) fail(`unknown command '${terminalText(topic)}'`, commandHint(topic));
  [name, rest] = [topic, ["--help"]];
}
if (name === undefined || name === "--help" || name === "-h" || name === "help") {
  process.stdout.write(help());
  process.exit(name === undefined ? ExitCode.usage : ExitCode.ok);
}
if (name === "--version" || name === "-V") {
  process.stdout.write(`${packageVersion()}\n`);
  process.exit(ExitCode.ok);
}
if (name.startsWith("-")) {
  // Options belong to a command; only --help and --version come before one.
  const near = didYouMean(name.replace(/^--?|=.*$/g, ""), ["help", "version"], "--");
  fail(
    `unknown option '${terminalText(name)}'`,
    near ?? "options go after the command: dev-bootstrap <command> [options]",
  );
}
if (!NAMES.includes(name)) fail(`unknown command '${terminalText(name)}'`, commandHint(name));
// Each command is its own entrypoint next to this file (dist/bin/<name>.js), imported by
// URL at run time so the bundler leaves it alone: only the command asked for loads.
const [{ command }, { runMain }] = await Promise.all([
  import(new URL(`./${name}.js`, import.meta.url).href),
  import("../cli/run.js"),
]);
process.exit(await runMain(command, rest));
