#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "bootstrap-db-migrations-secret",
  summary:
    "write <namespace>/db-migrations-local (FLYWAY_URL/USER/PASSWORD …) from the database credentials",
  usage: "[--mode ensure|verify] [--recreate]",
  description: `
Reads each configured database's credentials Secret (<name>-db-credentials,
materialised by ESO), builds the migrations secret with the Flyway env
precedence and JDBC conversion, and writes it only when its content differs.
Ends with the checkpoint "db-migrations Flyway secret ensured".

Modes:
  ensure  (default, local) when a credentials Secret is missing (ESO has not
          synced yet), fall back to the Vault defaults the fixtures seeded, and
          say which source was used.
  verify  (CI, shared clusters) never fabricate: fail, listing every missing
          secret and key with the command that fixes it.`,
  options: {
    mode: {
      type: "string",
      placeholder: "ensure|verify",
      description: "ensure (fall back to Vault) or verify (never fabricate)",
      configKey: "migrations.mode",
    },
    recreate: {
      type: "boolean",
      description: "delete and recreate the secret when it is immutable and must change",
    },
  },
  async run(ctx) {
    const { bootstrapMigrationsSecret } = await import("../flows/migrations-secret.js");
    await ctx.host.withWorkspaceLock(ctx.log, () =>
      bootstrapMigrationsSecret(ctx.host, ctx.resolved, ctx.log, {
        recreate: ctx.values.recreate === true,
      }),
    );
    return undefined;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
