/**
 * flyway-status: every database's `flyway info` and `flyway validate` in
 * milliseconds, without a JVM: flyway_schema_history read directly, compared
 * with the files on disk by Flyway's own naming, ordering, checksum and state
 * rules (src/core/flyway-info.ts, flyway-validate.ts).
 *
 * A database is read as one or more location groups: a history table and the
 * directories (Flyway locations) whose files it records. Today each database
 * has one, Flyway's own table over <migrations.sqlDir>/<database>; a further
 * group (other locations, its own table) is one more entry in locationGroups().
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { isBootstrapError } from "../core/errors.js";
import { flywayChecksum, parseMigrationName } from "../core/flyway-files.js";
import { type FlywaySettings, resolveFlywaySettings } from "../core/flyway-settings.js";
import {
  computeStatus,
  type DiskMigration,
  type GroupStatus,
  type HistoryRow,
  type StatusError,
} from "../core/flyway-status.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger } from "../log/logger.js";
import { type ConnectionSource, loadConnections } from "./flyway-connections.js";
import { HISTORY_TABLE, inspectSchema, openDatabase, readHistory } from "./flyway-db.js";

/** A history table and the locations whose migrations it records. */
export interface LocationGroup {
  name: string;
  table: string;
  locations: string[];
}

export interface GroupReport extends GroupStatus {
  group: string;
  table: string;
  locations: string[];
  /** File names Flyway would not read as migrations. */
  invalidFiles: string[];
}

export interface DatabaseReport {
  database: string;
  url: string;
  /** The current version of the first group (Flyway's own history table). */
  currentVersion: string | undefined;
  /** True when `flyway validate` would pass for every group and the database could be read. */
  healthy: boolean;
  /** Set when the database could not be read. */
  error?: string;
  /** A schema with objects but no history: the version `migrate` would baseline at, if known. */
  baselineOnMigrate?: string;
  groups: GroupReport[];
}

export interface StatusResult {
  settings: FlywaySettings;
  databases: DatabaseReport[];
}

/** The location groups read for a database. */
export function locationGroups(resolved: ResolvedConfig, database: string): LocationGroup[] {
  return [
    {
      name: "schema",
      table: HISTORY_TABLE,
      locations: [join(resolved.path(resolved.config.migrations.sqlDir), database)],
    },
  ];
}

/** The files of one Flyway filesystem location; like Flyway, subdirectories are read too. */
export function readMigrationDir(dir: string): { migrations: DiskMigration[]; invalid: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }).map(String);
  } catch {
    return { migrations: [], invalid: [] };
  }
  const migrations: DiskMigration[] = [];
  const invalid: string[] = [];
  for (const path of names.sort()) {
    const full = join(dir, path);
    const base = path.split(sep).pop()!;
    const parsed = parseMigrationName(base);
    if (parsed.ok === "ignored") continue;
    if (!statSync(full).isFile()) continue;
    if (parsed.ok === false) {
      invalid.push(parsed.reason);
      continue;
    }
    // Flyway records a script by its path relative to the location.
    const script = relative(dir, full).split(sep).join("/");
    migrations.push({
      ...parsed.file,
      script,
      checksum: flywayChecksum(readFileSync(full)),
      location: dir,
    });
  }
  return { migrations, invalid };
}

function readLocations(dirs: readonly string[]) {
  const all = dirs.map(readMigrationDir);
  return {
    migrations: all.flatMap((r) => r.migrations),
    invalid: all.flatMap((r) => r.invalid),
  };
}

