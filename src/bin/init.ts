#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "init",
  summary: "scaffold this workspace: dev-bootstrap.yaml, fixtures per database, the Feature",
  usage: "[--database NAME]... [--dry-run] [--json]",
  description: `
Writes, in the workspace (the nearest dev-bootstrap.yaml's directory, else the
git root, else the current directory):
  dev-bootstrap.yaml                 the configuration with commented defaults
  <fixturesDir>/<database>.yaml      a fixture per database (user, derived password,
                                     host/port from DEV_BOOTSTRAP_DB_HOST/PORT, URL)
  .devcontainer/dev-bootstrap/       the Dev Container Feature (local Features must
                                     live under .devcontainer/)
then prints the lines to add to the Tiltfile and devcontainer.json.

Databases: each --database NAME, in order (the first is the primary); without
it, the configured ones (default: platform, agents). An existing file is never
overwritten: it is reported as kept. --dry-run only shows what would be written.`,
  options: {
    database: {
      type: "string",
      multiple: true,
      placeholder: "NAME",
      description: "a database to configure (repeat; first is the primary)",
    },
    "dry-run": { type: "boolean", description: "show what would be written; write nothing" },
    json: { type: "boolean", description: "print the result as JSON" },
  },
  journal: false,
  async run(ctx) {
    const { findPackageRoot, initWorkspace } = await import("../flows/init.js");
    const result = initWorkspace(ctx.host.fs, {
      resolved: ctx.resolved,
      databases: (ctx.values.database as string[] | undefined) ?? [],
      dryRun: ctx.values["dry-run"] === true,
      packageRoot: findPackageRoot(ctx.host.fs, fileURLToPath(import.meta.url)),
    });
    if (ctx.values.json) {
      ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return undefined;
    }
    const width = Math.max(...result.files.map((f) => f.action.length));
    ctx.stdout.write(`Workspace: ${result.root}\n`);
    for (const f of result.files) ctx.stdout.write(`  ${f.action.padEnd(width)}  ${f.path}\n`);
    ctx.stdout.write(
      [
        "",
        "Add to your Tiltfile:",
        ...result.tiltfileLines.map((l) => `  ${l}`),
        "",
        "Add to .devcontainer/devcontainer.json:",
        ...result.devcontainerLines.map((l) => `  ${l}`),
        "",
        "Then put your migrations under <sqlDir>/<database>/ (default db/flyway/sql) and",
        "add the stateDir (.dev-bootstrap/) to .gitignore.",
        "",
      ].join("\n"),
    );
    return undefined;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
