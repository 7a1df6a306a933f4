#!/usr/bin/env node
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";
import { ExitCode } from "../core/errors.js";

export const command = defineCommand({
  name: "why",
  summary:
    "the first broken link from fixture to Flyway: what it saw and the command that fixes it",
  usage: "[--json] [--connect] [--database NAME]",
  description: `
Walks the chain, in order, and stops at the first broken link:
  fixtures           the fixture files parse and resolve
  vault              Vault answers and is unsealed, the token is valid, the mount is KV v2
  vault-data         each fixture path in Vault holds what the fixtures derive now
  eso                ESO serves its API; the ClusterSecretStore exists and is Ready
  external-secrets   each ExternalSecret exists, is Ready, synced after Vault's last write
  source-secrets     each <db>-db-credentials Secret exists and holds Vault's values
  migrations-secret  <namespace>/db-migrations-local exists, is valid, matches the sources
  database-login     (--connect) each database accepts its login
  flyway             (--connect) each database's validate verdict, pending allowed
Prints a line per link (ok, BROKEN, skipped after a broken one, or - when not
checked), then the first broken link's evidence (versions, times, conditions, key
names; values only as fingerprints keyed for this report, never the values) and
the one command that fixes it. Read-only: writes nothing to Vault, Kubernetes,
the databases or the journal. --json prints {"ok", "firstBroken", "links": [{"id",
"status", "summary", "evidence", "fix"}]}.`,
  options: {
    json: { type: "boolean", description: "print the report as JSON" },
    connect: {
      type: "boolean",
      description: "also check each database's login and Flyway history",
    },
    database: { type: "string", placeholder: "NAME", description: "only this database" },
  },
  outcomes: {
    broken: [ExitCode.stepFailed, "a link is broken (the report names it and its fix)"],
  },
  journal: false,
  async run(ctx) {
    const [{ walkChain }, { renderChain }] = await Promise.all([
      import("../flows/why.js"),
      import("../core/chain.js"),
    ]);
    const report = await walkChain(ctx.host, ctx.resolved, {
      connect: ctx.values.connect,
      database: ctx.values.database,
      allowPending: true,
    });
    const text = ctx.values.json ? `${JSON.stringify(report, null, 2)}\n` : renderChain(report);
    ctx.stdout.write(ctx.masker.mask(text));
    return report.ok ? "ok" : "broken";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
