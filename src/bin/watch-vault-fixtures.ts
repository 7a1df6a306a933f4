#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

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
deleted fixture file deletes nothing remotely. --poll (or watch.poll: true, or
DEV_BOOTSTRAP_WATCH_POLL=1) polls the files instead of relying on file-system
events (bind mounts that miss events). Runs until
interrupted (Ctrl-C): Tilt runs it as a serve_cmd.`,
  options: {
    poll: {
      type: "boolean",
      description: "poll for changes (for bind mounts where events are missed)",
    },
    "debounce-ms": {
      type: "number",
      placeholder: "N",
      integer: true,
      min: 0,
      default: 300,
      expects: "a whole number of milliseconds",
      description: "quiet period before a run (default: 300)",
    },
    "skip-eso": { type: "boolean", description: "re-seed Vault only" },
  },
  async run(ctx) {
    const { FixtureWatcher } = await import("../flows/watch-fixtures.js");
    // --poll switches polling on over the config (watch.poll, DEV_BOOTSTRAP_WATCH_POLL).
    const poll = ctx.values.poll || ctx.config.watch.poll;
    const watcher = new FixtureWatcher(ctx.hostFor, ctx.resolved, ctx.newRun, {
      debounceMs: ctx.values["debounce-ms"],
      poll,
      skipEso: ctx.values["skip-eso"],
      reloadConfig: ctx.reloadConfig,
    });
    await watcher.start();
    ctx.log.note(
      "watch",
      `watching ${ctx.config.vault.fixturesDir}${poll ? " (polling)" : ""}; Ctrl-C stops`,
    );
    await new Promise<void>((resolve) =>
      ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    await watcher.stop();
    return "ok";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
