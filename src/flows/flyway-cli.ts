/**
 * run-flyway-cli: run the Flyway CLI for each configured database in order
 * (platform → agents → extras), stopping at the first failure. Credentials go
 * to Flyway through its environment variables, never argv. Before each call,
 * a preflight over a real connection makes a first run succeed.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import { renderJdbcUrl } from "../core/connection.js";
import { StepError, throwIfInterrupted } from "../core/errors.js";
import { flywayEnvFromSettings, type ResolvedFlywaySettings } from "../core/flyway-settings.js";
import { LEFTOVER_HINT, leftoverNote } from "../core/leftovers.js";
import { maskedTail } from "../core/tail.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import {
  type ConnectionSource,
  type DatabaseConnection,
  loadConnections,
} from "./flyway-connections.js";
import { dropEmptyHistory, inspectSchema, openDatabase, queryTimeoutMs } from "./flyway-db.js";
import { flywayLocations, migrationLocations } from "./flyway-locations.js";
import { loadFlywaySettings } from "./flyway-settings.js";
import type { Host } from "./host.js";
import { step as runStep } from "./step.js";

const FLYWAY_COMMANDS = ["info", "migrate", "validate", "baseline", "repair"] as const;
type FlywayCommand = (typeof FLYWAY_COMMANDS)[number];

interface FlywayCliOptions {
  command: FlywayCommand;
  from: ConnectionSource;
  database?: string;
  stdout: Output;
  timeoutMs: number;
}

interface Run {
  host: Host;
  resolved: ResolvedConfig;
  log: CheckpointLogger;
  options: FlywayCliOptions;
  settings: ResolvedFlywaySettings;
}

/** Decides, from the schema's state, what Flyway needs to be told (FAULTS.md 33–34). */
async function preflight(
  db: DatabaseConnection,
  { host, resolved, log, options, settings }: Run,
): Promise<Record<string, string>> {
  const step = `flyway:${db.name}`;
  const { lockTimeoutSeconds, statementTimeoutSeconds } = resolved.config.migrations;
  const client = await openDatabase(host.db, db.connection, {
    ...(host.signal ? { signal: host.signal } : {}),
    lockTimeoutMs: lockTimeoutSeconds * 1000,
    statementTimeoutMs: statementTimeoutSeconds * 1000,
    queryTimeoutMs: queryTimeoutMs(resolved.config.migrations),
  });
  const extra: Record<string, string> = {};
  // The table and schema Flyway will use (FLYWAY_TABLE, FLYWAY_DEFAULT_SCHEMA / FLYWAY_SCHEMAS, flyway.toml).
  const place = { table: settings.table, schema: settings.historySchema };
  let schema = settings.historySchema ?? "public";
  try {
    const state = await inspectSchema(client, place);
    schema = state.schema;
    const writes = options.command === "migrate" || options.command === "baseline";
    if (state.historyExists && state.historyRows === 0) {
      if (writes) {
        throwIfInterrupted(host.signal);
        const dropped = await dropEmptyHistory(client, state.schema, host.signal, settings.table);
        log.note(
          step,
          dropped
            ? `dropped an empty ${state.schema}.${settings.table} (left by a failed first run) so Flyway can baseline`
            : `${settings.table} gained rows meanwhile; left as is`,
        );
        state.historyExists = !dropped;
      } else {
        log.note(
          step,
          `${state.schema}.${settings.table} exists but is empty (a failed first run); 'migrate' will clear it`,
        );
      }
    }
    if (!state.historyExists && state.otherObjects > 0) {
      if (!db.baselineVersion) {
        if (writes) {
          throw new StepError(
            `database ${db.name}: schema ${state.schema} has ${state.otherObjects} object(s) but no Flyway history, and no baseline version is configured`,
            `set baselineVersion for '${db.name}' in migrations.databases (the version the existing schema corresponds to)`,
          );
        }
      } else {
        extra.FLYWAY_BASELINE_ON_MIGRATE = "true";
        extra.FLYWAY_BASELINE_VERSION = db.baselineVersion;
        log.note(
          step,
          writes
            ? `schema ${state.schema} exists without history: baselining at version ${db.baselineVersion}`
            : `schema ${state.schema} exists without history: 'migrate' will baseline it at version ${db.baselineVersion}`,
        );
      }
    } else if (!state.historyExists) {
      // Only a command that writes migrates; info and validate read, so say what migrate will do.
      log.note(
        step,
        writes
          ? `schema ${state.schema} is empty: migrating from scratch`
          : `schema ${state.schema} is empty: nothing applied yet ('migrate' starts from the first migration)`,
      );
    }
    if (options.command === "baseline" && db.baselineVersion)
      extra.FLYWAY_BASELINE_VERSION = db.baselineVersion;
  } catch (error) {
    throwIfInterrupted(host.signal);
    const code = (error as { code?: string }).code;
    // 55P03 lock_not_available: lock_timeout; 57014 query_canceled: statement_timeout.
    if (code === "55P03")
      throw new StepError(
        `database ${db.name}: ${schema}.${settings.table} is locked by another session (waited ${lockTimeoutSeconds} s)`,
        "find it with: select pid, state, query from pg_stat_activity where state = 'idle in transaction'; end it, then rerun (or raise migrations.lockTimeoutSeconds)",
      );
    if (code === "57014")
      throw new StepError(
        `database ${db.name}: a preflight query ran longer than ${statementTimeoutSeconds} s and was cancelled`,
        "check the database for long-running sessions, or raise migrations.statementTimeoutSeconds",
      );
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
  return extra;
}

export async function runFlywayCli(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: FlywayCliOptions,
): Promise<void> {
  // Read once, before any connection: a bad setting stops the run before Flyway starts.
  const settings = await loadFlywaySettings(host, resolved);
  for (const warning of settings.warnings) log.checkpoint("flyway:settings", "warn", warning);
  const connections = await loadConnections(host, resolved, {
    from: options.from,
    ...(options.database ? { only: options.database } : {}),
  });
  const names = connections.map((c) => c.name);
  for (const [i, db] of connections.entries()) {
    const step = `flyway:${db.name}`;
    try {
      await runStep(
        log,
        step,
        `flyway ${options.command} on ${db.name} (${renderJdbcUrl(db.connection.target)})`,
        async (handle) => {
          throwIfInterrupted(host.signal);
          const extra = await preflight(db, { host, resolved, log, options, settings });
          throwIfInterrupted(host.signal);
          // Flyway reads args > env > config files > its defaults: our defaults go to Flyway only
          // where neither the environment nor a Flyway config file sets the setting.
          const defaults: Record<string, string> = {};
          const theirs: string[] = [];
          if (settings.locations) theirs.push(`locations from ${settings.locations.origin.where}`);
          else
            defaults.FLYWAY_LOCATIONS = flywayLocations(
              migrationLocations(host.fs, resolved, db.name, settings),
            );
          if (settings.connectRetries !== undefined)
            theirs.push(`connectRetries from ${settings.origins.connectRetries?.where}`);
          else defaults.FLYWAY_CONNECT_RETRIES = "10";
          if (theirs.length) log.note(step, `${theirs.join(", ")} (instead of the default)`);
          const result = await host.proc.run({
            tool: "flyway",
            args: [options.command],
            env: {
              FLYWAY_URL: renderJdbcUrl(db.connection.target),
              FLYWAY_USER: db.connection.target.user,
              FLYWAY_PASSWORD: db.connection.target.password,
              ...defaults,
              // migrations.flyway (ignoreMigrationPatterns, target, outOfOrder) where nothing Flyway
              // reads itself sets them, so that Flyway and flyway-status agree.
              ...flywayEnvFromSettings(settings),
              ...extra,
            },
            cwd: resolved.root,
            timeoutMs: options.timeoutMs,
            onLine: (line) => options.stdout.write(`[${step}] ${host.masker.mask(line)}\n`),
          });
          // Stopped by Ctrl-C/SIGTERM: the interruption is the outcome, reported once as
          // itself; Flyway did not fail, and the databases after it did not either.
          throwIfInterrupted(host.signal);
          if (result.timedOut)
            throw new StepError(
              `flyway ${options.command} on ${db.name} did not finish within ${Math.round(options.timeoutMs / 1000)} s; it and its children were stopped`,
              "check the database for locks, or raise --timeout",
            );
          if (result.exitCode !== 0) {
            const tail = maskedTail(result, host.masker);
            throw new StepError(
              `flyway ${options.command} on ${db.name} exited ${result.exitCode ?? result.signal}: ${tail}`,
              `fix it, then rerun 'dev-bootstrap run-flyway-cli ${options.command} --database ${db.name}'`,
            );
          }
          const done = `flyway ${options.command} on ${db.name} succeeded`;
          if (result.leftovers.length)
            return handle.warn(`${done}; ${leftoverNote(result.leftovers)}`, LEFTOVER_HINT);
          handle.ok(done);
        },
        { owns: (e) => e instanceof StepError },
      );
    } catch (error) {
      if (error instanceof StepError)
        for (const later of names.slice(i + 1))
          log.checkpoint(`flyway:${later}`, "skip", `skipped: ${db.name} failed`);
      throw error;
    }
  }
}
