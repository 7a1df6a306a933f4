/**
 * check-db-migrations-secret: the health check CI runs before layer 42. The
 * secret exists, has every key, each URL is JDBC without credentials; with
 * `connect`, each database accepts those credentials.
 */
import type { Kube } from "../adapters/kube.js";
import type { Config } from "../config/schema.js";
import { StepError } from "../core/errors.js";
import { secretKeysFor } from "../core/flyway-env.js";
import { jdbcProblem } from "../core/jdbc.js";
import type { SecretMasker } from "../core/mask.js";
import { secretValuesOf } from "../core/secret-values.js";
import type { CheckpointLogger } from "../log/logger.js";
import { openDatabase } from "./flyway-db.js";
import { explainKubeError } from "./kube-errors.js";

export type CheckStatus = "ok" | "missing" | "invalid" | "cannot-connect";

export interface DatabaseCheck {
  database: string;
  keys: { url: string; user: string; password: string };
  status: CheckStatus;
  problems: string[];
  /** The JDBC URL (safe to show: it never holds credentials once valid). */
  url?: string;
  user?: string;
}

export interface CheckResult {
  namespace: string;
  secret: string;
  exists: boolean;
  result: CheckStatus;
  databases: DatabaseCheck[];
}

export const STEP = "db-migrations-secret:check";

const worst = (statuses: CheckStatus[]): CheckStatus =>
  statuses.includes("missing")
    ? "missing"
    : statuses.includes("invalid")
      ? "invalid"
      : statuses.includes("cannot-connect")
        ? "cannot-connect"
        : "ok";

export async function checkMigrationsSecret(options: {
  kube: Kube;
  config: Config;
  connect: boolean;
  log: CheckpointLogger;
  masker: SecretMasker;
  connectAttempts?: number;
  signal?: AbortSignal;
}): Promise<CheckResult> {
  const { kube, config, log, masker } = options;
  const namespace = config.namespace;
  const secret = config.migrations.secretName;
  const step = log.start(
    STEP,
    `checking ${namespace}/${secret}${options.connect ? " and logging in to each database" : ""}`,
  );
  const fix = `run 'dev-bootstrap bootstrap-db-migrations-secret' (or check it: kubectl -n ${namespace} get secret ${secret})`;
  let read: Awaited<ReturnType<Kube["readSecret"]>>;
  try {
    read = await kube.readSecret(namespace, secret);
  } catch (error) {
    const e = explainKubeError(error) as Error & { hint?: string };
    step.fail(e.message, e.hint);
    throw Object.assign(e, { step: STEP });
  }
  const databases: DatabaseCheck[] = config.migrations.databases.map((db, i) => ({
    database: db.name,
    keys: secretKeysFor({ name: db.name, primary: i === 0 }),
    status: "ok" as CheckStatus,
    problems: [],
  }));
  if (!read) {
    for (const d of databases) {
      d.status = "missing";
      d.problems.push(`secret ${namespace}/${secret} does not exist`);
    }
    step.fail(
      `secret ${namespace}/${secret} does not exist — Flyway would fail with 'FLYWAY_URL not set'`,
      fix,
    );
    return { namespace, secret, exists: false, result: "missing", databases };
  }
  for (const v of secretValuesOf(read.data)) masker.register(v);
  for (const d of databases) {
    for (const key of [d.keys.url, d.keys.user, d.keys.password]) {
      if (read.binaryKeys.includes(key)) {
        d.status = "invalid";
        d.problems.push(`${key} is not UTF-8 text`);
      } else if (!read.data[key]) {
        d.status = "missing";
        d.problems.push(`${key} is ${key in read.data ? "empty" : "missing"}`);
      }
    }
    const url = read.data[d.keys.url];
    if (url) {
      const problem = jdbcProblem(url);
      if (problem) {
        if (d.status === "ok") d.status = "invalid";
        d.problems.push(`${d.keys.url} ${problem}`);
      } else d.url = url;
    }
    if (read.data[d.keys.user]) d.user = read.data[d.keys.user];
  }
  if (options.connect) {
    for (const d of databases) {
      if (d.status !== "ok" || !d.url) continue;
      try {
        const client = await openDatabase(
          {
            database: d.database,
            url: d.url,
            user: read.data[d.keys.user]!,
            password: read.data[d.keys.password]!,
          },
          {
            attempts: options.connectAttempts ?? 5,
            ...(options.signal ? { signal: options.signal } : {}),
          },
        );
        await client.query("select 1");
        await client.end();
      } catch (error) {
        // openDatabase names the database, the user and the address in one line.
        if (!(error instanceof StepError)) throw error;
        d.status = "cannot-connect";
        d.problems.push(error.message);
      }
    }
  }
  const result = worst(databases.map((d) => d.status));
  const problems = databases.flatMap((d) => d.problems);
  if (result === "ok") {
    step.ok(
      `${namespace}/${secret} has valid Flyway settings for ${databases.map((d) => d.database).join(", ")}${options.connect ? "; every login works" : ""}`,
    );
  } else {
    const hint =
      result === "cannot-connect"
        ? "check that PostgreSQL is up and the role's password matches the fixtures (rerun ensure-local-secrets and the bootstrap)"
        : fix;
    step.fail(
      `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      hint,
    );
  }
  return { namespace, secret, exists: true, result, databases };
}
