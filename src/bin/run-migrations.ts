#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "run-migrations",
  summary:
    "ensure the secret, helm upgrade --install the db-migrations release, show the Job's logs and versions",
  usage: "[--verify]",
  description: `
Makes sure <namespace>/db-migrations-local exists (the bootstrap, in ensure mode;
with --verify it only checks it and fails when it is missing or invalid), then
'helm upgrade --install --wait --wait-for-jobs --atomic' of helm.release from
helm.chart with helm.valuesFile, which runs the Flyway Job for each database in
order. Then prints the Job's logs and each database's schema version (read
directly when the databases are reachable from here). Nothing needs exporting.`,
  options: {
    verify: {
      type: "boolean",
      description: "check the secret instead of writing it (CI, shared clusters)",
    },
  },
  async run(ctx) {
    const { runMigrations } = await import("../flows/run-migrations.js");
    await ctx.host.withWorkspaceLock(ctx.log, () =>
      runMigrations(ctx.host, ctx.resolved, ctx.log, {
        verify: ctx.values.verify,
        stdout: ctx.stdout,
      }),
    );
    return undefined;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
