/**
 * run-migrations, driven in-process: the Vault and Kubernetes API stand-ins on
 * loopback (src/sandbox/world.ts) through the real clients, helm and kubectl as
 * a process port that answers as planned and records each call, the databases
 * in memory (test/helpers/flyway-memory-db.ts), a virtual clock. What a user
 * relies on: the secret first (or, with --verify, only checked), then one
 * `helm upgrade --install --wait --wait-for-jobs --atomic` whose argv holds no
 * secret, the Job's logs, each database's schema version; a failed or hung helm
 * is said with its exit code and a masked tail, and what depends on it is
 * skipped; the Flyway settings reach the Job in a 0600 values file that is gone
 * once helm has read it. helm's flags are helm 3's (`helm upgrade --help`):
 * --install, --wait, --wait-for-jobs, --atomic, --timeout <duration>, --values,
 * --set.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunToolResult } from "../../src/adapters/proc.js";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Host, ProcPort } from "../../src/flows/host.js";
import { runMigrations } from "../../src/flows/run-migrations.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { virtualClock } from "../helpers/clock.js";
import { captureLog } from "../helpers/flow-run.js";
import { historyRow, type MemoryDatabase, memoryDatabases } from "../helpers/flyway-memory-db.js";
import { finishedRun } from "../helpers/tool-run.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const NS = "ameide";
const PASSWORD = { platform: "pl@tform-pw:41b2", agents: "agents-pw-7d1c" };
const URL = {
  platform: `postgresql://platform:${encodeURIComponent(PASSWORD.platform)}@db:5432/platform`,
  agents: `postgresql://agents:${encodeURIComponent(PASSWORD.agents)}@db:5432/agents`,
};

type Planned = Partial<RunToolResult> & { lines?: string[]; during?: () => void };
interface ToolCall {
  tool: string;
  args: string[];
  cwd: string | undefined;
  timeoutMs: number;
}

/** helm and kubectl as a process port: each call recorded, answered as planned (exit 0 by default). */
function plannedProc(plan: Record<string, Planned>) {
  const calls: ToolCall[] = [];
  const proc = {
    async run(options) {
      calls.push({
        tool: options.tool,
        args: options.args,
        cwd: options.cwd,
        timeoutMs: options.timeoutMs,
      });
      const p = plan[options.tool] ?? {};
      p.during?.();
      return finishedRun(options, p.lines, p);
    },
  } as Pick<ProcPort, "run"> as ProcPort;
  return { proc, calls };
}

let world: World;
let ws: Workspace;

beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace();
  // What ESO delivers from what ensure-local-secrets seeded: the same values on both sides.
  for (const db of ["platform", "agents"] as const) {
    world.vault.writeDirect("secret", `${db}/db`, { DATABASE_URL: URL[db] });
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `${db}-db-credentials`, namespace: NS },
        data: { DATABASE_URL: Buffer.from(URL[db]).toString("base64") },
      },
      "external-secrets",
    );
  }
});
afterEach(async () => world.stop());

/** The migrated databases: platform at 2, agents at 3. */
const MIGRATED = (): Record<string, MemoryDatabase> => ({
  platform: {
    currentSchema: "public",
    schemas: {
      public: {
        tables: {
          flyway_schema_history: [
            historyRow(1, { version: "1", description: "One", script: "V1__One.sql", checksum: 1 }),
            historyRow(2, { version: "2", description: "Two", script: "V2__Two.sql", checksum: 2 }),
          ],
        },
      },
    },
  },
  agents: {
    currentSchema: "public",
    schemas: {
      public: {
        tables: {
          flyway_schema_history: [
            historyRow(1, {
              version: "3",
              description: "Three",
              script: "V3__Three.sql",
              checksum: 3,
            }),
          ],
        },
      },
    },
  },
});

