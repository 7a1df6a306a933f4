#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "post-start",
  summary:
    "the devcontainer's postStartCommand: seed Vault, wire ESO, write the secret, start Tilt, summarise",
  usage: "[--no-tilt]",
  description: `
Runs, with checkpoints and under one run id: ensure-local-secrets (Vault seeding
and ESO wiring), then bootstrap-db-migrations-secret, then starts Tilt in the
background when a Tiltfile and tilt exist (its log in <stateDir>/tilt.log; not
restarted when already running). Ends with the summary of this run. A failed
step shows with its hint, the later ones as skipped, and the exit code says
whether the environment is usable (0) or not (1).`,
  options: {
    "no-tilt": { type: "boolean", description: "do not start Tilt" },
  },
  async run(ctx) {
    const [{ postStart }, { throwIfSignalled }, { findPackageRoot }] = await Promise.all([
      import("../flows/post-start.js"),
      import("../cli/late-signal.js"),
      import("../flows/feature-copy.js"),
    ]);
    const result = await postStart(ctx.host, ctx.resolved, ctx.log, {
      stdout: ctx.stdout,
      noTilt: ctx.values["no-tilt"],
      packageRoot: findPackageRoot(ctx.host.fs, fileURLToPath(import.meta.url)),
    });
    // A signal during the final summary (synchronous) still ends the run as interrupted.
    await throwIfSignalled(ctx.signal);
    if (result.failed) throw result.error;
    return "ok";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
