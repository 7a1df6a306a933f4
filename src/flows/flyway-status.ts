/**
 * flyway-status: every database's `flyway info` and `flyway validate` in
 * milliseconds, without a JVM: flyway_schema_history read directly, compared
 * with the files in the database's Flyway locations (flyway-locations.ts) by
 * Flyway's own naming, ordering, checksum and state rules
 * (src/core/flyway-info.ts, flyway-validate.ts).
 */
import type { ResolvedConfig } from "../config/resolve.js";
import { renderJdbcUrl } from "../core/connection.js";
import { isBootstrapError } from "../core/errors.js";
import { type FlywayInfoResult, flywayInfoResult } from "../core/flyway-info-json.js";
import { placeholderTimestamp } from "../core/flyway-placeholders.js";
import {
  DEFAULT_NAMING,
  DEFAULT_PLACEHOLDERS,
  type FlywayNamingSettings,
  type FlywayPlaceholderSettings,
  type FlywaySettings,
} from "../core/flyway-settings.js";
import {
  computeStatus,
  type DatabaseStatus,
  type HistoryRow,
  type StatusError,
} from "../core/flyway-status.js";
import type { CheckpointLogger } from "../log/logger.js";
import {
  type ConnectionSource,
  type DatabaseConnection,
  loadConnections,
} from "./flyway-connections.js";
import {
  HISTORY_TABLE,
  inspectSchemaFacts,
  openDatabase,
  queryTimeoutMs,
  readHistory,
} from "./flyway-db.js";
import { migrationLocations } from "./flyway-locations.js";
import { scanLocation } from "./flyway-scan.js";
import { loadFlywaySettings } from "./flyway-settings.js";
import type { Host } from "./host.js";
import { step } from "./step.js";

interface DatabaseReport extends DatabaseStatus {
  database: string;
  url: string;
  /** The Flyway locations read, as written in the config. */
  locations: string[];
  /** File names Flyway would not read as migrations. */
  invalidFiles: string[];
  /** Set when the database could not be read. */
  error?: string;
  /** A schema with objects but no history: the version `migrate` would baseline at, if known. */
  baselineOnMigrate?: string;
  /** What `flyway info -outputType=json` prints for this database (its fields and meanings). */
  flywayInfo?: FlywayInfoResult;
}

interface StatusResult {
  settings: FlywaySettings;
  databases: DatabaseReport[];
}

const UNREADABLE_HINT =
  "Flyway reads migrations in its encoding (FLYWAY_ENCODING, UTF-8 by default) and stops at this file: save it in that encoding, or set FLYWAY_ENCODING to the one it is in";

/** What to do about a location Flyway cannot read. */
function unreadableHint(message: string): string {
  if (message.includes("symbolic link loop"))
    return "a symbolic link in the migrations location leads back above itself: remove or fix it";
  // A script's .conf is named first in its own errors ("V1__x.sql.conf: …"); a migration
  // whose name merely holds ".conf" is the file Flyway cannot decode.
  if (message.includes(".conf: "))
    return "fix the script's own .conf (Flyway reads encoding and placeholderReplacement there)";
  return UNREADABLE_HINT;
}

/** What to do about the first thing validate complains about. */
export function hintFor(error: StatusError): string {
  switch (error.code) {
    case "FAILED_VERSIONED_MIGRATION":
    case "FAILED_REPEATABLE_MIGRATION":
      return "remove the failed migration's half-done changes, fix it, then 'dev-bootstrap run-flyway-cli repair' and migrate again";
    case "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED":
    case "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED":
      return "an applied migration's file is gone: restore it, or 'dev-bootstrap run-flyway-cli repair' to mark it deleted (or FLYWAY_IGNORE_MIGRATION_PATTERNS=*:missing)";
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
    case "SCHEMA_DOES_NOT_EXIST":
      return "the schema Flyway keeps its history in does not exist yet: migrate creates it ('dev-bootstrap run-flyway-cli migrate' or run-migrations); before migrating, check with --allow-pending";
    case "INVALID_MIGRATION_NAME":
      return "rename the file to V<version>__<description>.sql, R__<description>.sql or B<version>__<description>.sql, or move it out of the migrations directory";
    case "INFO":
      if (error.message.startsWith("No migration with a target version"))
        return "check FLYWAY_TARGET (or migrations.flyway.target); a trailing '?' allows a target that does not exist";
      if (
        error.message.startsWith("No value provided for placeholder") ||
        error.message.startsWith("Failed to populate value for default placeholder") ||
        error.message.startsWith("Unable to parse placeholder")
      )
        return "give the placeholder a value (FLYWAY_PLACEHOLDERS_<NAME>, or placeholders in flyway.toml / flyway.conf), or turn replacement off for the script (placeholderReplacement=false in <script>.conf)";
      if (error.message.startsWith("Found more than one"))
        return "give every migration its own version (and every repeatable its own description)";
      return "flyway_schema_history holds rows Flyway did not write: fix them by hand, or reset the database";
  }
}

