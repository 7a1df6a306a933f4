/**
 * Database roles that follow Vault, the way a platform's database operator
 * manages roles from secrets (CloudNativePG's managed roles, for example): every
 * KV v2 path that holds DB_USERNAME, DB_PASSWORD and DB_NAME for the sandbox's
 * PostgreSQL gets that role, with that password, owning that database (created
 * when missing). Adding a database or rotating a password in the fixtures then
 * needs nothing done by hand: whatever writes Vault (ensure-local-secrets, the
 * watcher, a Tilt button) also sets the role.
 */
import type { PgDatabaseSpec, PgEnsured, ThrowawayPostgres } from "./postgres.js";

interface RoleReport {
  path: string;
  message: string;
  ok: boolean;
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

/**
 * The role a path's data asks for, or why it asks for none. Paths that point at
 * another server (a different host or port) are not ours to manage.
 */
export function roleSpecFor(
  data: Record<string, unknown>,
  server: { host: string; port: number },
): PgDatabaseSpec | undefined {
  const { DB_USERNAME: owner, DB_PASSWORD: password, DB_NAME: name, DB_HOST, DB_PORT } = data;
  if (typeof owner !== "string" || typeof password !== "string" || typeof name !== "string")
    return undefined;
  if (!owner || !password || !name) return undefined;
  if (DB_HOST !== undefined && DB_HOST !== server.host && !LOCAL_HOSTS.has(String(DB_HOST)))
    return undefined;
  if (DB_PORT !== undefined && String(DB_PORT) !== String(server.port)) return undefined;
  return { name, owner, password };
}

export class DatabaseRoles {
  /** The password last set per role, so an unchanged rewrite is not reported as a change. */
  private readonly applied = new Map<string, string>();

  constructor(
    private readonly postgres: ThrowawayPostgres,
    private readonly report: (r: RoleReport) => void = () => {},
  ) {}

  /** Reconciles one path's data; never throws (a failure is reported, the write stands). */
  async reconcile(path: string, data: Record<string, unknown>): Promise<PgEnsured | undefined> {
    const spec = roleSpecFor(data, this.postgres);
    if (!spec) return undefined;
    try {
      const [done] = await this.postgres.ensureDatabases([spec]);
      const previous = this.applied.get(spec.owner);
      this.applied.set(spec.owner, spec.password);
      const parts: string[] = [];
      if (done!.role === "created") parts.push(`role ${spec.owner} created`);
      else if (previous !== undefined && previous !== spec.password)
        parts.push(`role ${spec.owner}: password changed`);
      if (done!.database === "created") parts.push(`database ${spec.name} created`);
      if (parts.length) this.report({ path, message: parts.join(", "), ok: true });
      return done;
    } catch (error) {
      this.report({
        path,
        message: `could not set role ${spec.owner} / database ${spec.name}: ${(error as Error).message}`,
        ok: false,
      });
      return undefined;
    }
  }
}