async function migrate(
  run: {
    plan?: Record<string, Planned>;
    verify?: boolean;
    env?: Record<string, string>;
    config?: string;
    databases?: Record<string, MemoryDatabase>;
  } = {},
) {
  if (run.config) ws.write("dev-bootstrap.yaml", run.config);
  const env: NodeJS.ProcessEnv = { HOME: ws.dir, ...world.env, ...run.env };
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const clock = virtualClock();
  const masker = new SecretMasker();
  const { proc, calls } = plannedProc(run.plan ?? {});
  const dbs = memoryDatabases(run.databases ?? MIGRATED());
  const host: Host = {
    ...createHost({ resolved, masker, env, clock }),
    proc,
    db: async () => dbs.port,
  };
  const captured = captureLog({ command: "run-migrations", clock, masker });
  let stdout = "";
  const error = await runMigrations(host, resolved, captured.log, {
    verify: run.verify ?? false,
    stdout: { write: (text: string) => (stdout += text) },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const everything = stdout + captured.text() + JSON.stringify(calls);
  for (const pw of Object.values(PASSWORD)) expect(everything).not.toContain(pw);
  expect(everything).not.toContain(world.vault.rootToken);
  const statuses = () =>
    captured.records().flatMap((r) => (r.status ? [`${r.step} ${r.status}`] : []));
  return { ...captured, error, stdout, calls, dbs, statuses, valuesFile: valuesFile() };
}

const valuesFile = () => join(ws.dir, ".dev-bootstrap", "flyway-settings.values.json");
const chart = () => join(ws.dir, "charts/db-migrations");

describe("run-migrations", () => {
  it("ensures the secret, installs the release and waits for its Job, shows the Job's logs and each schema version", async () => {
    const r = await migrate({
      plan: {
        helm: { lines: ['Release "db-migrations" has been upgraded. Happy Helming!'] },
        kubectl: { lines: ["==> platform: flyway migrate", "Successfully applied 2 migrations"] },
      },
    });
    expect(r.error).toBeUndefined();
    expect(r.statuses()).toEqual([
      "db-migrations-secret start",
      "db-migrations-secret ok",
      "migrations:helm start",
      "migrations:helm ok",
      "migrations:logs start",
      "migrations:logs ok",
      "flyway:status start",
      "flyway:status ok",
    ]);
    expect(r.checkpoint("db-migrations-secret", "ok")?.message).toContain(
      "db-migrations Flyway secret ensured",
    );
    expect(world.kube.secretData(NS, "db-migrations-local")).toMatchObject({
      FLYWAY_URL: "jdbc:postgresql://db:5432/platform",
      FLYWAY_USER: "platform",
      AGENTS_FLYWAY_USER: "agents",
    });
    expect(r.calls).toEqual([
      {
        tool: "helm",
        args: [
          "upgrade",
          "--install",
          "db-migrations",
          chart(),
          "--namespace",
          NS,
          "--values",
          join(ws.dir, "charts/db-migrations/values-local.yaml"),
          "--wait",
          "--wait-for-jobs",
          "--atomic",
          "--timeout",
          "600s",
        ],
        cwd: ws.dir,
        // helm's own --timeout, and 30 s for it to report and roll back.
        timeoutMs: 630_000,
      },
      {
        tool: "kubectl",
        args: ["logs", "--namespace", NS, "job/db-migrations-migrate", "--all-containers"],
        cwd: ws.dir,
        timeoutMs: 60_000,
      },
    ]);
    expect(r.checkpoint("migrations:helm", "start")?.message).toBe(
      `helm upgrade --install db-migrations ${chart()} … (waits for the Flyway Job)`,
    );
    expect(r.checkpoint("migrations:helm", "ok")?.message).toBe(
      "release db-migrations installed; the Flyway Job completed",
    );
    expect(r.checkpoint("migrations:logs", "start")?.message).toBe(
      "logs of job/db-migrations-migrate",
    );
    expect(r.checkpoint("migrations:logs", "ok")?.message).toBe("Job logs shown above");
    expect(r.stdout).toBe(
      [
        '[migrations:helm] Release "db-migrations" has been upgraded. Happy Helming!',
        "[migrations:logs] ==> platform: flyway migrate",
        "[migrations:logs] Successfully applied 2 migrations",
        "platform: schema version 2",
        "agents: schema version 3",
        "",
      ].join("\n"),
    );
    // The versions are read with the secret's credentials, from the secret's hosts.
    expect(r.dbs.logins.map((l) => [l.database, l.user])).toEqual([
      ["platform", "platform"],
      ["agents", "agents"],
    ]);
    // No Flyway setting differs from Flyway's defaults: no values file for the Job.
    expect(statSafe(r.valuesFile)).toBeUndefined();
  });

  it("masks secret values in the lines helm and kubectl print", async () => {
    const r = await migrate({
      plan: {
        helm: { lines: [`debug: FLYWAY_PASSWORD=${PASSWORD.platform}`] },
        kubectl: { lines: [`connecting as agents/${PASSWORD.agents}`] },
      },
    });
    expect(r.stdout).toContain("[migrations:helm] debug: FLYWAY_PASSWORD=***");
    expect(r.stdout).toContain("[migrations:logs] connecting as agents/***");
  });

  it("with demo seed data off, tells the chart so (--set seedData.enabled=false); helm.timeoutSeconds is helm's --timeout", async () => {
    const r = await migrate({
      config: "helm:\n  timeoutSeconds: 120\nmigrations:\n  seedData: false\n",
    });
    const helm = r.calls[0]!;
    expect(helm.args.slice(-7)).toEqual([
      "--set",
      "seedData.enabled=false",
      "--wait",
      "--wait-for-jobs",
      "--atomic",
      "--timeout",
      "120s",
    ]);
    expect(helm.timeoutMs).toBe(150_000);
  });

  it("a failed helm: its exit code and a masked tail, the Job's log to read; the logs and versions are skipped", async () => {
    const r = await migrate({
      plan: {
        helm: {
          exitCode: 1,
          lines: [
            "Error: UPGRADE FAILED: release db-migrations failed, and has been rolled back due to atomic being set",
            `job failed: password=${PASSWORD.platform}`,
          ],
        },
      },
    });
    expect(r.error).toBeDefined();
    expect(r.statuses()).toEqual([
      "db-migrations-secret start",
      "db-migrations-secret ok",
      "migrations:helm start",
      "migrations:helm fail",
      "migrations:logs skip",
      "flyway:status skip",
    ]);
    expect(r.checkpoint("migrations:helm", "fail")).toMatchObject({
      message:
        "helm upgrade of db-migrations failed (exit 1); --atomic rolled it back: Error: UPGRADE FAILED: release db-migrations failed, and has been rolled back due to atomic being set | job failed: password=***",
      hint: "see the Job's log: kubectl -n ameide logs job/db-migrations-migrate",
    });
    expect(r.checkpoint("migrations:logs", "skip")?.message).toBe(
      "skipped: migrations:helm failed",
    );
    expect(r.checkpoint("flyway:status", "skip")?.message).toBe("skipped: migrations:helm failed");
    expect(r.calls.map((c) => c.tool)).toEqual(["helm"]);
    expect(r.dbs.logins).toEqual([]);
  });

  it("a helm killed by a signal says which; one that printed nothing says so", async () => {
    const r = await migrate({ plan: { helm: { exitCode: undefined, signal: "SIGKILL" } } });
    expect(r.checkpoint("migrations:helm", "fail")?.message).toBe(
      "helm upgrade of db-migrations failed (exit SIGKILL); --atomic rolled it back: (no output)",
    );
  });

  it("a helm that outlives its time limit was stopped with its children, and the run fails", async () => {
    const r = await migrate({
      config: "helm:\n  timeoutSeconds: 60\n",
      plan: { helm: { exitCode: 0, timedOut: true } },
    });
    expect(r.error).toBeDefined();
    expect(r.checkpoint("migrations:helm", "fail")).toMatchObject({
      message: "helm did not finish within 90 s; it and its children were stopped",
      hint: "see the Job's log: kubectl -n ameide logs job/db-migrations-migrate",
    });
    expect(r.calls.map((c) => c.tool)).toEqual(["helm"]);
  });

  it("processes helm left running were stopped: a warning naming them, and the run goes on", async () => {
    const r = await migrate({ plan: { helm: { leftovers: ["sleep"] } } });
    expect(r.error).toBeUndefined();
    expect(r.checkpoint("migrations:helm", "warn")).toMatchObject({
      message:
        "release db-migrations installed; the Flyway Job completed; helm left 1 process running (sleep); it was stopped",
      hint: "nothing a run starts outlives it; a hook or plugin started these in the background — start what must keep running outside the run (a Tilt resource)",
    });
    expect(r.checkpoint("migrations:helm", "ok")).toBeUndefined();
    expect(r.calls.map((c) => c.tool)).toEqual(["helm", "kubectl"]);
  });

  it("Job logs that cannot be read are a warning: the versions are still printed", async () => {
    const r = await migrate({
      plan: {
        kubectl: { exitCode: 1, lines: ['Error from server (NotFound): jobs "x" not found'] },
      },
    });
    expect(r.error).toBeUndefined();
    expect(r.checkpoint("migrations:logs", "warn")).toMatchObject({
      message: "could not read the Job's logs (it may have been cleaned up)",
      hint: "kubectl -n ameide get jobs",
    });
    expect(r.checkpoint("migrations:logs", "ok")).toBeUndefined();
    expect(r.stdout).toContain("platform: schema version 2\nagents: schema version 3\n");
  });

  it("a database not reachable from here: its version is '(none)' with why, a warning, and the run does not fail on it", async () => {
    const databases = {
      ...MIGRATED(),
      platform: {
        currentSchema: "public",
        schemas: {},
        refuse: {
          kind: "unreachable" as const,
          code: "ENOTFOUND",
          message: "getaddrinfo ENOTFOUND db",
        },
      },
    };
    const r = await migrate({ databases });
    expect(r.error).toBeUndefined();
    // The Job migrated them from inside the cluster: not reading them from here is a
    // warning, and no step failed, so the command exits 0 (cli/run.ts: anyFailed).
    expect(r.statuses().slice(-2)).toEqual(["flyway:status start", "flyway:status warn"]);
    expect(r.checkpoint("flyway:status", "warn")).toMatchObject({
      message: "database platform: PostgreSQL unreachable at db:5432 (ENOTFOUND) after retries",
      hint: "start PostgreSQL (or its port-forward) and check host and port",
    });
    expect(r.log.anyFailed).toBe(false);
    expect(r.stdout).toContain(
      "platform: schema version (none) (unreadable: database platform: PostgreSQL unreachable at db:5432 (ENOTFOUND) after retries)\nagents: schema version 3\n",
    );
  });

  it("versions that cannot be read at all are a warning with a hint, not a failure", async () => {
    // The secret goes away while the Job runs: flyway-status has no connections to read.
    const r = await migrate({
      plan: { kubectl: { during: () => world.kube.remove("Secret", NS, "db-migrations-local") } },
    });
    expect(r.error).toBeUndefined();
    const warned = r.records().find((x) => x.step === "flyway:status" && x.status === "warn");
    expect(warned).toMatchObject({
      message:
        "schema versions not readable from here: secret ameide/db-migrations-local does not exist (Flyway would fail with 'FLYWAY_URL not set')",
      hint: "port-forward PostgreSQL, or read the Job's log above",
    });
    expect(r.stdout).not.toContain("schema version");
    expect(r.dbs.logins).toEqual([]);
    // One warning, no fail line before it: the run exits 0 (cli/run.ts: anyFailed).
    expect(r.statuses().slice(-2)).toEqual(["flyway:status start", "flyway:status warn"]);
    expect(r.log.anyFailed).toBe(false);
  });
});

describe("run-migrations --verify", () => {
  it("a missing secret fails the check; nothing is written and helm is not run", async () => {
    const r = await migrate({ verify: true });
    expect(r.error).toBeDefined();
    expect(world.kube.secretData(NS, "db-migrations-local")).toBeUndefined();
    expect(r.calls).toEqual([]);
    expect(r.statuses()).toEqual([
      "db-migrations-secret:check start",
      "db-migrations-secret:check fail",
      "db-migrations-secret fail",
      "migrations:helm skip",
      "migrations:logs skip",
      "flyway:status skip",
    ]);
    // The check's verdict, then why the run stops.
    expect(r.checkpoint("db-migrations-secret:check", "fail")?.message).toBe(
      "secret ameide/db-migrations-local does not exist — Flyway would fail with 'FLYWAY_URL not set'",
    );
    expect(r.checkpoint("db-migrations-secret", "fail")).toMatchObject({
      message: "the migrations secret is missing",
      hint: "run without --verify to write it, or fix what ESO delivers",
    });
    expect(r.checkpoint("migrations:helm", "skip")?.message).toBe(
      "skipped: db-migrations-secret failed",
    );
  });

  it("a valid secret is only checked, then the release is installed", async () => {
    await migrate();
    const before = world.kube.get("Secret", NS, "db-migrations-local")?.metadata.resourceVersion;
    const r = await migrate({ verify: true });
    expect(r.error).toBeUndefined();
    expect(world.kube.get("Secret", NS, "db-migrations-local")?.metadata.resourceVersion).toBe(
      before,
    );
    expect(r.checkpoint("db-migrations-secret:check", "ok")).toBeDefined();
    expect(r.calls.map((c) => c.tool)).toEqual(["helm", "kubectl"]);
  });
});

describe("run-migrations: the Flyway settings reach the Job", () => {
  it("settings that are not Flyway's defaults: a 0600 values file as helm's second --values, gone once helm has read it", async () => {
    let seen: { text: string; mode: number } | undefined;
    // A file left by an earlier run that was killed: replaced, not appended to.
    ws.write(".dev-bootstrap/flyway-settings.values.json", "stale\n");
    const r = await migrate({
      env: { FLYWAY_TABLE: "schema_history", FLYWAY_PLACEHOLDERS_OWNER: "app_owner" },
      plan: {
        helm: {
          during: () => {
            seen = {
              text: ws.read(".dev-bootstrap/flyway-settings.values.json"),
              mode: statSync(valuesFile()).mode & 0o777,
            };
          },
        },
      },
    });
    expect(r.error).toBeUndefined();
    const args = r.calls[0]!.args;
    const values = args.flatMap((a, i) => (args[i - 1] === "--values" ? [a] : []));
    expect(values).toEqual([join(ws.dir, "charts/db-migrations/values-local.yaml"), valuesFile()]);
    expect(seen?.mode).toBe(0o600);
    expect(JSON.parse(seen!.text)).toEqual({
      flyway: { env: { FLYWAY_TABLE: "schema_history", FLYWAY_PLACEHOLDERS_OWNER: "app_owner" } },
    });
    expect(seen!.text.endsWith("}\n")).toBe(true);
    // Values never travel in argv.
    expect(args.join(" ")).not.toContain("app_owner");
    expect(statSafe(valuesFile())).toBeUndefined();
  });

  it("the values file is removed when helm fails too", async () => {
    const r = await migrate({
      env: { FLYWAY_OUT_OF_ORDER: "true" },
      plan: { helm: { exitCode: 1 } },
    });
    expect(r.error).toBeDefined();
    expect(r.calls[0]!.args).toContain(valuesFile());
    expect(statSafe(valuesFile())).toBeUndefined();
  });

  it("locations set for Flyway do not reach the Job: a warning that says where it reads instead", async () => {
    const r = await migrate({ env: { FLYWAY_LOCATIONS: `filesystem:${ws.dir}/elsewhere` } });
    expect(r.checkpoint("migrations:helm", "warn")).toMatchObject({
      message:
        "locations from FLYWAY_LOCATIONS do not reach the Flyway Job: it reads the chart's sql/<database>",
      hint: "point migrations.sqlDir (and the chart's sql link) at those migrations instead",
    });
    // Locations are not among the settings handed on.
    expect(r.calls[0]!.args).not.toContain(valuesFile());
  });

  it("a setting the Job's Flyway would not honour is warned about under the helm step", async () => {
    const r = await migrate({ env: { FLYWAY_ENVIRONMENT: "dev" } });
    expect(
      r.records().find((x) => x.step === "migrations:helm" && x.status === "warn")?.message,
    ).toMatch(/^FLYWAY_ENVIRONMENT is not read by Flyway 10/);
  });
});

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
