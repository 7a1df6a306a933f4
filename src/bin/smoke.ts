#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "smoke",
  summary: "CI smoke target: bootstrap, health check, layer 42, flyway-status — in order",
  usage: "[--connect] [--skip-layer]",
  description: `
Runs, in order, against whatever cluster the kube context points at:
ensure-local-secrets, bootstrap-db-migrations-secret (mode from config:
migrations.mode, e.g. verify for shared clusters), check-db-migrations-secret
(--connect: also log in to each database), run-helm-layer 42, and flyway-status
(read from the cluster's secret; after layer 42 it fails on anything
\`flyway validate\` rejects, pending migrations included; with --skip-layer
pending migrations are allowed, as before a migrate). Stops at the first failure; later steps show as
skipped. Exit 0 only when every step passed. Ends with the summary of the run.`,
  options: {
    connect: { type: "boolean", description: "the health check also logs in to each database" },
    "skip-layer": {
      type: "boolean",
      description: "do not run layer 42 (when the cluster has no helm/helmfile access)",
    },
  },
  async run(ctx) {
    const { smoke } = await import("../flows/smoke.js");
    const result = await smoke(ctx.host, ctx.resolved, ctx.log, {
      stdout: ctx.stdout,
      connect: ctx.values.connect,
      skipLayer: ctx.values["skip-layer"],
    });
    if (result.failed) throw result.error;
    return "ok";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
