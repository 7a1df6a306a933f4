/**
 * The state and order of one `flyway info` row, by flyway-core's rules (Flyway 10):
 * `ResolvedMigration.getState()` for a file without a row,
 * `BaseAppliedMigration.getState()` for a row, `MigrationInfoImpl.compareTo()`
 * for the order and `MigrationInfoServiceImpl.current()` for the current version. Pure.
 */
import { compareVersions } from "./flyway-files.js";
import type { DiskMigration, HistoryRow, MigrationInfo } from "./flyway-info-types.js";
import { isApplied, isBaselineType, type MigrationState } from "./flyway-states.js";

/** Version comparison where undefined is Flyway's MigrationVersion.EMPTY (below every version). */
export function cmp(a: string | undefined, b: string | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  return compareVersions(a, b);
}

export const VERSION = /^\d+(?:\.\d+)*$/;

/** One key per version by Flyway's equality (1.0 = 1, 01 = 1). */
export function versionKey(version: string): string {
  const parts = version.split(".").map((p) => BigInt(p));
  while (parts.length > 1 && parts[parts.length - 1] === 0n) parts.pop();
  return parts.join(".");
}

export interface Context {
  outOfOrder: boolean;
  /** undefined: no target; "next": resolved after sorting; otherwise a version (EMPTY = undefined inside). */
  target: { kind: "none" } | { kind: "next" } | { kind: "version"; version: string | undefined };
  appliedBaseline: string | undefined;
  /** The highest baseline migration (B file) not applied yet. */
  pendingBaseline: string | undefined;
  lastResolved: string | undefined;
  lastApplied: string | undefined;
  latestRepeatableRuns: Map<string, number>;
}

/** ResolvedMigration.getState: a file without a row. */
function resolvedState(file: DiskMigration, ctx: Context): MigrationState {
  if (file.version === undefined) return "PENDING";
  // Measured against the pending baseline migration on an empty history, else the applied baseline.
  const baseline = ctx.lastApplied === undefined ? ctx.pendingBaseline : ctx.appliedBaseline;
  if (baseline !== undefined) {
    const c = compareVersions(file.version, baseline);
    if (c < 0) return "BELOW_BASELINE";
    if (c === 0) return "BASELINE_IGNORED";
  }
  if (ctx.target.kind === "version" && cmp(file.version, ctx.target.version) > 0)
    return "ABOVE_TARGET";
  if (cmp(file.version, ctx.lastApplied) < 0 && !ctx.outOfOrder) return "IGNORED";
  return "PENDING";
}

/**
 * BaselineResolvedMigration.getState: a baseline migration runs only on an empty
 * history, and then only the highest one.
 */
function baselineFileState(file: DiskMigration, ctx: Context): MigrationState {
  const state = resolvedState(file, ctx);
  const historyStarted = ctx.appliedBaseline !== undefined || ctx.lastApplied !== undefined;
  if (state === "PENDING" && historyStarted) return "IGNORED";
  if (
    state === "BASELINE_IGNORED" &&
    ctx.pendingBaseline !== undefined &&
    compareVersions(file.version!, ctx.pendingBaseline) === 0
  )
    return historyStarted ? "BASELINE_IGNORED" : "PENDING";
  return state;
}

/** ResolvedMigration.checksumMatches: the checksum after placeholders, or (repeatables) before. */
export function checksumMatches(file: DiskMigration, checksum: number | null): boolean {
  return (
    checksum === file.checksum ||
    (file.equivalentChecksum !== undefined && checksum === file.equivalentChecksum)
  );
}

/** BaseAppliedMigration.getMissingState: a row without its file. */
function missingState(
  info: MigrationInfo,
  row: HistoryRow,
  ctx: Context,
): MigrationState | undefined {
  const latestRun =
    row.version !== null ||
    !ctx.latestRepeatableRuns.has(row.description) ||
    ctx.latestRepeatableRuns.get(row.description) === row.installed_rank;
  if (info.resolved || !latestRun) return undefined;
  if (row.type === "SCHEMA") return "SUCCESS";
  if (row.version === null || cmp(row.version, ctx.lastResolved) < 0)
    return row.success ? "MISSING_SUCCESS" : "MISSING_FAILED";
  return row.success ? "FUTURE_SUCCESS" : "FUTURE_FAILED";
}