/** What to do about the first thing validate complains about. */
export function hintFor(error: StatusError): string {
  switch (error.code) {
    case "FAILED_VERSIONED_MIGRATION":
    case "FAILED_REPEATABLE_MIGRATION":
      return "remove the failed migration's half-done changes, fix it, then 'dev-bootstrap run-flyway-cli repair' and migrate again";
    case "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED":
    case "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED":
      return error.stateCode === "FUTURE_FAILED"
        ? "a newer branch's migration failed in this database: switch to that branch to fix it, or reset the database"
        : "an applied migration's file is gone: restore it, or 'dev-bootstrap run-flyway-cli repair' to mark it deleted (or FLYWAY_IGNORE_MIGRATION_PATTERNS=*:missing)";
    case "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED":
    case "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED":
      return error.stateCode === "IGNORED"
        ? "a migration older than the current version was never applied: give it a higher version, or set FLYWAY_OUT_OF_ORDER=true and migrate"
        : "migrate ('dev-bootstrap run-flyway-cli migrate' or run-migrations); before migrating, check with --allow-pending";
    case "OUTDATED_REPEATABLE_MIGRATION":
      return "a repeatable migration changed: migrate re-applies it; before migrating, check with --allow-pending";
    case "CHECKSUM_MISMATCH":
      return "a migration file changed after it was applied: restore it, or 'dev-bootstrap run-flyway-cli repair' if the change is intended";
    case "DESCRIPTION_MISMATCH":
    case "TYPE_MISMATCH":
      return "a migration file was renamed after it was applied: restore its name, or 'dev-bootstrap run-flyway-cli repair' if intended";
    case "INVALID_MIGRATION_NAME":
      return "rename the file to V<version>__<description>.sql or R__<description>.sql, or move it out of the migrations directory";
    case "INFO":
      if (error.message.startsWith("No migration with a target version"))
        return "check FLYWAY_TARGET (or migrations.flyway.target); a trailing '?' allows a target that does not exist";
      if (error.message.startsWith("Found more than one"))
        return "give every migration its own version (and every repeatable its own description)";
      return "flyway_schema_history holds rows Flyway did not write: fix them by hand, or reset the database";
  }
}

