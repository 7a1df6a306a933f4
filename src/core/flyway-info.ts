/**
 * `flyway info` without a JVM: pairs the rows of flyway_schema_history with the
 * migration files on disk and gives each pair Flyway's state, in Flyway's
 * order. The rules are flyway-core's (Flyway 10):
 * `MigrationInfoServiceImpl.refresh()` for pairing, deleted rows, out-of-order
 * rows, the last applied / last resolved versions and `target`;
 * `BaseAppliedMigration.getState()` for rows and `ResolvedMigration.getState()`
 * for files without a row; `MigrationInfoImpl.compareTo()` for the order;
 * `MigrationInfoServiceImpl.current()` for the current version. Pure.
 */
import { compareVersions } from "./flyway-files.js";
import {
  type Context,
  checksumMatches,
  cmp,
  compareInfos,
  current,
  stateOf,
  VERSION,
  versionKey,
  versionOf,
} from "./flyway-info-state.js";
import type { DiskMigration, HistoryRow, MigrationInfo } from "./flyway-info-types.js";
import type { Target } from "./flyway-settings.js";
import { isBaselineType, isSyntheticType } from "./flyway-states.js";

export type { DiskMigration, HistoryRow, MigrationInfo } from "./flyway-info-types.js";

/** Something that stops Flyway before it can report (duplicate versions, a target that does not exist). */
export class FlywayInfoError extends Error {}

interface InfoOptions {
  target: Target;
  outOfOrder: boolean;
}