/**
 * What Flyway's rules need beyond FlywaySettings: the history table, the schemas,
 * the naming and placeholder settings and the TOML environment. The full settings
 * resolver (flows/flyway-settings.ts) gives them all; a FlywaySettings without
 * them stands for Flyway 10's defaults.
 */
interface RulesSettings {
  table: string;
  schemas: string[];
  historySchema: string | undefined;
  naming: FlywayNamingSettings;
  placeholders: FlywayPlaceholderSettings;
  environment: string;
}

function rulesOf(settings: FlywaySettings): RulesSettings {
  const s = settings as FlywaySettings &
    Partial<Omit<RulesSettings, "environment">> & {
      environment?: string | undefined;
    };
  return {
    table: s.table ?? HISTORY_TABLE,
    // Stryker disable next-line ArrayDeclaration: loadFlywaySettings always gives schemas (empty when unset)
    schemas: s.schemas ?? [],
    historySchema: s.historySchema,
    naming: s.naming ?? DEFAULT_NAMING,
    placeholders: s.placeholders ?? DEFAULT_PLACEHOLDERS,
    environment: s.environment ?? "default",
  };
}

type SchemaFacts = Awaited<ReturnType<typeof inspectSchemaFacts>>;

/** One database's history and schema facts, or why it could not be read (never rejects). */
async function readDatabaseHistory(
  host: Host,
  db: DatabaseConnection,
  limitMs: number,
  rules: RulesSettings,
): Promise<
  { history: HistoryRow[]; facts: SchemaFacts } | { error: string; hint: string | undefined }
> {
  try {
    const client = await openDatabase(host.db, db.connection, {
      attempts: 3,
      queryTimeoutMs: limitMs,
      ...(host.signal ? { signal: host.signal } : {}),
    });
    try {
      const facts = await inspectSchemaFacts(client, {
        table: rules.table,
        schema: rules.historySchema,
      });
      const history = facts.historyExists
        ? await readHistory(client, facts.schema, rules.table)
        : [];
      return { history, facts };
    } finally {
      // Not waited for: end() sends Terminate at once, and waiting for the server to
      // close its side would only delay the report (the CLI exits right after).
      void client.end().catch(() => {});
    }
  } catch (error) {
    return { error: (error as Error).message, hint: (error as { hint?: string }).hint };
  }
}

