/**
 * check-db-migrations-secret: the health check CI runs before layer 42. The
 * secret exists, has every key, each URL is JDBC without credentials; with
 * `connect`, each database accepts those credentials.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import { secretKeysFor } from "../core/flyway-env.js";
import { readMigrationsSecret } from "../core/migrations-secret.js";
import { secretValuesOf } from "../core/secret-values.js";
import type { CheckpointLogger } from "../log/logger.js";
import { openDatabase, queryTimeoutMs } from "./flyway-db.js";
import type { Host } from "./host.js";
import { explainKubeError } from "./kube-errors.js";
import { step } from "./step.js";

type CheckStatus = "ok" | "missing" | "invalid" | "cannot-connect";

interface DatabaseCheck {
  database: string;
  keys: { url: string; user: string; password: string };
  status: CheckStatus;
  problems: string[];
  /** The JDBC URL (safe to show: it never holds credentials once valid). */
  url?: string;
  user?: string;
}

interface CheckResult {
  namespace: string;
  secret: string;
  exists: boolean;
  result: CheckStatus;
  databases: DatabaseCheck[];
}

const STEP = "db-migrations-secret:check";

const worst = (statuses: CheckStatus[]): CheckStatus =>
  statuses.includes("missing")
    ? "missing"
    : statuses.includes("invalid")
      ? "invalid"
      : statuses.includes("cannot-connect")
        ? "cannot-connect"
        : "ok";

export async function checkMigrationsSecret(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  /** `connect`: log in to each database too (--connect). */
  options: { connect: boolean; connectAttempts?: number },
): Promise<CheckResult> {
  const { config } = resolved;
  const { masker } = host;
  const kube = await host.kube();
  const namespace = config.namespace;
  const secret = config.migrations.secretName;
  return step(
    log,
    STEP,
    `checking ${namespace}/${secret}${options.connect ? " and logging in to each database" : ""}`,
    async (handle) => {
      const fix = `run 'dev-bootstrap bootstrap-db-migrations-secret' (or check it: kubectl -n ${namespace} get secret ${secret})`;
      // A failed read is the step's failure, reported by the step runner.
      const read = await kube.readSecret(namespace, secret).catch((error: unknown) => {
        throw explainKubeError(error);
      });
      const refs = config.migrations.databases.map((db, i) => ({
        name: db.name,
        primary: i === 0,
      }));
      if (!read) {
        const databases: DatabaseCheck[] = refs.map((ref) => ({
          database: ref.name,
          keys: secretKeysFor(ref),
          status: "missing",
          problems: [`secret ${namespace}/${secret} does not exist`],
        }));
        handle.fail(
          `secret ${namespace}/${secret} does not exist — Flyway would fail with 'FLYWAY_URL not set'`,
          fix,
        );
        return { namespace, secret, exists: false, result: "missing", databases };
      }
      for (const v of secretValuesOf(read.data)) masker.register(v);
      const entries = readMigrationsSecret(read, refs);
      const databases: DatabaseCheck[] = entries.map((e) => ({
        database: e.database,
        keys: e.keys,
        status: e.status,
        problems: e.problems,
        ...(e.url !== undefined ? { url: e.url } : {}),
        ...(e.user !== undefined ? { user: e.user } : {}),
      }));
      /** The first failed login's own hint (a server that took it but answered no query has one). */
      let connectHint: string | undefined;
      if (options.connect) {
        for (const [i, d] of databases.entries()) {
          const connection = entries[i]!.connection;
          if (d.status !== "ok" || !connection) continue;
          try {
            const client = await openDatabase(host.db, connection, {
              attempts: options.connectAttempts ?? 5,
              queryTimeoutMs: queryTimeoutMs(config.migrations),
              ...(host.signal ? { signal: host.signal } : {}),
            });
            try {
              await client.query("select 1");
            } finally {
              await client.end().catch(() => {});
            }
          } catch (error) {
            // openDatabase names the database, the user and the address in one line.
            if (!(error instanceof StepError)) throw error;
            d.status = "cannot-connect";
            d.problems.push(error.message);
            connectHint ??= error.hint;
          }
        }
      }
      const result = worst(databases.map((d) => d.status));
      const problems = databases.flatMap((d) => d.problems);
      if (result === "ok") {
        handle.ok(
          `${namespace}/${secret} has valid Flyway settings for ${databases.map((d) => d.database).join(", ")}${options.connect ? "; every login works" : ""}`,
        );
      } else {
        const hint =
          result === "cannot-connect"
            ? (connectHint ??
              // Stryker disable next-line StringLiteral: never shown (every failed login sets connectHint; a StepError always has a hint)
              "check that PostgreSQL is up and the role's password matches the fixtures (rerun ensure-local-secrets and the bootstrap)")
            : fix;
        handle.fail(
          `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
          hint,
        );
      }
      return { namespace, secret, exists: true, result, databases };
    },
  );
}
