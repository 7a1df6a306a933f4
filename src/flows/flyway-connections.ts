/**
 * The Flyway connection of every configured database, in order, from the
 * cluster's migrations secret (default; read as check-db-migrations-secret
 * reads it) or from this process's environment (the precedence table in
 * core/flyway-env).
 */
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import { type FlywayConnection, resolveFlywayConnection } from "../core/flyway-env.js";
import { readMigrationsSecret } from "../core/migrations-secret.js";
import { secretValuesOf } from "../core/secret-values.js";
import type { Host } from "./host.js";
import { explainKubeError } from "./kube-errors.js";

export type ConnectionSource = "cluster" | "env";

export interface DatabaseConnection {
  name: string;
  primary: boolean;
  baselineVersion: string | undefined;
  connection: FlywayConnection;
}

export async function loadConnections(
  host: Host,
  resolved: ResolvedConfig,
  options: { from: ConnectionSource; only?: string },
): Promise<DatabaseConnection[]> {
  const { config } = resolved;
  const databases = config.migrations.databases.map((db, i) => ({ ...db, primary: i === 0 }));
  if (options.only && !databases.some((d) => d.name === options.only)) {
    throw new StepError(
      `no database '${options.only}' in migrations.databases (have: ${databases.map((d) => d.name).join(", ")})`,
      "pick one of those, or add it to dev-bootstrap.yaml",
    );
  }
  let values: Record<string, string | undefined>;
  let resolve: (db: (typeof databases)[number]) => FlywayConnection | string;
  if (options.from === "cluster") {
    const kube = await host.kube();
    const ns = config.namespace;
    const name = config.migrations.secretName;
    const secret = await kube.readSecret(ns, name).catch((e) => {
      throw explainKubeError(e);
    });
    if (!secret) {
      throw new StepError(
        `secret ${ns}/${name} does not exist (Flyway would fail with 'FLYWAY_URL not set')`,
        "run 'dev-bootstrap bootstrap-db-migrations-secret', or use --from env",
      );
    }
    values = secret.data;
    const entries = readMigrationsSecret(secret, databases);
    resolve = (db) => {
      const entry = entries.find((e) => e.database === db.name)!;
      return entry.connection ?? `secret ${ns}/${name}: ${entry.problems.join("; ")}`;
    };
  } else {
    values = host.env;
    resolve = (db) => {
      const r = resolveFlywayConnection(host.env, db);
      if (r.ok) return r.connection;
      return r.invalid ?? `the environment has no ${r.missing.join(", ")}`;
    };
  }
  for (const v of secretValuesOf(
    Object.fromEntries(
      // Stryker disable next-line MethodExpression: secretValuesOf passes over a key without a value
      Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined),
    ),
  ))
    host.masker.register(v);
  const out: DatabaseConnection[] = [];
  const problems: string[] = [];
  for (const db of databases) {
    if (options.only && db.name !== options.only) continue;
    const connection = resolve(db);
    if (typeof connection === "string") {
      problems.push(`${db.name}: ${connection}`);
      continue;
    }
    out.push({
      name: db.name,
      primary: db.primary,
      baselineVersion: db.baselineVersion,
      connection,
    });
  }
  if (problems.length) {
    throw new StepError(
      `no usable Flyway connection for ${problems.join("; ")}`,
      options.from === "cluster"
        ? "rerun 'dev-bootstrap bootstrap-db-migrations-secret'"
        : "export the keys named (see the connection precedence in docs/reference/commands.md), or use --from cluster",
    );
  }
  return out;
}
