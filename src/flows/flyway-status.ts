/**
 * flyway-status: every database's schema state in milliseconds, without a JVM:
 * flyway_schema_history read directly, compared with the files on disk by
 * Flyway's own naming, ordering and checksum rules.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import { flywayChecksum, parseMigrationName } from "../core/flyway-files.js";
import { computeStatus, type DatabaseStatus, type DiskMigration } from "../core/flyway-status.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger } from "../log/logger.js";
import { type ConnectionSource, loadConnections } from "./flyway-connections.js";
import { inspectSchema, openDatabase, readHistory } from "./flyway-db.js";

export interface DatabaseReport extends DatabaseStatus {
  database: string;
  url: string;
  /** Set when the database could not be read. */
  error?: string;
  /** File names Flyway would reject. */
  invalidFiles: string[];
}

export function readMigrationDir(dir: string): { migrations: DiskMigration[]; invalid: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { migrations: [], invalid: [] };
  }
  const migrations: DiskMigration[] = [];
  const invalid: string[] = [];
  for (const name of names.sort()) {
    const parsed = parseMigrationName(name);
    if (parsed.ok === "ignored") continue;
    if (parsed.ok === false) {
      invalid.push(parsed.reason);
      continue;
    }
    migrations.push({ ...parsed.file, checksum: flywayChecksum(readFileSync(join(dir, name))) });
  }
  return { migrations, invalid };
}

export async function flywayStatus(options: {
  resolved: ResolvedConfig;
  from: ConnectionSource;
  database?: string;
  log: CheckpointLogger;
  masker: SecretMasker;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<DatabaseReport[]> {
  const { resolved, log } = options;
  const step = log.start("flyway:status", "reading flyway_schema_history of each database");
  let connections: Awaited<ReturnType<typeof loadConnections>>;
  try {
    connections = await loadConnections({
      resolved,
      from: options.from,
      env: options.env,
      masker: options.masker,
      ...(options.database ? { only: options.database } : {}),
    });
  } catch (error) {
    if (error instanceof StepError) {
      step.fail(error.message, error.hint);
      error.step = "flyway:status";
    }
    throw error;
  }
  const sqlDir = resolved.path(resolved.config.migrations.sqlDir);
  const reports = await Promise.all(
    connections.map(async (db): Promise<DatabaseReport> => {
      const { migrations, invalid } = readMigrationDir(join(sqlDir, db.name));
      const base = { database: db.name, url: db.connection.url, invalidFiles: invalid };
      try {
        const client = await openDatabase(db.connection, {
          attempts: 3,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        try {
          const state = await inspectSchema(client);
          const history = state.historyExists ? await readHistory(client, state.schema) : [];
          return { ...base, ...computeStatus(history, migrations) };
        } finally {
          await client.end().catch(() => {});
        }
      } catch (error) {
        const status = computeStatus([], migrations);
        return { ...base, ...status, healthy: false, error: (error as Error).message };
      }
    }),
  );
  const bad = reports.filter((r) => !r.healthy || r.invalidFiles.length);
  const summary = reports
    .map((r) =>
      r.error
        ? `${r.database}: unreadable`
        : `${r.database}: ${r.currentVersion ? `version ${r.currentVersion}` : "no version yet"}, ${r.counts.pending} pending${r.counts.failed ? `, ${r.counts.failed} failed` : ""}${r.counts.changed ? `, ${r.counts.changed} changed` : ""}${r.counts.missing ? `, ${r.counts.missing} missing` : ""}`,
    )
    .join("; ");
  if (bad.length === 0) step.ok(summary);
  else {
    const first = bad[0]!;
    step.fail(
      first.error ?? summary,
      first.error
        ? "check the connection (see the message)"
        : first.counts.changed
          ? "a migration file changed after it was applied: restore it, or run 'dev-bootstrap run-flyway-cli repair' if the change is intended"
          : first.counts.failed
            ? "fix the failed migration, then 'dev-bootstrap run-flyway-cli repair' and migrate again"
            : first.counts.missing
              ? "an applied migration's file is gone: restore it"
              : "rename the files Flyway would reject",
    );
  }
  return reports;
}

export function renderStatus(reports: readonly DatabaseReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${r.database} (${r.url})`);
    if (r.error) {
      lines.push(`  error: ${r.error}`, "");
      continue;
    }
    lines.push(
      `  current version: ${r.currentVersion ?? "(none)"}   applied ${r.counts.applied}, pending ${r.counts.pending}, failed ${r.counts.failed}, changed ${r.counts.changed}, missing ${r.counts.missing}`,
    );
    for (const m of r.migrations) {
      if (m.state === "applied" || m.state === "below-baseline") continue;
      lines.push(`  ${m.state.padEnd(9)} ${(m.version ?? "R").padEnd(8)} ${m.description}`);
    }
    for (const f of r.invalidFiles) lines.push(`  invalid   ${f}`);
    lines.push("");
  }
  return `${lines.join("\n")}`;
}
