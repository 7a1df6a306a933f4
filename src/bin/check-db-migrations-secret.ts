#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";
import { ExitCode } from "../core/errors.js";

export const command = defineCommand({
  name: "check-db-migrations-secret",
  summary:
    "health check: the migrations secret exists, is complete and valid (--connect: logins work)",
  usage: "[--connect] [--json]",
  description: `
Asserts that <namespace>/db-migrations-local exists, holds FLYWAY_URL /
FLYWAY_USER / FLYWAY_PASSWORD for the primary database and <NAME>_FLYWAY_* for
each further one, and that every URL is a JDBC URL without credentials. With
--connect it also logs in to each database with those credentials (bounded
retries while PostgreSQL is not reachable yet). Read-only.`,
  options: {
    connect: { type: "boolean", description: "also log in to each database" },
    json: { type: "boolean", description: "print the result as JSON (checkpoints go to stderr)" },
  },
  outcomes: {
    missing: [ExitCode.missing, "missing: the secret, or a required key, does not exist"],
    invalid: [
      ExitCode.invalid,
      "invalid: a value is present but unusable (not JDBC, holds credentials, not UTF-8)",
    ],
    "cannot-connect": [
      ExitCode.cannotConnect,
      "cannot connect: a database refused the login, is unreachable, or answers no query",
    ],
  },
  async run(ctx) {
    const { checkMigrationsSecret } = await import("../flows/check-migrations-secret.js");
    const result = await checkMigrationsSecret(ctx.host, ctx.resolved, ctx.log, {
      connect: ctx.values.connect === true,
    });
    if (ctx.values.json) {
      ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      for (const d of result.databases) {
        const line = d.status === "ok" ? `${d.url} as ${d.user}` : d.problems.join("; ");
        ctx.stdout.write(`${d.database.padEnd(12)} ${d.status.padEnd(14)} ${line}\n`);
      }
    }
    return result.result;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
