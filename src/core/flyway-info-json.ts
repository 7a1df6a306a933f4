/**
 * What `flyway info -outputType=json` prints for one database (flyway-core
 * CommandResultFactory.createInfoResult / createInfoOutput, InfoResult and
 * InfoOutput, Flyway 10.22), built from flyway-status's report so a script that
 * reads Flyway's JSON can read ours: same field names, same meanings. Pure.
 */
import type { MigrationStatus } from "./flyway-status.js";

/** The flyway-core release whose rules flyway-status follows (tag flyway-10.22.0). */
export const FLYWAY_RULES_VERSION = "10.22.0";

/** InfoOutput. */
export interface FlywayInfoOutput {
  category: string;
  version: string;
  rawVersion: string;
  description: string;
  type: string;
  installedOnUTC: string;
  state: string;
  undoable: string;
  filepath: string;
  undoFilepath: string;
  installedBy: string;
  shouldExecuteExpression: null;
  executionTime: number;
}

/** InfoResult (HtmlResult's timestamp and operation included). */
export interface FlywayInfoResult {
  timestamp: string;
  operation: "info";
  flywayVersion: string;
  database: string;
  /** MigrationVersion.getVersion() of current(): null before any version. */
  schemaVersion: string | null;
  /** The configured schemas, joined by ", " ("" when none are set). */
  schemaName: string;
  migrations: FlywayInfoOutput[];
  allSchemasEmpty: boolean;
}

/**
 * Date.toInstant().toString() for a TIMESTAMP read in UTC (the Flyway image's JVM
 * time zone): ISO-8601 with as many fraction digits as needed (0, 3, 6).
 */
export function installedOnUtc(stored: string | null): string {
  if (!stored) return "";
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?/.exec(stored);
  if (!m) return "";
  // The row's installed_on is a java.sql.Timestamp, whose toInstant keeps the microseconds;
  // Instant.toString prints the fraction in groups of three digits, none when zero.
  const micros = (m[3] ?? "").padEnd(6, "0");
  const fraction =
    micros === "000000" ? "" : micros.endsWith("000") ? `.${micros.slice(0, 3)}` : `.${micros}`;
  return `${m[1]}T${m[2]}${fraction}Z`;
}

export function flywayInfoOutput(m: MigrationStatus): FlywayInfoOutput {
  return {
    category: m.category,
    version: m.version ?? "",
    rawVersion: m.rawVersion ?? "",
    description: m.description,
    type: m.type,
    installedOnUTC: installedOnUtc(m.installedOn),
    state: m.state,
    // CommandResultFactory.getUndoableStatus: every versioned line, DELETE rows too.
    undoable: m.version !== undefined ? "No" : "",
    filepath: m.filepath ?? "",
    undoFilepath: "",
    installedBy: m.installedBy ?? "",
    shouldExecuteExpression: null,
    executionTime: m.executionTime ?? 0,
  };
}

export function flywayInfoResult(report: {
  database: string;
  currentVersion: string | undefined;
  schemas: readonly string[];
  migrations: readonly MigrationStatus[];
  allSchemasEmpty: boolean;
  now: Date;
}): FlywayInfoResult {
  return {
    // LocalDateTime.now().toString(), without a zone.
    // Stryker disable next-line Regex: an ISO string has its only Z at the end
    timestamp: report.now.toISOString().replace(/Z$/, ""),
    operation: "info",
    flywayVersion: FLYWAY_RULES_VERSION,
    database: report.database,
    schemaVersion: report.currentVersion ?? null,
    schemaName: report.schemas.join(", "),
    migrations: report.migrations.map(flywayInfoOutput),
    allSchemasEmpty: report.allSchemasEmpty,
  };
}