/** Rows of baseline migrations (BaselineAppliedMigration.handlesType). */
const isBaselineMigrationRow = (type: string) => /^(SQL|JDBC)_BASELINE$/i.test(type);

/** BaseAppliedMigration.getState (BaselineAppliedMigration's for baseline migrations): a row. */
function appliedState(info: MigrationInfo, row: HistoryRow, ctx: Context): MigrationState {
  if (row.type === "DELETE") return "SUCCESS";
  const missing = missingState(info, row, ctx);
  if (isBaselineType(row.type)) {
    if (!isBaselineMigrationRow(row.type)) return "BASELINE";
    if (!row.success) return "FAILED";
    return missing ?? "BASELINE";
  }
  if (missing) return missing;
  if (!row.success) return "FAILED";
  if (row.type === "SCHEMA") return "SUCCESS";
  if (row.version === null) {
    if (ctx.latestRepeatableRuns.get(row.description) !== row.installed_rank) return "SUPERSEDED";
    return info.resolved && checksumMatches(info.resolved, row.checksum) ? "SUCCESS" : "OUTDATED";
  }
  return info.outOfOrder ? "OUT_OF_ORDER" : "SUCCESS";
}

export function stateOf(info: MigrationInfo, ctx: Context): MigrationState {
  if (info.deleted) return "DELETED";
  if (!info.applied)
    return info.resolved!.kind === "baseline"
      ? baselineFileState(info.resolved!, ctx)
      : resolvedState(info.resolved!, ctx);
  return appliedState(info, info.applied, ctx);
}

export const versionOf = (i: MigrationInfo): string | undefined =>
  // Stryker disable next-line OptionalChaining: a line without a row always has its file
  i.applied ? (i.applied.version ?? undefined) : i.resolved?.version;
const descriptionOf = (i: MigrationInfo): string =>
  // Stryker disable next-line OptionalChaining,StringLiteral: a line without a row always has its file, whose description is a string
  i.applied ? i.applied.description : (i.resolved?.description ?? "");
const typeOf = (i: MigrationInfo): string => i.applied?.type ?? i.resolved?.type ?? "SQL";

const belowBaseline = (s: MigrationState) => s === "BELOW_BASELINE" || s === "BASELINE_IGNORED";

/** MigrationInfoImpl.compareTo (Flyway 10). */
export function compareInfos(a: MigrationInfo, b: MigrationInfo): number {
  const ra = a.applied?.installed_rank;
  const rb = b.applied?.installed_rank;
  if (ra !== undefined && rb !== undefined) return ra - rb;
  // Files below or at the baseline come before applied rows.
  if (belowBaseline(a.state) && isApplied(b.state)) return -1;
  if (isApplied(a.state) && belowBaseline(b.state)) return 1;
  // Installed before pending.
  if (ra !== undefined) return -1;
  if (rb !== undefined) return 1;
  const va = versionOf(a);
  const vb = versionOf(b);
  if (va !== undefined && vb !== undefined) {
    const c = compareVersions(va, vb);
    if (c !== 0) return c;
    // compareVersion: at one version, a baseline migration after the regular one.
    const ba = isBaselineType(typeOf(a));
    const bb = isBaselineType(typeOf(b));
    return ba === bb ? 0 : ba ? 1 : -1;
  }
  // Versioned before repeatable; repeatables by description (Java String.compareTo).
  if (va !== undefined) return -1;
  if (vb !== undefined) return 1;
  const da = descriptionOf(a);
  const db = descriptionOf(b);
  return da < db ? -1 : da > db ? 1 : 0;
}

/** MigrationInfoServiceImpl.current(): the highest applied, not deleted, versioned migration. */
export function current(all: readonly MigrationInfo[]): string | undefined {
  let best: string | undefined;
  for (const info of all) {
    const v = versionOf(info);
    if (
      isApplied(info.state) &&
      info.state !== "DELETED" &&
      // Stryker disable next-line OptionalChaining: a line in an applied state always has its row
      info.applied?.type !== "DELETE" &&
      v !== undefined &&
      cmp(v, best) > 0
    )
      best = v;
  }
  return best;
}
