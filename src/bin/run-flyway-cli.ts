#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { FROM_OPTION } from "../cli/options.js";
import { isMain, runMain } from "../cli/run.js";
import { UsageError } from "../core/errors.js";

const COMMANDS = ["info", "migrate", "validate", "baseline", "repair"];

export const command = defineCommand({
  name: "run-flyway-cli",
  summary: "run the Flyway CLI for each database in order, with credentials from the cluster",
  usage:
    "[info|migrate|validate|baseline|repair] [--database NAME] [--from cluster|env] [--timeout SECONDS]",
  description: `
Runs 'flyway <command>' (default: info) for every configured database in order
(platform → agents → extras), stopping at the first failure; later databases are
shown as skipped. Connections come from the migrations secret in the cluster
(--from cluster, the default) or from this shell's environment by the same
precedence (--from env). Nothing needs exporting. Credentials reach Flyway only
through FLYWAY_URL / FLYWAY_USER / FLYWAY_PASSWORD in its environment; locations
default to filesystem:<migrations.sqlDir>/<database>; connection retries are on.

Before each call a preflight logs in (bounded retries), clears an empty
flyway_schema_history left by a failed first run (migrate/baseline only; a table
with rows is never touched), and baselines a schema that exists without history
at the database's baselineVersion (agents: 3). An empty database migrates from
scratch.`,
  options: {
    database: { type: "string", placeholder: "NAME", description: "only this database" },
    from: FROM_OPTION,
    timeout: {
      type: "number",
      placeholder: "SECONDS",
      above: 0,
      default: 600,
      expects: "a number of seconds",
      description: "per-database time limit (default: 600)",
    },
  },
  positionals: [0, 1],
  async run(ctx) {
    const commandName = ctx.positionals[0] ?? "info";
    if (!COMMANDS.includes(commandName))
      throw new UsageError(
        `unknown Flyway command '${commandName}' (expected one of ${COMMANDS.join(", ")})`,
      );
    const from = ctx.values.from;
    const [{ runFlywayCli }, { explainFailure }] = await Promise.all([
      import("../flows/flyway-cli.js"),
      import("../flows/why.js"),
    ]);
    try {
      await runFlywayCli(ctx.host, ctx.resolved, ctx.log, {
        command: commandName as "info",
        from,
        database: ctx.values.database,
        stdout: ctx.stdout,
        timeoutMs: ctx.values.timeout * 1000,
      });
    } catch (error) {
      // From the cluster, the chain fixture → Flyway explains the failure: its first
      // broken link and fix end the output. Connections from this shell are not the chain's.
      if (from === "cluster" && !(error instanceof UsageError)) {
        ctx.stdout.write(await explainFailure(ctx.host, ctx.resolved, { connect: true }));
      }
      throw error;
    }
    return undefined;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
