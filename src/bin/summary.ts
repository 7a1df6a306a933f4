#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";
import { ExitCode, UsageError } from "../core/errors.js";

export const command = defineCommand({
  name: "summary",
  summary: "show the latest run (or the last N runs) from the journal",
  usage: "[--json] [--runs N | --run ID]",
  description: `
Prints the latest run recorded in the journal as a table: each step, its status,
its duration, and for failures the hint. Exits 1 when that run failed or did not
finish, so CI can gate on it. --runs N lists the last N runs instead (start,
command, result, failed step) to show whether container restarts are stable.`,
  options: {
    json: { type: "boolean", description: "print JSON instead of a table" },
    runs: { type: "string", placeholder: "N", description: "list the last N runs" },
    run: {
      type: "string",
      placeholder: "ID",
      description: "summarise this run instead of the latest",
    },
  },
  journal: false,
  async run(ctx) {
    const [
      { Journal },
      { latestRun, recentRuns },
      { renderRunHistory, renderRunTable, runFailed },
    ] = await Promise.all([
      import("../log/journal.js"),
      import("../flows/summary.js"),
      import("../core/summary.js"),
    ]);
    const journal = new Journal({
      path: ctx.resolved.journalPath,
      maxBytes: ctx.config.log.journalMaxBytes,
    });
    if (ctx.values.runs !== undefined) {
      const count = Number(ctx.values.runs);
      if (!Number.isInteger(count) || count < 1)
        throw new UsageError("--runs expects a positive whole number");
      const runs = recentRuns(journal, count);
      ctx.stdout.write(
        ctx.values.json ? `${JSON.stringify({ runs }, null, 2)}\n` : `${renderRunHistory(runs)}\n`,
      );
      return ExitCode.ok;
    }
    const run = latestRun(journal, typeof ctx.values.run === "string" ? ctx.values.run : undefined);
    ctx.stdout.write(
      ctx.values.json ? `${JSON.stringify({ run }, null, 2)}\n` : `${renderRunTable(run)}\n`,
    );
    return runFailed(run) ? ExitCode.stepFailed : ExitCode.ok;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
