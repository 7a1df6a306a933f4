/**
 * Flyway's migration states, by the names and flags of flyway-core's
 * `org.flywaydb.core.api.MigrationState` (Flyway 10), so our output can be
 * compared line by line with `flyway info`.
 *
 * `resolved`: a local file exists; `applied`: a history row exists; `failed`:
 * that row has success = false. UNDONE and AVAILABLE belong to undo migrations
 * (`U` files, a paid Flyway edition); we read no undo files, so they never occur
 * here, but the names are kept so the set stays Flyway's.
 */

export const MIGRATION_STATES = {
  PENDING: { display: "Pending", resolved: true, applied: false, failed: false },
  ABOVE_TARGET: { display: "Above Target", resolved: true, applied: false, failed: false },
  BELOW_BASELINE: { display: "Below Baseline", resolved: true, applied: false, failed: false },
  BASELINE_IGNORED: {
    display: "Ignored (Baseline)",
    resolved: true,
    applied: false,
    failed: false,
  },
  BASELINE: { display: "Baseline", resolved: true, applied: true, failed: false },
  IGNORED: { display: "Ignored", resolved: true, applied: false, failed: false },
  MISSING_SUCCESS: { display: "Missing", resolved: false, applied: true, failed: false },
  MISSING_FAILED: { display: "Failed (Missing)", resolved: false, applied: true, failed: true },
  SUCCESS: { display: "Success", resolved: true, applied: true, failed: false },
  UNDONE: { display: "Undone", resolved: true, applied: true, failed: false },
  AVAILABLE: { display: "Available", resolved: true, applied: false, failed: false },
  FAILED: { display: "Failed", resolved: true, applied: true, failed: true },
  OUT_OF_ORDER: { display: "Out of Order", resolved: true, applied: true, failed: false },
  FUTURE_SUCCESS: { display: "Future", resolved: false, applied: true, failed: false },
  FUTURE_FAILED: { display: "Failed (Future)", resolved: false, applied: true, failed: true },
  OUTDATED: { display: "Outdated", resolved: true, applied: true, failed: false },
  SUPERSEDED: { display: "Superseded", resolved: true, applied: true, failed: false },
  DELETED: { display: "Deleted", resolved: false, applied: true, failed: false },
} as const;

export type MigrationState = keyof typeof MIGRATION_STATES;

export const displayName = (state: MigrationState): string => MIGRATION_STATES[state].display;
export const isApplied = (state: MigrationState): boolean => MIGRATION_STATES[state].applied;
export const isFailed = (state: MigrationState): boolean => MIGRATION_STATES[state].failed;

/**
 * History row types Flyway treats specially (flyway-core `CoreMigrationType`):
 * synthetic rows (SCHEMA, BASELINE, DELETE) have no file behind them; BASELINE
 * and the `*_BASELINE` types are baselines.
 */
export const isSyntheticType = (type: string): boolean =>
  type === "SCHEMA" || type === "BASELINE" || type === "DELETE";
export const isBaselineType = (type: string): boolean =>
  type === "BASELINE" || type.endsWith("_BASELINE");
