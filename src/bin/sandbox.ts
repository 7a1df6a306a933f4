#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { defineCommand } from "../cli/command.js";
import { isMain, runMain } from "../cli/run.js";

export const command = defineCommand({
  name: "sandbox",
  summary: "run the whole job on this machine: Vault and Kubernetes stand-ins, a real PostgreSQL",
  usage: "[--keep] [--twice] [--services-only]",
  description: `
Starts, on loopback and free ports, a stand-in for Vault's HTTP API (KV v2), a
stand-in for the Kubernetes API with a small External Secrets reconciler (they
follow the APIs dev-bootstrap uses; they are not Vault or Kubernetes), and a real
throwaway PostgreSQL whose platform and agents roles and databases use the
passwords the fixtures derive. Then runs post-start against them exactly as a
devcontainer does (only the addresses differ), the health check with --connect,
and flyway-status on the example migrations, and prints the summary. Everything
is stopped and its data removed at the end.

The Kubernetes stand-in serves TLS with a CA made at start-up (openssl), so a
real kubectl works with the printed KUBECONFIG. Database roles follow Vault:
whenever a path holding DB_USERNAME, DB_PASSWORD and DB_NAME for the sandbox's
PostgreSQL is written, that role gets that password and its database is
created when missing.

--keep leaves everything running with the fixture watcher on and prints the
variables to use from another shell, and a PATH line that puts dev-bootstrap
on it; Ctrl-C stops it. --twice runs the flow a
second time and reports what that run wrote (nothing, when idempotent).
--services-only starts the stand-ins and PostgreSQL (roles and databases from
this workspace's fixtures), prints the exports and waits for Ctrl-C without
running any flow, so you can run the commands yourself.
Needs the PostgreSQL server binaries (Debian: apt-get install postgresql).`,
  options: {
    keep: {
      type: "boolean",
      description: "keep the sandbox running (with the fixture watcher) until Ctrl-C",
    },
    twice: { type: "boolean", description: "run the flow again and report its writes" },
    "services-only": {
      type: "boolean",
      description: "only start the stand-ins and PostgreSQL, print the exports, wait for Ctrl-C",
    },
  },
  async run(ctx) {
    const { runSandbox } = await import("../sandbox/run-sandbox.js");
    const result = await runSandbox({
      resolved: ctx.resolved,
      env: ctx.env,
      masker: ctx.masker,
      newRun: ctx.newRun,
      // The umbrella sits next to every entrypoint in dist/bin.
      umbrella: fileURLToPath(new URL("../bin/dev-bootstrap.js", import.meta.url)),
      stdout: ctx.stdout,
      keep: ctx.values.keep,
      twice: ctx.values.twice,
      servicesOnly: ctx.values["services-only"],
      signal: ctx.signal,
    });
    if (!result.ok) throw result.error;
    if (result.rerun && (result.rerun.vaultVersions > 0 || result.rerun.kubeWrites > 0)) {
      ctx.stderr.write(
        "dev-bootstrap sandbox: error: the second run wrote something; the flow is not idempotent\n",
      );
      return "failed";
    }
    return "ok";
  },
});

if (isMain(import.meta.url)) process.exit(await runMain(command));
