#!/usr/bin/env node
/**
 * The umbrella command: lists the commands and dispatches to them. Imports
 * nothing heavy, so `dev-bootstrap --help` costs about as much as `node -e 0`.
 */
import { readFileSync } from "node:fs";
import { COMMANDS } from "../cli/commands.js";
import { enableSourceMapsForDebug } from "../cli/runtime.js";

// Before the command's modules load, so their stack frames map to src/.
enableSourceMapsForDebug(process.env);

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "dev-bootstrap — makes the database-migrations layer work after every container start",
    "",
    "Usage: dev-bootstrap <command> [options]",
    "       dev-bootstrap <command> --help",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Exit codes: 0 ok, 1 a step failed, 2 bad usage or config, 130 interrupted (SIGINT),",
    "143 terminated (SIGTERM); some commands add their own (see each command's --help).",
    "",
  ].join("\n");
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === "--help" || name === "-h" || name === "help") {
  process.stdout.write(help());
  process.exit(name === undefined ? 2 : 0);
}
if (name === "--version" || name === "-V") {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}
if (!COMMANDS.some((c) => c.name === name)) {
  process.stderr.write(
    `dev-bootstrap: error: unknown command '${name}'\n  hint: run 'dev-bootstrap --help' for the list\n`,
  );
  process.exit(2);
}
// Each command is its own entrypoint next to this file (dist/bin/<name>.js), imported by
// URL at run time so the bundler leaves it alone and the bundles share their chunks.
const [{ command }, { runMain }] = await Promise.all([
  import(new URL(`./${name}.js`, import.meta.url).href),
  import("../cli/run.js"),
]);
process.exit(await runMain(command, rest));
