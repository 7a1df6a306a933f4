#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "lint-docs",
  summary: "find Azure Key Vault instructions and configuration in Markdown and YAML",
  usage: "[DIR] [--json]",
  description: `
Scans the Markdown and YAML files under DIR (default: the current directory;
node_modules, .git, dist and the configured stateDir are skipped) for Azure
Key Vault instructions and configuration, and reports each as 'file:line: what
was found — what to use instead':
  - 'az keyvault …' commands;
  - Azure Key Vault provider blocks (azurekv) in SecretStores / ClusterSecretStores;
  - azure-keyvault-*.yaml values files, and references to them;
  - prose telling people to keep secrets in Azure Key Vault.
A sentence about removing or replacing Azure Key Vault is not a finding. In a
document that carries a superseded / historical banner near its top, findings are
notes, not errors. Exits 1 while errors remain.`,
  options: {
    json: { type: "boolean", description: "print {files, errors, notes, findings: [...]} as JSON" },
  },
  positionals: [0, 1],
  journal: false,
  async run(ctx) {
    const [{ lintDocs }, { formatFinding }, { resolve }] = await Promise.all([
      import("../flows/lint-docs.js"),
      import("../core/docs-lint.js"),
      import("node:path"),
    ]);
    const root = resolve(ctx.cwd, ctx.positionals[0] ?? ".");
    const { files, findings } = await lintDocs(ctx.host, ctx.resolved, ctx.log, { root });
    const errors = findings.filter((f) => f.severity === "error").length;
    const notes = findings.length - errors;
    if (ctx.values.json) {
      ctx.stdout.write(`${JSON.stringify({ files, errors, notes, findings }, null, 2)}\n`);
    } else {
      for (const f of findings) ctx.stdout.write(`${formatFinding(f)}\n`);
      ctx.stdout.write(`${files} file(s) checked: ${errors} error(s), ${notes} note(s)\n`);
    }
    return errors ? "failed" : "ok";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
