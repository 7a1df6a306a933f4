#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "run-helm-layer",
  summary: "run a Helmfile layer: our steps first, then helmfile sync, then its helm test gates",
  usage: "<layer>",
  description: `
Runs one layer from helm.layers. Layer 15 (secrets) runs ensure-local-secrets
first; layer 42 (db-migrations) runs bootstrap-db-migrations-secret first, so
ameide/db-migrations-local always exists before Flyway's Job starts. Then
'helmfile --file <helmfile> --environment <env> sync', then 'helm test' for each
of the layer's test releases. Children's output streams with the step prefix;
each child has the layer's timeout and is stopped with its whole process tree
(SIGTERM, then SIGKILL). A failed phase skips the later ones (shown as skipped).
A test pod whose log is gone after a passing suite is a warning, not a failure.`,
  options: {},
  positionals: [1, 1],
  async run(ctx) {
    const { runHelmLayer } = await import("../flows/helm-layer.js");
    await ctx.host.withWorkspaceLock(ctx.log, () =>
      runHelmLayer(ctx.host, ctx.resolved, ctx.log, {
        layer: ctx.positionals[0]!,
        stdout: ctx.stdout,
      }),
    );
    return undefined;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
