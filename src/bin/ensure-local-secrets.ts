#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "ensure-local-secrets",
  summary: "seed Vault from fixtures and wire External Secrets to it",
  usage: "[--plan [--json]] [--fixtures DIR] [--path P …]",
  description: `
Validates every fixture file (nothing is written when one is invalid), waits for
Vault to answer, makes sure the KV v2 mount exists, then for each path reads,
compares and writes only what differs, always with check-and-set. A second run
writes nothing. Ends with the checkpoint "Vault sync success" and the counts.

--plan reads Vault and shows, per path and key, what would be created, updated or
left unchanged — never the values.`,
  options: {
    plan: { type: "boolean", description: "show what would change; write nothing" },
    json: {
      type: "boolean",
      description: "with --plan: print the plan as JSON (checkpoints go to stderr)",
    },
    fixtures: {
      type: "string",
      placeholder: "DIR",
      description: "fixture directory (default: vault/fixtures)",
      configKey: "vault.fixturesDir",
    },
    path: {
      type: "string",
      multiple: true,
      placeholder: "P",
      description: "seed only this fixture path (repeatable)",
    },
  },
  async run(ctx) {
    const [{ ensureLocalSecrets }, { renderPlan }] = await Promise.all([
      import("../flows/ensure-local-secrets.js"),
      import("../flows/render-plan.js"),
    ]);
    const only = Array.isArray(ctx.values.path) ? new Set(ctx.values.path) : undefined;
    const result = await ensureLocalSecrets({
      resolved: ctx.resolved,
      log: ctx.log,
      masker: ctx.masker,
      plan: ctx.values.plan === true,
      signal: ctx.signal,
      ...(only ? { only } : {}),
    });
    if (ctx.values.plan) {
      ctx.stdout.write(
        ctx.values.json
          ? `${JSON.stringify({ paths: result.seed.paths }, null, 2)}\n`
          : renderPlan(result.seed.paths),
      );
    }
    return 0;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
