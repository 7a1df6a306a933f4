#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "init",
  summary:
    "scaffold this workspace: dev-bootstrap.yaml, fixtures per database, layer 42, the Feature",
  usage:
    "[--database NAME]... [--layer 42] [--sql-dir DIR] [--fixtures-dir DIR] [--upgrade] [--dry-run] [--json]",
  description: `
Writes, in the workspace (the nearest dev-bootstrap.yaml's directory, else the
git root, else the current directory):
  dev-bootstrap.yaml                 the configuration: each setting given as a flag
                                     (-n/--namespace, --state-dir, --vault-addr,
                                     --kube-context, --log-format, --sql-dir,
                                     --fixtures-dir) written as a setting, the
                                     rest as commented defaults
  <fixturesDir>/<database>.yaml      a fixture per database (user, derived password,
                                     host/port from DEV_BOOTSTRAP_DB_HOST/PORT, URL)
  <helm.layers.42.helmfile>          layer 42's helmfile (helmfile/42-db-migrations.yaml)
  <helm.chart>/                      its chart: values-local.yaml of your own
                                     (databases, secret), links to the installed
                                     package's Chart.yaml, values.yaml, templates
                                     and files, and to <sqlDir> and <seedDir>
  .devcontainer/dev-bootstrap/       the Dev Container Feature (local Features must
                                     live under .devcontainer/)
then prints the lines to add to the Tiltfile and devcontainer.json.

Databases: each --database NAME, in order (the first is the primary); without
it, the configured ones (default: platform, agents). Layer 42 is scaffolded
when helm.layers names it (it does by default) or with --layer 42. An existing
file is never overwritten: it is reported as kept. --dry-run only shows what
would be written.

--upgrade refreshes the copied Feature (.devcontainer/dev-bootstrap/) from the
installed package: it prints the diff of each file that differs, then replaces
it; with --dry-run it prints the diff and writes nothing. Nothing else is
touched. post-start warns while the copy is older than the package's.`,
  options: {
    database: {
      type: "string",
      multiple: true,
      placeholder: "NAME",
      description: "a database to configure (repeat; first is the primary)",
    },
    layer: {
      type: "string",
      multiple: true,
      placeholder: "42",
      description: "scaffold this Helmfile layer (42; default: 42 when helm.layers names it)",
    },
    "sql-dir": {
      type: "string",
      placeholder: "DIR",
      description: "where the migrations live (migrations.sqlDir; default db/flyway/sql)",
      configKey: "migrations.sqlDir",
    },
    "fixtures-dir": {
      type: "string",
      placeholder: "DIR",
      description: "where the fixtures live (vault.fixturesDir; default vault/fixtures)",
      configKey: "vault.fixturesDir",
    },
    upgrade: {
      type: "boolean",
      description: "refresh the copied Feature from the installed package, showing the diff",
    },
    "dry-run": { type: "boolean", description: "show what would be written; write nothing" },
    json: { type: "boolean", description: "print the result as JSON" },
  },
  journal: false,
  async run(ctx) {
    const { findPackageRoot, initWorkspace } = await import("../flows/init.js");
    const { SETTING_KEYS } = await import("../core/scaffold.js");
    // The settings given as flags on this command line, by config key: init writes them.
    const settings: Record<string, string> = {};
    for (const [key, value] of Object.entries(ctx.flagSettings))
      if ((SETTING_KEYS as readonly string[]).includes(key) && value !== undefined)
        settings[key] = value;
    const result = initWorkspace(ctx.host, ctx.resolved, ctx.log, {
      databases: ctx.values.database,
      ...(ctx.values.layer.length ? { layers: ctx.values.layer } : {}),
      settings,
      upgrade: ctx.values.upgrade,
      dryRun: ctx.values["dry-run"],
      packageRoot: findPackageRoot(ctx.host.fs, fileURLToPath(import.meta.url)),
    });
    if (ctx.values.json) {
      ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return undefined;
    }
    // The diff comes first, so what is replaced is on screen above the list saying so.
    for (const diff of result.diffs) ctx.stdout.write(diff);
    const width = Math.max(...result.files.map((f) => f.action.length));
    ctx.stdout.write(`Workspace: ${result.root}\n`);
    for (const f of result.files) ctx.stdout.write(`  ${f.action.padEnd(width)}  ${f.path}\n`);
    if (ctx.values.upgrade) {
      if (result.diffs.length === 0) ctx.stdout.write("The copied Feature is up to date.\n");
      else if (ctx.values["dry-run"])
        ctx.stdout.write("Nothing written: run without --dry-run to replace them.\n");
      return undefined;
    }
    const sqlDir = result.sqlDir.isDefault
      ? `${result.sqlDir.path}/<database>/ (the default migrations.sqlDir)`
      : `${result.sqlDir.path}/<database>/ (migrations.sqlDir)`;
    ctx.stdout.write(
      [
        "",
        "Add to your Tiltfile:",
        ...result.tiltfileLines.map((l) => `  ${l}`),
        "",
        "Add to .devcontainer/devcontainer.json:",
        ...result.devcontainerLines.map((l) => `  ${l}`),
        "",
        `Then put your migrations under ${sqlDir} and`,
        `add the stateDir (${ctx.config.stateDir}/) to .gitignore.`,
        ...(result.layers.includes("42")
          ? [
              `Layer 42: 'dev-bootstrap run-helm-layer 42' syncs ${ctx.config.helm.layers["42"]?.helmfile ?? "its helmfile"};`,
              `to render it: helm template ${ctx.config.helm.release} ${ctx.config.helm.chart} --values ${ctx.config.helm.valuesFile}`,
            ]
          : []),
        "",
      ].join("\n"),
    );
    return undefined;
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
