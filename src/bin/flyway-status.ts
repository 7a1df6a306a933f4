#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { connectionSource, FROM_OPTION } from "../cli/options.js";
import { isMain, runMain } from "../cli/run.js";
import { ExitCode } from "../core/errors.js";

export const command = defineCommand({
  name: "flyway-status",
  summary: "each database's schema version and pending/failed/changed migrations, without a JVM",
  usage: "[--database NAME] [--from cluster|env] [--json]",
  description: `
Reads flyway_schema_history of each database directly and compares it with the
migration files on disk (<migrations.sqlDir>/<database>) by Flyway's own rules:
file naming, version ordering (1.10 > 1.9, 1.0 = 1), descriptions, and the CRC-32
checksum Flyway stores. Reports the current version and applied / pending /
failed counts, migrations whose file changed after it was applied, and applied
migrations whose file is gone. Exits 1 when anything failed, changed, is missing
or a database cannot be read: the CI smoke check after layer 42.`,
  options: {
    database: { type: "string", placeholder: "NAME", description: "only this database" },
    from: FROM_OPTION,
    json: { type: "boolean", description: "print JSON (checkpoints go to stderr)" },
  },
  async run(ctx) {
    const from = connectionSource(ctx.values.from);
    const { flywayStatus, renderStatus } = await import("../flows/flyway-status.js");
    const reports = await flywayStatus({
      resolved: ctx.resolved,
      from,
      ...(typeof ctx.values.database === "string" ? { database: ctx.values.database } : {}),
      log: ctx.log,
      masker: ctx.masker,
      env: ctx.env,
      signal: ctx.signal,
    });
    ctx.stdout.write(
      ctx.values.json
        ? `${JSON.stringify({ databases: reports }, null, 2)}\n`
        : renderStatus(reports),
    );
    return reports.every((r) => r.healthy && r.invalidFiles.length === 0)
      ? ExitCode.ok
      : ExitCode.stepFailed;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
