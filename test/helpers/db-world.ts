/**
 * Databases for tests that log in. startDatabaseWorld: the stand-ins with a real
 * PostgreSQL whose databases are ready for a login: the
 * fixtures seeded into Vault (ensure-local-secrets), the migrations secret written,
 * and platform and agents created with the passwords Vault holds. What why,
 * smoke and wait --connect need before they can log in.
 */
import type { PgDatabaseSpec, ThrowawayPostgres } from "../../src/sandbox/postgres.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { setUpWith } from "./cli.js";
import { dbPartsFixtures, makeWorkspace, type Workspace } from "./workspace.js";

/** The database password Vault holds at `path` (what ensure-local-secrets seeded). */
export const vaultPassword = (world: World, path: string) =>
  String(world.vault.read("secret", path)?.DB_PASSWORD);

/** `envOf` gives the environment the set-up commands run in (the tests' own). */
export async function startDatabaseWorld(
  envOf: (world: World) => NodeJS.ProcessEnv,
): Promise<{ world: World; ws: Workspace }> {
  const world = await startWorld({ postgres: true });
  const ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 30\n",
    "vault/fixtures/db.yaml": dbPartsFixtures(world.postgres!.port),
    "db/flyway/sql/platform/V1__init.sql": "create table city (name text);\n",
    "db/flyway/sql/agents/V1__init.sql": "create table agent (name text);\n",
  });
  const env = envOf(world);
  await setUpWith(["ensure-local-secrets"], { cwd: ws.dir, env });
  await setUpWith(["bootstrap-db-migrations-secret"], { cwd: ws.dir, env });
  await world.postgres!.ensureDatabases([
    { name: "platform", owner: "platform", password: vaultPassword(world, "platform/db") },
    { name: "agents", owner: "agents", password: vaultPassword(world, "agents/db") },
  ]);
  return { world, ws };
}

/**
 * Drops the databases (ending their sessions) and makes them again, owned by roles
 * with these passwords: each test starts from empty databases on one server.
 */
export async function recreateDatabases(
  server: ThrowawayPostgres,
  specs: readonly PgDatabaseSpec[],
): Promise<void> {
  const c = await server.superuserClient();
  try {
    for (const s of specs)
      await c.query(`drop database if exists ${c.escapeIdentifier(s.name)} with (force)`);
  } finally {
    await c.end();
  }
  await server.ensureDatabases(specs);
}