export async function flywayStatus(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: {
    from: ConnectionSource;
    database?: string;
    /** Validate as `migrate` does before migrating: pending and outdated migrations are fine. */
    allowPending?: boolean;
    /**
     * A database this process cannot read is a warning, not the step's failure
     * (run-migrations: its Job reached the databases from inside the cluster).
     */
    unreadableWarns?: boolean;
  },
): Promise<StatusResult> {
  return step(
    log,
    "flyway:status",
    "reading flyway_schema_history of each database",
    async (handle) => {
      // The driver (pg) loads while the settings and connections are worked out; a
      // failure to load shows in each database's report below.
      const driver = host.db().catch(() => undefined);
      // The settings run-flyway-cli's Flyway reads too (flows/flyway-settings.ts): the same
      // history table, schemas, locations, naming and placeholders.
      const settings = await loadFlywaySettings(host, resolved, {
        allowPending: options.allowPending === true,
      });
      for (const warning of settings.warnings) log.checkpoint("flyway:settings", "warn", warning);
      const rules = rulesOf(settings);
      let connections: Awaited<ReturnType<typeof loadConnections>>;
      try {
        connections = await loadConnections(host, resolved, {
          from: options.from,
          ...(options.database ? { only: options.database } : {}),
        });
      } catch (error) {
        // run-migrations reads the versions only to show them: with no connections to
        // read (the secret gone meanwhile), that is a warning like an unreadable database.
        if (!options.unreadableWarns || !isBootstrapError(error)) throw error;
        handle.warn(
          `schema versions not readable from here: ${(error as Error).message}`,
          "port-forward PostgreSQL, or read the Job's log above",
        );
        return { settings, databases: [] };
      }
      // Every login starts before any file is read: the server's side of a login (a new
      // backend, the password exchange) then runs while this process reads the files.
      const limitMs = queryTimeoutMs(resolved.config.migrations);
      // With the driver loaded, each login below opens its socket at once; without
      // this wait the driver would still be loading when the files are read, and the
      // logins would start only after them.
      await driver;
      const histories = connections.map((db) => readDatabaseHistory(host, db, limitMs, rules));
      // Every database's files are read (synchronously) before any history is awaited,
      // with a turn of the event loop before each: every login opens its socket first,
      // and takes its next step (the server's answers waiting meanwhile) between scans.
      const scanned = [];
      for (const db of connections) {
        await new Promise((resolve) => setImmediate(resolve));
        // Flyway reads every location into one set; each file keeps its location's group.
        scanned.push(
          migrationLocations(host.fs, resolved, db.name, settings).map((l) => ({
            ...l,
            ...scanLocation(host.fs, l.dir, { encoding: settings.encoding, naming: rules.naming }),
          })),
        );
      }
      const databases: DatabaseReport[] = [];
      const hints = new Map<string, string | undefined>();
      for (const [i, db] of connections.entries()) {
        const locations = scanned[i]!;
        const files = locations.flatMap((l) => l.migrations.map((m) => ({ ...m, group: l.group })));
        const invalid = locations.flatMap((l) => l.invalid);
        const unreadable = locations.flatMap((l) => l.unreadable);
        const base = {
          database: db.name,
          url: renderJdbcUrl(db.connection.target),
          locations: locations.map((l) => l.display),
          invalidFiles: invalid,
        };
        // Flyway stops at a migration it cannot decode (info, validate and migrate alike).
        const read = unreadable.length
          ? { error: unreadable[0]!, hint: unreadableHint(unreadable[0]!) }
          : await histories[i]!;
        if ("error" in read) {
          hints.set(db.name, read.hint);
          const report = { ...base, migrations: [], counts: {}, errors: [], healthy: false };
          databases.push({ ...report, currentVersion: undefined, error: read.error });
          continue;
        }
        const { facts } = read;
        const status = computeStatus(read.history, files, {
          ...settings,
          replacing: {
            settings: rules.placeholders,
            builtins: {
              // ParsingContext.populate: defaultSchema, else the first of schemas, else the current schema.
              defaultSchema: facts.schema,
              database: facts.database,
              user: facts.user,
              table: rules.table,
              environment: rules.environment,
              // Where run-flyway-cli runs Flyway.
              workingDirectory: resolved.root,
              timestamp: placeholderTimestamp(new Date(host.clock.now())),
            },
          },
          ...(facts.schemaExists ? {} : { missingSchema: facts.schema }),
        });
        if (settings.validateMigrationNaming && invalid.length) {
          status.errors.push(
            ...invalid.map((message) => ({ code: "INVALID_MIGRATION_NAME" as const, message })),
          );
          status.healthy = false;
        }
        // What Flyway's baselineOnMigrate would do first; info and validate themselves
        // take the baseline from the BASELINE row only.
        const baselineOnMigrate =
          !facts.historyExists && facts.otherObjects > 0
            ? (settings.baselineVersion ?? db.baselineVersion)
            : undefined;
        const flywayInfo = flywayInfoResult({
          database: facts.database,
          currentVersion: status.currentVersion,
          schemas: rules.schemas,
          migrations: status.migrations,
          allSchemasEmpty: !facts.historyExists && facts.otherObjects === 0,
          now: new Date(host.clock.now()),
        });
        databases.push({
          ...base,
          ...status,
          ...(baselineOnMigrate ? { baselineOnMigrate } : {}),
          flywayInfo,
        });
      }
      const summary = databases
        .map((r) => {
          if (r.error) return `${r.database}: unreadable`;
          const errors = r.errors.length;
          return `${r.database}: ${r.currentVersion ? `version ${r.currentVersion}` : "no version yet"}, ${r.counts.Pending ?? 0} pending${errors ? `, validate failed (${errors} error${errors > 1 ? "s" : ""})` : ""}`;
        })
        .join("; ");
      const bad = databases.find((r) => !r.healthy && !(options.unreadableWarns && r.error));
      const unread = databases.find((r) => r.error);
      const hintOf = (r: DatabaseReport) =>
        hints.get(r.database) ?? "check the connection (see the message)";
      if (!bad) {
        if (unread) handle.warn(unread.error!, hintOf(unread));
        else handle.ok(summary);
      } else if (bad.error) handle.fail(bad.error, hintOf(bad));
      else {
        const first = bad.errors[0]!;
        handle.fail(
          `${summary} — ${bad.database}: ${first.message.split("\n")[0]}`,
          hintFor(first),
        );
      }
      return { settings, databases };
    },
    // Our own errors (settings, connections) are this step's failure; anything else
    // passes to the CLI, which reports it once.
    { owns: isBootstrapError },
  );
}

