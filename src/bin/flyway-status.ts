#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { FROM_OPTION } from "../cli/options.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "flyway-status",
  summary: "each database's `flyway info` and `flyway validate` verdict, without a JVM",
  usage: "[--database NAME] [--from cluster|env] [--allow-pending] [--json]",
  description: `
Reads the history table of each database directly and compares it with the
migration files on disk by flyway-core 10.22's rules (the Flyway the chart runs):
file naming (V, R, B baseline migrations, the prefix/separator/suffix settings),
version ordering (1.10 > 1.9, 1.0 = 1), the CRC-32 checksum Flyway stores
(repeatables after placeholder replacement, the built-in flyway: placeholders
included), and Flyway 10's migration states (Pending, Success, Failed, Missing,
Future, Ignored, Below Baseline, Ignored (Baseline), Out of Order, Outdated,
Superseded, Above Target, Deleted, ...). Prints the table \`flyway info\` prints,
then what \`flyway validate\` would report; --json adds flyway info's own JSON
fields per database (flywayInfo).

Exits 1 where \`flyway validate\` fails: a failed migration, an applied one whose
file is gone, a pending, ignored or outdated one, a checksum, description or type
mismatch; or when a database cannot be read. Reads the Flyway settings
run-flyway-cli's Flyway reads, in Flyway's precedence: FLYWAY_* variables (table,
schemas, defaultSchema, locations, placeholders, ignoreMigrationPatterns, target,
outOfOrder, baselineVersion, validateMigrationNaming, encoding, ...), then
flyway.toml (its environment) or flyway.conf, then migrations.flyway in the
config file, then Flyway's defaults; a setting it cannot honour is named in a
warning.`,
  options: {
    database: { type: "string", placeholder: "NAME", description: "only this database" },
    from: FROM_OPTION,
    "allow-pending": {
      type: "boolean",
      description:
        "validate as migrate does before migrating: pending and outdated migrations are no errors",
    },
    json: { type: "boolean", description: "print JSON (checkpoints go to stderr)" },
  },
  async run(ctx) {
    const from = ctx.values.from;
    const { flywayStatus, renderStatus } = await import("../flows/flyway-status.js");
    const result = await flywayStatus(ctx.host, ctx.resolved, ctx.log, {
      from,
      database: ctx.values.database,
      allowPending: ctx.values["allow-pending"],
    });
    const { settings } = result;
    ctx.stdout.write(
      ctx.values.json
        ? `${JSON.stringify(
            {
              settings: {
                ignoreMigrationPatterns: settings.ignorePatterns.map((p) => p.text),
                ignoreMigrationPatternsFrom: settings.ignorePatternsSource,
                target: settings.target,
                outOfOrder: settings.outOfOrder,
                allowPending: settings.allowPending,
                validateMigrationNaming: settings.validateMigrationNaming,
                encoding: settings.encoding,
              },
              databases: result.databases,
            },
            null,
            2,
          )}\n`
        : renderStatus(result),
    );
    return result.databases.every((r) => r.healthy) ? "ok" : "failed";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