export async function flywayStatus(options: {
  resolved: ResolvedConfig;
  from: ConnectionSource;
  database?: string;
  log: CheckpointLogger;
  masker: SecretMasker;
  env: NodeJS.ProcessEnv;
  /** Validate as `migrate` does before migrating: pending and outdated migrations are fine. */
  allowPending?: boolean;
  signal?: AbortSignal;
}): Promise<StatusResult> {
  const { resolved, log } = options;
  const step = log.start("flyway:status", "reading flyway_schema_history of each database");
  let connections: Awaited<ReturnType<typeof loadConnections>>;
  let settings: FlywaySettings;
  try {
    settings = resolveFlywaySettings({
      env: options.env,
      config: resolved.config.migrations.flyway,
      allowPending: options.allowPending === true,
    });
    connections = await loadConnections({
      resolved,
      from: options.from,
      env: options.env,
      masker: options.masker,
      ...(options.database ? { only: options.database } : {}),
    });
  } catch (error) {
    if (isBootstrapError(error)) {
      step.fail(error.message, error.hint);
      error.step = "flyway:status";
    }
    throw error;
  }
  const databases = await Promise.all(
    connections.map(async (db): Promise<DatabaseReport> => {
      const groups = locationGroups(resolved, db.name);
      const base = { database: db.name, url: db.connection.url };
      let histories: HistoryRow[][];
      let baselineOnMigrate: string | undefined;
      try {
        const client = await openDatabase(db.connection, {
          attempts: 3,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        try {
          const schema = await inspectSchema(client);
          histories = [];
          for (const g of groups) histories.push(await readHistory(client, schema.schema, g.table));
          // What Flyway's baselineOnMigrate would do first; info and validate themselves
          // take the baseline from the BASELINE row only.
          if (!schema.historyExists && schema.otherObjects > 0)
            baselineOnMigrate = settings.baselineVersion ?? db.baselineVersion;
        } finally {
          await client.end().catch(() => {});
        }
      } catch (error) {
        return {
          ...base,
          currentVersion: undefined,
          healthy: false,
          error: (error as Error).message,
          groups: [],
        };
      }
      const reports = groups.map((g, i): GroupReport => {
        const disk = readLocations(g.locations);
        const status = computeStatus(histories[i] ?? [], disk.migrations, settings);
        if (settings.validateMigrationNaming && disk.invalid.length) {
          status.errors.push(
            ...disk.invalid.map((message) => ({
              code: "INVALID_MIGRATION_NAME" as const,
              message,
            })),
          );
          status.healthy = false;
        }
        return {
          group: g.name,
          table: g.table,
          locations: g.locations,
          invalidFiles: disk.invalid,
          ...status,
        };
      });
      return {
        ...base,
        currentVersion: reports[0]?.currentVersion,
        healthy: reports.every((g) => g.healthy),
        ...(baselineOnMigrate ? { baselineOnMigrate } : {}),
        groups: reports,
      };
    }),
  );
  const summary = databases
    .map((r) => {
      if (r.error) return `${r.database}: unreadable`;
      const errors = r.groups.reduce((n, g) => n + g.errors.length, 0);
      const pending = r.groups.reduce((n, g) => n + (g.counts.Pending ?? 0), 0);
      return `${r.database}: ${r.currentVersion ? `version ${r.currentVersion}` : "no version yet"}, ${pending} pending${errors ? `, validate failed (${errors} error${errors > 1 ? "s" : ""})` : ""}`;
    })
    .join("; ");
  const bad = databases.find((r) => !r.healthy);
  if (!bad) step.ok(summary);
  else if (bad.error) step.fail(bad.error, "check the connection (see the message)");
  else {
    const first = bad.groups.flatMap((g) => g.errors)[0]!;
    step.fail(`${summary} — ${bad.database}: ${first.message.split("\n")[0]}`, hintFor(first));
  }
  return { settings, databases };
}

/** An ASCII table like the one `flyway info` prints. */
function table(header: readonly string[], rows: readonly string[][], indent: string): string[] {
  if (rows.length === 0) return [`${indent}No migrations found`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = `${indent}+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const row = (cells: readonly string[]) =>
    `${indent}|${cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join("|")}|`;
  return [line, row(header), line, ...rows.map(row), line];
}

const HEADER = ["Category", "Version", "Description", "Type", "Installed On", "State"];

export function renderStatus(result: Pick<StatusResult, "databases">): string {
  const lines: string[] = [];
  for (const r of result.databases) {
    lines.push(`${r.database} (${r.url})`);
    if (r.error) {
      lines.push(`  error: ${r.error}`, "");
      continue;
    }
    for (const g of r.groups) {
      const indent = r.groups.length > 1 ? "    " : "  ";
      if (r.groups.length > 1) lines.push(`  ${g.group} (${g.table})`);
      lines.push(`${indent}Schema version: ${g.currentVersion ?? "<< Empty Schema >>"}`);
      lines.push(
        ...table(
          HEADER,
          g.migrations.map((m) => [
            m.category,
            m.version ?? "",
            m.description,
            m.type,
            (m.installedOn ?? "").slice(0, 19),
            m.state,
          ]),
          indent,
        ),
      );
      if (g.errors.length === 0) lines.push(`${indent}validate: ok`);
      else {
        lines.push(`${indent}validate: ${g.errors.length} error${g.errors.length > 1 ? "s" : ""}`);
        for (const e of g.errors) lines.push(`${indent}  ${e.message.replace(/\n/g, " ")}`);
      }
      if (!g.errors.some((e) => e.code === "INVALID_MIGRATION_NAME"))
        for (const f of g.invalidFiles)
          lines.push(
            `${indent}skipped: ${f} (Flyway skips it too unless validateMigrationNaming is set)`,
          );
    }
    if (r.baselineOnMigrate)
      lines.push(
        `  note: the schema has objects but no history; migrate will first baseline it at version ${r.baselineOnMigrate}`,
      );
    lines.push("");
  }
  return lines.join("\n");
}