/** An ASCII table like the one `flyway info` prints. */
function table(header: readonly string[], rows: readonly string[][]): string[] {
  if (rows.length === 0) return ["  No migrations found"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = `  +${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const row = (cells: readonly string[]) =>
    `  |${cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join("|")}|`;
  return [line, row(header), line, ...rows.map(row), line];
}

const HEADER = ["Category", "Version", "Description", "Type", "Installed On", "State", "Undoable"];

export function renderStatus(result: Pick<StatusResult, "databases">): string {
  const lines: string[] = [];
  for (const r of result.databases) {
    lines.push(`${r.database} (${r.url})`);
    if (r.error) {
      lines.push(`  error: ${r.error}`, "");
      continue;
    }
    lines.push(`  Schema version: ${r.currentVersion ?? "<< Empty Schema >>"}`);
    const rows = (group: (g: string | undefined) => boolean) =>
      r.migrations
        .filter((m) => group(m.group))
        .map((m) => [
          m.category,
          m.version ?? "",
          m.description,
          m.type,
          (m.installedOn ?? "").slice(0, 19),
          m.state,
          m.undoable,
        ]);
    const migrations = rows((g) => g !== "seed");
    lines.push(...table(HEADER, migrations));
    // Demo seed data shares the history table but is shown as its own group.
    const seed = rows((g) => g === "seed");
    if (seed.length) {
      const where = r.locations[r.locations.length - 1];
      // One line per file: a repeatable's superseded runs are history, not files.
      const files = r.migrations.filter((m) => m.group === "seed" && m.stateCode !== "SUPERSEDED");
      const applied = files.filter((m) => m.stateCode === "SUCCESS").length;
      lines.push(`  seed data (${where}): ${applied} of ${files.length} applied`);
      lines.push(...table(HEADER, seed));
    }
    if (r.errors.length === 0) lines.push("  validate: ok");
    else {
      lines.push(`  validate: ${r.errors.length} error${r.errors.length > 1 ? "s" : ""}`);
      for (const e of r.errors) lines.push(`    ${e.message.replace(/\n/g, " ")}`);
    }
    if (!r.errors.some((e) => e.code === "INVALID_MIGRATION_NAME"))
      for (const f of r.invalidFiles)
        lines.push(`  skipped: ${f} (Flyway skips it too unless validateMigrationNaming is set)`);
    if (r.baselineOnMigrate)
      lines.push(
        `  note: the schema has objects but no history; migrate will first baseline it at version ${r.baselineOnMigrate}`,
      );
    lines.push("");
  }
  return lines.join("\n");
}
