#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";
import { ExitCode } from "../core/errors.js";

export const command = defineCommand({
  name: "wait",
  summary:
    "block until no link from fixture to Flyway is broken (a readiness gate for apps and Tilt)",
  usage: "[--timeout SECONDS] [--connect] [--allow-pending]",
  description: `
Walks the same chain as 'dev-bootstrap why' again and again (soon after a
change, then every 2 s) until no link is broken, and exits 0 as soon as that is
so. While it waits, a line names the first broken link and its fix (when it
changes, and every log.progressSeconds). When the time is up it exits 1 with
the first broken link and its fix. With --connect it also waits for each
database's login and Flyway history: by default nothing may be pending (the
schema is migrated); --allow-pending accepts pending migrations. Read-only.`,
  options: {
    timeout: {
      type: "number",
      placeholder: "SECONDS",
      min: 0,
      default: 300,
      expects: "a number of seconds",
      description: "how long to wait (default: 300)",
    },
    connect: {
      type: "boolean",
      description: "also wait for the logins and the Flyway history",
    },
    "allow-pending": {
      type: "boolean",
      description: "with --connect: pending migrations do not count as broken",
    },
  },
  outcomes: {
    broken: [ExitCode.stepFailed, "still broken when the time was up (the line names the link)"],
  },
  journal: false,
  async run(ctx) {
    const { waitForChain } = await import("../flows/wait-chain.js");
    const report = await waitForChain(() => ctx.hostFor(ctx.resolved), ctx.resolved, ctx.log, {
      timeoutSeconds: ctx.values.timeout,
      connect: ctx.values.connect,
      allowPending: ctx.values["allow-pending"],
      progressSeconds: ctx.config.log.progressSeconds,
    });
    return report.ok ? "ok" : "broken";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
