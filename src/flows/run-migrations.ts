/**
 * run-migrations: make sure the migrations secret is there (or, verifying,
 * that it is valid), install/upgrade the db-migrations release and wait for its
 * Flyway Job, stream the Job's logs, and print each database's schema version.
 */

import { join } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import { flywayEnvForJob } from "../core/flyway-settings.js";
import { LEFTOVER_HINT, leftoverNote } from "../core/leftovers.js";
import { maskedTail } from "../core/tail.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import { checkMigrationsSecret } from "./check-migrations-secret.js";
import { loadFlywaySettings } from "./flyway-settings.js";
import { flywayStatus } from "./flyway-status.js";
import type { Host } from "./host.js";
import { bootstrapMigrationsSecret } from "./migrations-secret.js";
import { type Phase, runPipeline } from "./pipeline.js";
import { step as runStep } from "./step.js";

interface RunMigrationsOptions {
  verify: boolean;
  stdout: Output;
}

export async function runMigrations(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: RunMigrationsOptions,
): Promise<void> {
  const { masker } = host;
  const { helm, namespace } = resolved.config;
  const stream = (step: string) => (line: string) =>
    options.stdout.write(`[${step}] ${masker.mask(line)}\n`);
  const phases: Phase[] = [
    {
      step: "db-migrations-secret",
      run: async () => {
        if (!options.verify) return bootstrapMigrationsSecret(host, resolved, log);
        // Stryker disable next-line ObjectLiteral: an unset connect is false: no login either way
        const result = await checkMigrationsSecret(host, resolved, log, { connect: false });
        if (result.result !== "ok") {
          throw Object.assign(
            new StepError(
              `the migrations secret is ${result.result}`,
              "run without --verify to write it, or fix what ESO delivers",
            ),
            // Stryker disable next-line ObjectLiteral,StringLiteral: no reader of an error's step property; the pipeline reports it under this phase
            { step: "db-migrations-secret:check" },
          );
        }
      },
    },
    {
      step: "migrations:helm",
      run: async () => {
        const step = "migrations:helm";
        // The Job's Flyway has no flyway.toml of ours: it gets the settings run-flyway-cli
        // and flyway-status read, as FLYWAY_* variables in a values file (never argv).
        const settings = await loadFlywaySettings(host, resolved);
        for (const warning of settings.warnings) log.checkpoint(step, "warn", warning);
        if (settings.locations)
          log.checkpoint(
            step,
            "warn",
            `locations from ${settings.locations.origin.where} do not reach the Flyway Job: it reads the chart's sql/<database>`,
            {
              hint: "point migrations.sqlDir (and the chart's sql link) at those migrations instead",
            },
          );
        const jobEnv = flywayEnvForJob(settings);
        const stateDir = resolved.path(resolved.config.stateDir);
        const valuesFile = join(stateDir, "flyway-settings.values.json");
        if (Object.keys(jobEnv).length) {
          host.fs.mkdirp(stateDir);
          if (host.fs.exists(valuesFile)) host.fs.remove(valuesFile);
          // 0600: user placeholders may be values nobody else should read.
          host.fs.createExclusive(
            valuesFile,
            `${JSON.stringify({ flyway: { env: jobEnv } }, null, 2)}\n`,
            0o600,
          );
        }
        const args = [
          "upgrade",
          "--install",
          helm.release,
          resolved.path(helm.chart),
          "--namespace",
          namespace,
          "--values",
          resolved.path(helm.valuesFile),
          ...(Object.keys(jobEnv).length ? ["--values", valuesFile] : []),
          // The values file decides about demo seed data unless this workspace turned it off.
          ...(resolved.config.migrations.seedData ? [] : ["--set", "seedData.enabled=false"]),
          "--wait",
          "--wait-for-jobs",
          "--atomic",
          "--timeout",
          `${helm.timeoutSeconds}s`,
        ];
        const runHelm = (args: string[]) =>
          runStep(
            log,
            step,
            `helm ${args.slice(0, 4).join(" ")} … (waits for the Flyway Job)`,
            async (handle) => {
              const r = await host.proc.run({
                tool: "helm",
                args,
                cwd: resolved.root,
                timeoutMs: (helm.timeoutSeconds + 30) * 1000,
                onLine: stream(step),
              });
              if (r.exitCode !== 0 || r.timedOut) {
                throw new StepError(
                  r.timedOut
                    ? `helm did not finish within ${helm.timeoutSeconds + 30} s; it and its children were stopped`
                    : `helm upgrade of ${helm.release} failed (exit ${r.exitCode ?? r.signal}); --atomic rolled it back: ${maskedTail(r, masker)}`,
                  `see the Job's log: kubectl -n ${namespace} logs job/${helm.release}-migrate`,
                );
              }
              const done = `release ${helm.release} installed; the Flyway Job completed`;
              if (r.leftovers.length)
                return handle.warn(`${done}; ${leftoverNote(r.leftovers, "helm")}`, LEFTOVER_HINT);
              handle.ok(done);
            },
          );
        try {
          await runHelm(args);
        } finally {
          // Helm has read it; the release keeps its own copy.
          if (Object.keys(jobEnv).length) host.fs.remove(valuesFile);
        }
      },
    },
    {
      step: "migrations:logs",
      run: async () => {
        const step = "migrations:logs";
        const handle = log.start(step, `logs of job/${helm.release}-migrate`);
        const r = await host.proc.run({
          tool: "kubectl",
          args: [
            "logs",
            "--namespace",
            namespace,
            `job/${helm.release}-migrate`,
            "--all-containers",
          ],
          cwd: resolved.root,
          timeoutMs: 60_000,
          onLine: stream(step),
        });
        if (r.exitCode === 0) handle.ok("Job logs shown above");
        else
          handle.warn(
            "could not read the Job's logs (it may have been cleaned up)",
            `kubectl -n ${namespace} get jobs`,
          );
      },
    },
    {
      step: "flyway:status",
      run: async () => {
        try {
          // Read from here when reachable, to show the versions; the Job's outcome is the run's.
          const { databases } = await flywayStatus(host, resolved, log, {
            from: "cluster",
            unreadableWarns: true,
          });
          for (const r of databases)
            options.stdout.write(
              `${r.database}: schema version ${r.currentVersion ?? "(none)"}${r.error ? ` (unreadable: ${r.error})` : ""}\n`,
            );
        } catch (error) {
          // The databases may only be reachable from inside the cluster; the Job's log has the outcome.
          log.checkpoint(
            "flyway:status",
            "warn",
            `schema versions not readable from here: ${(error as Error).message}`,
            { hint: "port-forward PostgreSQL, or read the Job's log above" },
          );
        }
      },
    },
  ];
  const { failed } = await runPipeline(phases, log);
  if (failed) throw failed.error;
}
