/**
 * A real, throwaway PostgreSQL cluster on a free loopback port with password
 * (scram-sha-256) authentication, for the sandbox and the tests. Uses Debian's
 * server binaries (/usr/lib/postgresql/<v>/bin) or those on PATH. initdb
 * refuses to run as root, so as root the cluster runs as the `postgres` user.
 */
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, execaSync } from "execa";
import { StepError } from "../core/errors.js";

/** initdb and pg_ctl (which waits up to its own -t 30) finish well within this; a hang does not. */
const TOOL_TIMEOUT_MS = 120_000;

export const INSTALL_HINT =
  "install the PostgreSQL server: sudo apt-get install -y postgresql (Debian/Ubuntu), or put initdb and pg_ctl on PATH";

/** Directory holding initdb/pg_ctl/postgres, or undefined. */
export function findPgBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const onPath = (env.PATH ?? "")
    .split(":")
    .find((d) => d && existsSync(join(d, "initdb")) && existsSync(join(d, "pg_ctl")));
  if (onPath) return onPath;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], "bin") : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface PgDatabaseSpec {
  name: string;
  owner: string;
  password: string;
}

export interface PgEnsured extends PgDatabaseSpec {
  role: "created" | "altered";
  database: "created" | "exists";
}

export class ThrowawayPostgres {
  readonly superuser = "postgres";
  readonly superPassword = randomBytes(16).toString("hex");
  port = 0;
  readonly host = "127.0.0.1";
  private dir = "";
  private bin = "";
  private runAs: string | undefined;

  async start(): Promise<void> {
    const bin = findPgBin();
    if (!bin)
      throw new StepError("PostgreSQL server binaries (initdb, pg_ctl) not found", INSTALL_HINT);
    this.bin = bin;
    this.runAs = process.getuid?.() === 0 ? "postgres" : undefined;
    this.dir = mkdtempSync(join(tmpdir(), "dbpg-"));
    const pwfile = join(this.dir, "pw");
    writeFileSync(pwfile, `${this.superPassword}\n`, { mode: 0o600 });
    if (this.runAs) {
      const uid = Number(execaSync("id", ["-u", this.runAs]).stdout.trim());
      const gid = Number(execaSync("id", ["-g", this.runAs]).stdout.trim());
      chownSync(this.dir, uid, gid);
      chownSync(pwfile, uid, gid);
    }
    const data = join(this.dir, "data");
    await this.run("initdb", [
      "-D",
      data,
      "-U",
      this.superuser,
      "--auth=scram-sha-256",
      `--pwfile=${pwfile}`,
      "-E",
      "UTF8",
      "--no-sync",
    ]);
    rmSync(pwfile, { force: true });
    this.port = await freePort();
    await this.run("pg_ctl", [
      "-D",
      data,
      "-l",
      join(this.dir, "server.log"),
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=${this.host} -c fsync=off -c full_page_writes=off`,
      "-w",
      "-t",
      "30",
      "start",
    ]);
  }

  private async run(tool: string, args: string[]): Promise<void> {
    const cmd = join(this.bin, tool);
    try {
      const [file, argv] = this.runAs
        ? ["runuser", ["-u", this.runAs, "--", cmd, ...args]]
        : [cmd, args];
      await execa(file, argv, {
        cwd: tmpdir(),
        stdin: "ignore",
        timeout: TOOL_TIMEOUT_MS,
        forceKillAfterDelay: 5000,
      });
    } catch (error) {
      const e = error as { stderr?: string; shortMessage?: string; message: string };
      throw new StepError(
        `${tool} failed: ${(e.stderr || e.shortMessage || e.message).trim().split("\n").slice(-2).join(" ")}`,
        INSTALL_HINT,
      );
    }
  }

  /** A connected superuser session on `database`; the caller ends it. */
  async superuserClient(database = "postgres"): Promise<import("pg").Client> {
    const pg = (await import("pg")).default;
    const client = new pg.Client({
      host: this.host,
      port: this.port,
      user: this.superuser,
      password: this.superPassword,
      database,
    });
    await client.connect();
    return client;
  }

  /** Creates (or updates the password of) roles and databases. Idempotent. */
  async ensureDatabases(specs: readonly PgDatabaseSpec[]): Promise<PgEnsured[]> {
    const client = await this.superuserClient();
    const out: PgEnsured[] = [];
    try {
      for (const s of specs) {
        const role = await client.query("select 1 from pg_roles where rolname = $1", [s.owner]);
        const ident = client.escapeIdentifier(s.owner);
        const literal = client.escapeLiteral(s.password);
        await client.query(
          role.rowCount
            ? `alter role ${ident} with login password ${literal}`
            : `create role ${ident} with login password ${literal}`,
        );
        const db = await client.query("select 1 from pg_database where datname = $1", [s.name]);
        if (!db.rowCount)
          await client.query(`create database ${client.escapeIdentifier(s.name)} owner ${ident}`);
        out.push({
          ...s,
          role: role.rowCount ? "altered" : "created",
          database: db.rowCount ? "exists" : "created",
        });
      }
    } finally {
      await client.end();
    }
    return out;
  }

  async stop(): Promise<void> {
    if (!this.dir) return;
    await this.run("pg_ctl", ["-D", join(this.dir, "data"), "-m", "immediate", "-w", "stop"]).catch(
      () => {},
    );
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = "";
  }
}
