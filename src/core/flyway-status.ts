/**
 * Schema status from flyway_schema_history and the files on disk, the way
 * `flyway info` reports it: current version, applied / pending / failed,
 * migrations whose file changed after it was applied, and applied migrations
 * whose file is gone. Pure.
 */
import { compareVersions, type MigrationFile } from "./flyway-files.js";

/** A row of flyway_schema_history, as Flyway creates the table on PostgreSQL. */
export interface HistoryRow {
  installed_rank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  success: boolean;
}

export interface DiskMigration extends MigrationFile {
  checksum: number;
}

export type MigrationState =
  | "applied"
  | "pending"
  | "failed"
  | "changed"
  | "missing"
  | "outdated"
  | "below-baseline"
  | "ignored"
  | "baseline";

export interface MigrationStatus {
  version?: string;
  description: string;
  script: string;
  kind: "versioned" | "repeatable" | "baseline";
  state: MigrationState;
}

export interface DatabaseStatus {
  currentVersion: string | undefined;
  counts: Record<"applied" | "pending" | "failed" | "changed" | "missing", number>;
  migrations: MigrationStatus[];
  /** Failed or changed migrations, or files gone: what makes `flyway validate` fail. */
  healthy: boolean;
}

export function computeStatus(
  history: readonly HistoryRow[],
  disk: readonly DiskMigration[],
): DatabaseStatus {
  const rows = [...history].sort((a, b) => a.installed_rank - b.installed_rank);
  const migrations: MigrationStatus[] = [];
  const versionedRows = new Map<string, HistoryRow>();
  const repeatableRows = new Map<string, HistoryRow>();
  let baseline: string | undefined;
  let current: string | undefined;
  for (const row of rows) {
    if (row.type === "SCHEMA") continue;
    if (row.type === "BASELINE" && row.version) {
      baseline = row.version;
      migrations.push({
        version: row.version,
        description: row.description,
        script: row.script,
        kind: "baseline",
        state: "baseline",
      });
      if (row.success && (!current || compareVersions(row.version, current) > 0))
        current = row.version;
      continue;
    }
    if (row.version) {
      // The latest row for a version wins (a repair or re-run leaves a newer one).
      versionedRows.set(row.version, row);
      if (row.success && (!current || compareVersions(row.version, current) > 0))
        current = row.version;
    } else repeatableRows.set(row.description, row);
  }

  const onDisk = new Map(disk.filter((d) => d.version).map((d) => [d.version!, d]));
  const versions = new Set([...onDisk.keys(), ...versionedRows.keys()]);
  for (const version of [...versions].sort(compareVersions)) {
    const file = onDisk.get(version);
    const row = [...versionedRows.entries()].find(([v]) => compareVersions(v, version) === 0)?.[1];
    const base = {
      version,
      description: file?.description ?? row?.description ?? "",
      script: file?.script ?? row?.script ?? "",
      kind: "versioned" as const,
    };
    if (row) {
      if (!row.success) migrations.push({ ...base, state: "failed" });
      else if (!file) migrations.push({ ...base, state: "missing" });
      else if (row.checksum !== null && row.checksum !== file.checksum)
        migrations.push({ ...base, state: "changed" });
      else migrations.push({ ...base, state: "applied" });
      continue;
    }
    if (baseline && compareVersions(version, baseline) <= 0)
      migrations.push({ ...base, state: "below-baseline" });
    else if (current && compareVersions(version, current) < 0)
      migrations.push({ ...base, state: "ignored" });
    else migrations.push({ ...base, state: "pending" });
  }
  for (const file of disk.filter((d) => d.kind === "repeatable")) {
    const row = repeatableRows.get(file.description);
    const base = {
      description: file.description,
      script: file.script,
      kind: "repeatable" as const,
    };
    if (!row) migrations.push({ ...base, state: "pending" });
    else if (!row.success) migrations.push({ ...base, state: "failed" });
    else if (row.checksum !== file.checksum) migrations.push({ ...base, state: "outdated" });
    else migrations.push({ ...base, state: "applied" });
  }
  const count = (...states: MigrationState[]) =>
    migrations.filter((m) => states.includes(m.state)).length;
  const counts = {
    applied: count("applied"),
    // An outdated repeatable is re-applied on the next migrate: it is pending.
    pending: count("pending", "outdated"),
    failed: count("failed"),
    changed: count("changed"),
    missing: count("missing"),
  };
  return {
    currentVersion: current,
    counts,
    migrations,
    healthy: counts.failed === 0 && counts.changed === 0 && counts.missing === 0,
  };
}
