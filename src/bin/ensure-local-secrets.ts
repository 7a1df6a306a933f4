#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "ensure-local-secrets",
  summary: "seed Vault from fixtures and wire External Secrets to it",
  usage:
    "[--plan [--json]] [--fixtures DIR] [--path P …] [--skip-eso] [--refresh] [--force-conflicts]",
  description: `
Validates every fixture file (nothing is written when one is invalid), waits for
Vault to answer, makes sure the KV v2 mount exists, then for each path reads,
compares and writes only what differs, always with check-and-set. A second run
writes nothing. Ends the Vault half with "Vault sync success" and the counts.

Then wires External Secrets Operator to Vault: detects the ESO API version the
cluster serves, applies (server-side, only when changed) the token Secret, the
ClusterSecretStore and the configured ExternalSecrets, requests a refresh when
Vault changed, and waits for them to be Ready. A failed sync is a warning: the
migrations bootstrap can still fall back to the Vault defaults.

--plan reads Vault and shows, per path and key, what would be created, updated or
left unchanged — never the values. It touches neither Vault nor Kubernetes.`,
  options: {
    plan: { type: "boolean", description: "show what would change in Vault; write nothing" },
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
    "skip-eso": { type: "boolean", description: "seed Vault only; do not touch Kubernetes" },
    refresh: {
      type: "boolean",
      description: "ask ESO to refresh every ExternalSecret even if Vault did not change",
    },
    "force-conflicts": {
      type: "boolean",
      description: "take over fields another field manager owns (server-side apply force)",
    },
  },
  async run(ctx) {
    const only = ctx.values.path.length ? new Set(ctx.values.path) : undefined;
    if (ctx.values.plan) {
      const [{ ensureLocalSecrets }, { renderPlan }] = await Promise.all([
        import("../flows/ensure-local-secrets.js"),
        import("../flows/render-plan.js"),
      ]);
      const result = await ensureLocalSecrets(ctx.host, ctx.resolved, ctx.log, {
        plan: true,
        ...(only ? { only } : {}),
      });
      ctx.stdout.write(
        ctx.values.json
          ? `${JSON.stringify({ paths: result.seed.paths }, null, 2)}\n`
          : renderPlan(result.seed.paths),
      );
      return undefined;
    }
    const { ensureLocalSecretsStep } = await import("../flows/phases.js");
    await ctx.host.withWorkspaceLock(ctx.log, () =>
      ensureLocalSecretsStep(ctx.host, ctx.resolved, ctx.log, {
        refresh: ctx.values.refresh,
        skipEso: ctx.values["skip-eso"],
        forceConflicts: ctx.values["force-conflicts"],
        ...(only ? { only } : {}),
      }),
    );
    return undefined;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