interface InfoResult {
  migrations: MigrationInfo[];
  /** flyway-core `current()`: the highest applied version (or undefined). */
  currentVersion: string | undefined;
  /** The highest BASELINE row's version: files at or below it are never applied. */
  appliedBaseline: string | undefined;
}
export function computeInfo(
  history: readonly HistoryRow[],
  files: readonly DiskMigration[],
  options: InfoOptions,
): InfoResult {
  for (const row of history) {
    if (row.version !== null && !VERSION.test(row.version))
      throw new FlywayInfoError(
        `flyway_schema_history row ${row.installed_rank} has version '${row.version}', which is not a Flyway version`,
      );
  }
  const ctx: Context = {
    outOfOrder: options.outOfOrder,
    // Stryker disable next-line ObjectLiteral,StringLiteral: only a "version" target puts a file above it; "none" names no other rule
    target: { kind: "none" },
    appliedBaseline: undefined,
    pendingBaseline: undefined,
    lastResolved: undefined,
    lastApplied: undefined,
    latestRepeatableRuns: new Map(),
  };

  // Resolved migrations: one per version and type (a baseline migration may share a
  // regular one's version), one per repeatable description (the resolver refuses duplicates).
  const keyOf = (version: string, type: string) => `${versionKey(version)} ${type}`;
  const resolvedVersioned = new Map<string, DiskMigration>();
  const resolvedRepeatable = new Map<string, DiskMigration>();
  for (const file of files) {
    if (file.version !== undefined) {
      const key = keyOf(file.version, file.type);
      const other = resolvedVersioned.get(key);
      if (other)
        throw new FlywayInfoError(
          `Found more than one migration with version ${file.version} (${other.script}, ${file.script})`,
        );
      resolvedVersioned.set(key, file);
      if (cmp(file.version, ctx.lastResolved) > 0) ctx.lastResolved = file.version;
    } else {
      const other = resolvedRepeatable.get(file.description);
      if (other)
        throw new FlywayInfoError(
          `Found more than one repeatable migration with description ${file.description} (${other.script}, ${file.script})`,
        );
      resolvedRepeatable.set(file.description, file);
    }
  }

  const rows = [...history].sort((a, b) => a.installed_rank - b.installed_rank);
  const versioned: MigrationInfo[] = [];
  const repeatable: MigrationInfo[] = [];
  for (const row of rows) {
    const list = row.version === null ? repeatable : versioned;
    if (row.version !== null && isBaselineType(row.type)) {
      if (cmp(row.version, ctx.appliedBaseline) > 0) ctx.appliedBaseline = row.version;
    }
    const isDelete = row.type === "DELETE" && row.success;
    // getAppliedVersionedMigrations: a versioned DELETE row only marks; it is not listed.
    if (!(isDelete && row.version !== null))
      // Stryker disable next-line StringLiteral: stateOf gives every line its state below
      list.push({ state: "PENDING", applied: row, deleted: false, outOfOrder: false });
    if (isDelete) {
      // markAsDeleted / markRepeatableAsDeleted: the latest earlier non-synthetic row of the same migration.
      const same = (i: MigrationInfo) =>
        row.version === null
          ? i.applied!.description === row.description
          : i.applied!.version !== null && compareVersions(i.applied!.version, row.version) === 0;
      for (let i = list.length - 1; i >= 0; i--) {
        const target = list[i]!;
        if (isSyntheticType(target.applied!.type) || !same(target)) continue;
        if (target.deleted && row.version !== null)
          throw new FlywayInfoError(
            `Corrupted schema history: multiple delete entries for version ${row.version}`,
          );
        target.deleted = true;
        break;
      }
    }
  }

  // updateContextFromAppliedVersionedMigrations: last applied version, and rows applied out of order.
  for (const info of versioned) {
    const row = info.applied!;
    if (cmp(row.version!, ctx.lastApplied) > 0) {
      // A versioned DELETE row is never in this list (it only marks), so its type never matches here.
      // Stryker disable next-line StringLiteral: see above
      if (row.type !== "DELETE" && !info.deleted) ctx.lastApplied = row.version!;
    } else info.outOfOrder = true;
  }

  if (options.target.kind === "current") ctx.target = { kind: "version", version: ctx.lastApplied };
  else if (options.target.kind === "version")
    ctx.target = { kind: "version", version: options.target.version };
  else if (options.target.kind === "next") ctx.target = { kind: "next" };

  // A versioned row pairs with the file of the same version and type.
  const matched = new Set<DiskMigration>();
  for (const info of versioned) {
    const row = info.applied!;
    const file = resolvedVersioned.get(keyOf(row.version!, row.type));
    if (file) {
      info.resolved = file;
      if (!info.deleted) matched.add(file);
    }
  }
  const pendingVersioned = [...resolvedVersioned.values()]
    .filter((f) => !matched.has(f))
    .map(
      // Stryker disable next-line StringLiteral: stateOf gives every line its state below
      (f): MigrationInfo => ({ state: "PENDING", resolved: f, deleted: false, outOfOrder: false }),
    );
  for (const info of pendingVersioned) {
    const f = info.resolved!;
    if (f.kind === "baseline" && cmp(f.version, ctx.pendingBaseline) > 0)
      ctx.pendingBaseline = f.version;
  }

  if (options.target.kind === "version" && options.target.failOnMissing) {
    const wanted = options.target.version;
    const found = [...versioned, ...pendingVersioned].some(
      (i) => compareVersions(versionOf(i)!, wanted) === 0,
    );
    if (!found)
      throw new FlywayInfoError(
        `No migration with a target version ${wanted} could be found. Ensure target is specified correctly and the migration exists.`,
      );
  }

  for (const info of repeatable) {
    const row = info.applied!;
    // A DELETE row is synthetic, so never marked deleted itself: skipping a deleted run or not,
    // the DELETE row after it is the latest run.
    // Stryker disable next-line LogicalOperator,EqualityOperator,StringLiteral: see above
    if (info.deleted && row.type === "DELETE") continue;
    const latest = ctx.latestRepeatableRuns.get(row.description);
    if (latest === undefined || row.installed_rank > latest)
      ctx.latestRepeatableRuns.set(row.description, row.installed_rank);
  }
  const upToDate = new Set<DiskMigration>();
  for (const info of repeatable) {
    const row = info.applied!;
    const file = resolvedRepeatable.get(row.description);
    if (!file) continue;
    info.resolved = file;
    const latest = ctx.latestRepeatableRuns.get(row.description) === row.installed_rank;
    if (!info.deleted && row.type !== "DELETE" && latest && checksumMatches(file, row.checksum))
      upToDate.add(file);
  }
  const pendingRepeatable = [...resolvedRepeatable.values()]
    .filter((f) => !upToDate.has(f))
    .map(
      (f): MigrationInfo => ({ state: "PENDING", resolved: f, deleted: false, outOfOrder: false }),
    );

  const all = [...versioned, ...pendingVersioned, ...repeatable, ...pendingRepeatable];
  for (const info of all) info.state = stateOf(info, ctx);
  all.sort(compareInfos);

  if (ctx.target.kind === "next") {
    // The first pending migration becomes the target; everything after it is above target.
    const first = all.find((i) => i.state === "PENDING");
    const version = first ? versionOf(first) : undefined;
    ctx.target = version === undefined ? { kind: "none" } : { kind: "version", version };
    for (const info of all) info.state = stateOf(info, ctx);
  }

  return {
    migrations: all,
    currentVersion: current(all),
    appliedBaseline: ctx.appliedBaseline,
  };
}
