#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";
import { UsageError } from "../core/errors.js";

export const command = defineCommand({
  name: "summary",
  summary:
    "show the latest post-start run (or another command's, or a list of runs) from the journal",
  usage: "[--json] [--command NAME | --all] [--runs N | --run ID]",
  description: `
Prints the latest run of post-start recorded in the journal as a table: each
step, its status, its duration, and for failures the hint (the sandbox's runs
are post-start runs too). Exits 1 when that run failed or did not finish, so CI
can gate on it. --command NAME shows the latest run of another command instead
(e.g. watch-vault-fixtures, smoke). --runs N lists the last N runs of that
command (start, command, result, failed step) to show whether container
restarts are stable. --all lists the runs of every command (the last N with
--runs N). --run ID shows one run, whatever its command.`,
  options: {
    json: { type: "boolean", description: "print JSON instead of a table" },
    runs: {
      type: "number",
      placeholder: "N",
      integer: true,
      min: 1,
      expects: "a positive whole number",
      description: "list the last N runs",
    },
    run: {
      type: "string",
      placeholder: "ID",
      description: "summarise this run instead of the latest",
    },
    command: {
      type: "string",
      placeholder: "NAME",
      description: "the latest run of this command (default: post-start)",
    },
    all: { type: "boolean", description: "list the runs of every command" },
  },
  journal: false,
  async run(ctx) {
    const [
      { Journal },
      { latestRun, recentRuns },
      { renderRunHistory, renderRunTable, runFailed },
      { throwIfSignalled },
    ] = await Promise.all([
      import("../log/journal.js"),
      import("../flows/summary.js"),
      import("../core/summary.js"),
      import("../cli/late-signal.js"),
    ]);
    const journal = new Journal({
      path: ctx.resolved.journalPath,
      maxBytes: ctx.config.log.journalMaxBytes,
    });
    if (ctx.values.all && ctx.values.command !== undefined)
      throw new UsageError("--all and --command exclude each other");
    const command = ctx.values.all ? undefined : (ctx.values.command ?? "post-start");
    if (ctx.values.runs !== undefined || ctx.values.all) {
      const runs = recentRuns(journal, ctx.values.runs, command);
      ctx.stdout.write(
        ctx.values.json ? `${JSON.stringify({ runs }, null, 2)}\n` : `${renderRunHistory(runs)}\n`,
      );
      // Reading a large journal is synchronous: a signal meanwhile still ends it as interrupted.
      await throwIfSignalled(ctx.signal);
      return "ok";
    }
    const run = latestRun(
      journal,
      ctx.values.run !== undefined ? { runId: ctx.values.run } : { command },
    );
    ctx.stdout.write(
      ctx.values.json ? `${JSON.stringify({ run }, null, 2)}\n` : `${renderRunTable(run)}\n`,
    );
    await throwIfSignalled(ctx.signal);
    return runFailed(run) ? "failed" : "ok";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
