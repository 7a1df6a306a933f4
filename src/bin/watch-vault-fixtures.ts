#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";
import { UsageError } from "../core/errors.js";

export const command = defineCommand({
  name: "watch-vault-fixtures",
  summary: "watch the fixtures; re-seed changed paths, refresh ESO, re-run the secret bootstrap",
  usage: "[--poll] [--debounce-ms N] [--skip-eso]",
  description: `
Watches the fixture directory. After a quiet period (--debounce-ms, default 300)
it re-validates every fixture, re-seeds only the Vault paths whose values
changed, asks ESO to refresh the ExternalSecrets that read them, and re-runs the
migrations-secret bootstrap when one of its inputs changed. It syncs once at
start. One save is one run; a burst of saves, or saves during a run, coalesce
(one run at a time, at most one queued). An invalid fixture is reported as
file:line:column and changes nothing: Vault keeps the last good values. A
deleted fixture file deletes nothing remotely. --poll polls the files instead of
relying on file-system events (bind mounts that miss events). Runs until
interrupted (Ctrl-C): Tilt runs it as a serve_cmd.`,
  options: {
    poll: {
      type: "boolean",
      description: "poll for changes (for bind mounts where events are missed)",
    },
    "debounce-ms": {
      type: "string",
      placeholder: "N",
      description: "quiet period before a run (default: 300)",
    },
    "skip-eso": { type: "boolean", description: "re-seed Vault only" },
  },
  async run(ctx) {
    const debounceMs =
      ctx.values["debounce-ms"] === undefined ? 300 : Number(ctx.values["debounce-ms"]);
    if (!Number.isInteger(debounceMs) || debounceMs < 0)
      throw new UsageError("--debounce-ms expects a whole number of milliseconds");
    const { FixtureWatcher } = await import("../flows/watch-fixtures.js");
    const watcher = new FixtureWatcher(ctx.hostFor, ctx.resolved, ctx.newRun, {
      debounceMs,
      poll: ctx.values.poll === true || ctx.env.DEV_BOOTSTRAP_WATCH_POLL === "1",
      skipEso: ctx.values["skip-eso"] === true,
      reloadConfig: ctx.reloadConfig,
    });
    await watcher.start();
    ctx.log.note(
      "watch",
      `watching ${ctx.config.vault.fixturesDir}${ctx.values.poll ? " (polling)" : ""}; Ctrl-C stops`,
    );
    await new Promise<void>((resolve) =>
      ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    await watcher.stop();
    return "ok";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
