/**
 * The health check (check-db-migrations-secret), in-process: the migrations
 * secret read from an in-memory Kubernetes, the logins made through an in-memory
 * database port, on a virtual clock. What a user (and CI, before layer 42) relies
 * on: a missing secret, a missing or empty key, a URL Flyway cannot use and a
 * refused login are each told apart (each is its own exit code), the line names
 * the first problem and how many more there are, the hint says what to run, every
 * login is tried once per database with bounded retries and closed after, and no
 * value of the secret reaches the output.
 *
 * The keys are Flyway's own environment variables (FLYWAY_URL, FLYWAY_USER,
 * FLYWAY_PASSWORD; flyway-core's ConfigUtils reads them), and Flyway refuses a
 * missing URL with "FLYWAY_URL not set"-like errors: the fail line says so.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Kube, SecretRead } from "../../src/adapters/kube.js";
import { KubeApiError } from "../../src/adapters/kube-api-error.js";
import type { ConnectOptions, DbClient, DbPort } from "../../src/adapters/ports.js";
import { PgConnectError, PgQueryTimeoutError } from "../../src/adapters/postgres-errors.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { Connection } from "../../src/core/connection.js";
import { StepError } from "../../src/core/errors.js";
import { checkMigrationsSecret } from "../../src/flows/check-migrations-secret.js";
import type { Host } from "../../src/flows/host.js";
import { virtualClock } from "../helpers/clock.js";
import { type CapturedLog, captureLog, partialHost } from "../helpers/flow-run.js";
import { makeWorkspace } from "../helpers/workspace.js";

const STEP = "db-migrations-secret:check";
const FIX =
  "run 'dev-bootstrap bootstrap-db-migrations-secret' (or check it: kubectl -n ameide get secret db-migrations-local)";
const PLATFORM_PW = "pl@tform pw/1";
const AGENTS_PW = "agents-S3cret-2";

/** The secret bootstrap-db-migrations-secret writes for the default two databases. */
const complete = (): Record<string, string> => ({
  FLYWAY_URL: "jdbc:postgresql://db.test:5432/platform",
  FLYWAY_USER: "platform_user",
  FLYWAY_PASSWORD: PLATFORM_PW,
  AGENTS_FLYWAY_URL: "jdbc:postgresql://db.test:5433/agents?sslmode=disable",
  AGENTS_FLYWAY_USER: "agents_user",
  AGENTS_FLYWAY_PASSWORD: AGENTS_PW,
});

interface Setup {
  /** The secret's data; undefined: no such secret. */
  data?: Record<string, string> | undefined;
  binaryKeys?: string[];
  /** Thrown by the secret's read. */
  readFault?: unknown;
  config?: string;
  signal?: AbortSignal;
}

interface Login {
  target: Connection;
  options: ConnectOptions;
}

/** What each login does, by user: undefined logs in and answers; an error is thrown. */
let loginFaults: Map<string, unknown>;
/** What `select 1` does, by user: an error is thrown. */
let queryFaults: Map<string, unknown>;
/** What closing the session does, by user: an error is thrown. */
let endFaults: Map<string, unknown>;
let logins: Login[];
let queries: Array<{ user: string; text: string }>;
let ended: string[];
let reads: string[];
let captured: CapturedLog;
let host: Host & { masker: import("../../src/core/mask.js").SecretMasker };

beforeEach(() => {
  loginFaults = new Map();
  queryFaults = new Map();
  endFaults = new Map();
  logins = [];
  queries = [];
  ended = [];
  reads = [];
});

const db: DbPort = {
  async connect(target, options) {
    logins.push({ target, options });
    const fault = loginFaults.get(target.user);
    if (fault) throw fault;
    const client: DbClient = {
      async query(text) {
        queries.push({ user: target.user, text });
        const q = queryFaults.get(target.user);
        if (q) throw q;
        return { rows: [], rowCount: 1 };
      },
      escapeIdentifier: (id) => `"${id}"`,
      async end() {
        ended.push(target.user);
        const e = endFaults.get(target.user);
        if (e) throw e;
      },
    };
    return client;
  },
};

async function check(
  setup: Setup = { data: complete() },
  connect = false,
  connectAttempts?: number,
) {
  const ws = makeWorkspace(setup.config ? { "dev-bootstrap.yaml": setup.config } : {});
  const resolved = resolveConfig({ cwd: ws.dir, env: {} });
  const clock = virtualClock(0);
  const kube = {
    async readSecret(namespace: string, name: string): Promise<SecretRead | undefined> {
      reads.push(`${namespace}/${name}`);
      if (setup.readFault) throw setup.readFault;
      if (!setup.data) return undefined;
      return {
        name,
        namespace,
        resourceVersion: "7",
        immutable: false,
        labels: {},
        annotations: {},
        data: { ...setup.data },
        binaryKeys: [...(setup.binaryKeys ?? [])],
        raw: {},
      };
    },
  } as Partial<Kube> as Kube;
  host = partialHost({
    clock,
    kube: async () => kube,
    db: async () => db,
    ...(setup.signal ? { signal: setup.signal } : {}),
  });
  captured = captureLog({ command: "check-db-migrations-secret", clock, masker: host.masker });
  return checkMigrationsSecret(host, resolved, captured.log, {
    connect,
    ...(connectAttempts !== undefined ? { connectAttempts } : {}),
  });
}

const fails = () => captured.records().filter((r) => r.status === "fail");

/** No value of the secret's passwords anywhere in what was written. */
function expectNoPasswords() {
  expect(captured.text()).not.toContain(PLATFORM_PW);
  expect(captured.text()).not.toContain(AGENTS_PW);
}

describe("the health check without --connect", () => {
  it("a complete secret: one ok line naming every database; nothing logs in", async () => {
    const r = await check();
    expect(reads).toEqual(["ameide/db-migrations-local"]);
    expect(captured.checkpoint(STEP, "start")?.message).toBe("checking ameide/db-migrations-local");
    expect(captured.checkpoint(STEP, "ok")?.message).toBe(
      "ameide/db-migrations-local has valid Flyway settings for platform, agents",
    );
    expect(fails()).toEqual([]);
    expect(r).toEqual({
      namespace: "ameide",
      secret: "db-migrations-local",
      exists: true,
      result: "ok",
      databases: [
        {
          database: "platform",
          keys: { url: "FLYWAY_URL", user: "FLYWAY_USER", password: "FLYWAY_PASSWORD" },
          status: "ok",
          problems: [],
          url: "jdbc:postgresql://db.test:5432/platform",
          user: "platform_user",
        },
        {
          database: "agents",
          keys: {
            url: "AGENTS_FLYWAY_URL",
            user: "AGENTS_FLYWAY_USER",
            password: "AGENTS_FLYWAY_PASSWORD",
          },
          status: "ok",
          problems: [],
          url: "jdbc:postgresql://db.test:5433/agents?sslmode=disable",
          user: "agents_user",
        },
      ],
    });
    expect(logins).toEqual([]);
    expectNoPasswords();
  });

  it("the namespace and the secret's name come from the config", async () => {
    const r = await check({
      data: complete(),
      config: "namespace: team-a\nmigrations:\n  secretName: flyway-env\n",
    });
    expect(reads).toEqual(["team-a/flyway-env"]);
    expect(r).toMatchObject({ namespace: "team-a", secret: "flyway-env", result: "ok" });
    expect(captured.checkpoint(STEP, "ok")?.message).toBe(
      "team-a/flyway-env has valid Flyway settings for platform, agents",
    );
  });

  it("no secret: 'missing' for every database, and the line says Flyway would not start", async () => {
    const r = await check({ data: undefined });
    expect(r).toEqual({
      namespace: "ameide",
      secret: "db-migrations-local",
      exists: false,
      result: "missing",
      databases: [
        {
          database: "platform",
          keys: { url: "FLYWAY_URL", user: "FLYWAY_USER", password: "FLYWAY_PASSWORD" },
          status: "missing",
          problems: ["secret ameide/db-migrations-local does not exist"],
        },
        {
          database: "agents",
          keys: {
            url: "AGENTS_FLYWAY_URL",
            user: "AGENTS_FLYWAY_USER",
            password: "AGENTS_FLYWAY_PASSWORD",
          },
          status: "missing",
          problems: ["secret ameide/db-migrations-local does not exist"],
        },
      ],
    });
    expect(fails()).toEqual([
      expect.objectContaining({
        step: STEP,
        message:
          "secret ameide/db-migrations-local does not exist — Flyway would fail with 'FLYWAY_URL not set'",
        hint: FIX,
      }),
    ]);
    expect(captured.checkpoint(STEP, "ok")).toBeUndefined();
  });

  it("one key missing: 'missing', the line names it; the hint is the bootstrap", async () => {
    const data = complete();
    delete data.AGENTS_FLYWAY_USER;
    const r = await check({ data });
    expect(r.result).toBe("missing");
    expect(r.exists).toBe(true);
    expect(r.databases.map((d) => d.status)).toEqual(["ok", "missing"]);
    expect(fails()).toEqual([
      expect.objectContaining({ message: "AGENTS_FLYWAY_USER is missing", hint: FIX }),
    ]);
  });

  it("several problems: the first, and how many more", async () => {
    const data = complete();
    data.FLYWAY_PASSWORD = "";
    data.AGENTS_FLYWAY_URL = "postgresql://db.test:5433/agents";
    delete data.AGENTS_FLYWAY_PASSWORD;
    const r = await check({ data });
    expect(r.result).toBe("missing");
    expect(r.databases.flatMap((d) => d.problems)).toEqual([
      "FLYWAY_PASSWORD is empty",
      "AGENTS_FLYWAY_PASSWORD is missing",
      "AGENTS_FLYWAY_URL not a JDBC URL (expected jdbc:postgresql://host:port/database)",
    ]);
    expect(fails()).toEqual([
      expect.objectContaining({ message: "FLYWAY_PASSWORD is empty (and 2 more)", hint: FIX }),
    ]);
  });

  it("two problems: '(and 1 more)'", async () => {
    const data = complete();
    delete data.FLYWAY_USER;
    delete data.AGENTS_FLYWAY_USER;
    await check({ data });
    expect(fails()[0]?.message).toBe("FLYWAY_USER is missing (and 1 more)");
  });

  it("a URL with credentials in it: 'invalid' (its own exit code), without the password", async () => {
    const data = complete();
    data.FLYWAY_URL = `jdbc:postgresql://platform_user:${encodeURIComponent(PLATFORM_PW)}@db.test:5432/platform`;
    const r = await check({ data });
    expect(r.result).toBe("invalid");
    expect(r.databases.map((d) => d.status)).toEqual(["invalid", "ok"]);
    // An unusable URL is not shown as the database's URL.
    expect(r.databases[0]).not.toHaveProperty("url");
    expect(r.databases[0]?.user).toBe("platform_user");
    expect(fails()).toEqual([
      expect.objectContaining({
        message:
          "FLYWAY_URL holds credentials (user/password belong in FLYWAY_USER / FLYWAY_PASSWORD)",
        hint: FIX,
      }),
    ]);
    expect(captured.text()).not.toContain(encodeURIComponent(PLATFORM_PW));
    expectNoPasswords();
  });

  it("a key that is not UTF-8: 'invalid'", async () => {
    const data = complete();
    delete data.AGENTS_FLYWAY_PASSWORD;
    const r = await check({ data, binaryKeys: ["AGENTS_FLYWAY_PASSWORD"] });
    expect(r.result).toBe("invalid");
    expect(fails()[0]?.message).toBe("AGENTS_FLYWAY_PASSWORD is not UTF-8 text");
  });

  it("a missing key outranks an invalid one, whichever database has which", async () => {
    const data = complete();
    data.FLYWAY_URL = "mysql://db.test/platform";
    delete data.AGENTS_FLYWAY_USER;
    const r = await check({ data });
    expect(r.databases.map((d) => d.status)).toEqual(["invalid", "missing"]);
    expect(r.result).toBe("missing");
  });

  it("a read the API refuses is the step's failure, reported once with the RBAC hint", async () => {
    const forbidden = new KubeApiError(
      403,
      "Forbidden",
      "get",
      "secrets",
      "ameide/db-migrations-local",
      'secrets "db-migrations-local" is forbidden',
      [],
    );
    const error = await check({ readFault: forbidden }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe(
      "forbidden: cannot get secrets in namespace ameide (RBAC)",
    );
    expect(fails()).toEqual([
      expect.objectContaining({
        step: STEP,
        message: "forbidden: cannot get secrets in namespace ameide (RBAC)",
        hint: "grant 'get' on secrets in ameide; check with: kubectl auth can-i get secrets -n ameide",
      }),
    ]);
    expect(captured.log.reportedAt(error)).toBe(STEP);
  });
});

describe("the health check with --connect", () => {
  it("logs in to each database once, runs one query, closes the session; says every login works", async () => {
    const r = await check({ data: complete() }, true);
    expect(captured.checkpoint(STEP, "start")?.message).toBe(
      "checking ameide/db-migrations-local and logging in to each database",
    );
    expect(logins.map((l) => l.target)).toEqual([
      {
        host: "db.test",
        port: 5432,
        database: "platform",
        params: [],
        user: "platform_user",
        password: PLATFORM_PW,
      },
      {
        host: "db.test",
        port: 5433,
        database: "agents",
        params: [["sslmode", "disable"]],
        user: "agents_user",
        password: AGENTS_PW,
      },
    ]);
    expect(queries).toEqual([
      { user: "platform_user", text: "select 1" },
      { user: "agents_user", text: "select 1" },
    ]);
    expect(ended).toEqual(["platform_user", "agents_user"]);
    expect(r.result).toBe("ok");
    expect(captured.checkpoint(STEP, "ok")?.message).toBe(
      "ameide/db-migrations-local has valid Flyway settings for platform, agents; every login works",
    );
    expectNoPasswords();
  });

  it("a session that fails to close after its query still counts as a working login", async () => {
    endFaults.set("platform_user", new Error("Connection terminated unexpectedly"));
    const r = await check({ data: complete() }, true);
    expect(r.result).toBe("ok");
    expect(ended).toEqual(["platform_user", "agents_user"]);
    expect(fails()).toEqual([]);
  });

  it("retries are bounded (5 attempts unless told) and each query has the configured limit", async () => {
    await check({ data: complete() }, true);
    // statementTimeoutSeconds (60) + 5 s: the server cancels a slow statement first.
    expect(logins.map((l) => l.options)).toEqual([
      { attempts: 5, queryTimeoutMs: 65_000 },
      { attempts: 5, queryTimeoutMs: 65_000 },
    ]);
    logins = [];
    await check(
      {
        data: complete(),
        config: "migrations:\n  statementTimeoutSeconds: 2\n  queryTimeoutSeconds: 3\n",
      },
      true,
      2,
    );
    expect(logins.map((l) => l.options)).toEqual([
      { attempts: 2, queryTimeoutMs: 3000 },
      { attempts: 2, queryTimeoutMs: 3000 },
    ]);
  });

  it("an interrupt reaches every login (the run's signal is passed on)", async () => {
    const controller = new AbortController();
    await check({ data: complete(), signal: controller.signal }, true);
    expect(logins.map((l) => l.options.signal)).toEqual([controller.signal, controller.signal]);
  });

  it("a refused login: 'cannot-connect' for that database only, with the database, user and address", async () => {
    loginFaults.set(
      "agents_user",
      new PgConnectError(
        { kind: "auth", code: "28P01", message: "password authentication failed" },
        { host: "db.test", port: 5433, database: "agents", user: "agents_user" },
      ),
    );
    const r = await check({ data: complete() }, true);
    expect(r.result).toBe("cannot-connect");
    expect(r.databases.map((d) => [d.database, d.status])).toEqual([
      ["platform", "ok"],
      ["agents", "cannot-connect"],
    ]);
    expect(r.databases[1]?.problems).toEqual([
      'database agents: password authentication failed for user "agents_user" at db.test:5433',
    ]);
    expect(fails()).toEqual([
      expect.objectContaining({
        step: STEP,
        message:
          'database agents: password authentication failed for user "agents_user" at db.test:5433',
        hint: "the password in the migrations secret does not match the role; rerun ensure-local-secrets and the bootstrap, or reset the role's password",
      }),
    ]);
    expect(ended).toEqual(["platform_user"]);
    expectNoPasswords();
  });

  it("two failed logins: both counted, the first one's hint", async () => {
    loginFaults.set(
      "platform_user",
      new PgConnectError(
        { kind: "unreachable", code: "ECONNREFUSED", message: "connect ECONNREFUSED" },
        { host: "db.test", port: 5432, database: "platform", user: "platform_user" },
      ),
    );
    loginFaults.set(
      "agents_user",
      new PgConnectError(
        { kind: "auth", code: "28P01", message: "password authentication failed" },
        { host: "db.test", port: 5433, database: "agents", user: "agents_user" },
      ),
    );
    const r = await check({ data: complete() }, true);
    expect(r.databases.map((d) => d.status)).toEqual(["cannot-connect", "cannot-connect"]);
    expect(fails()).toEqual([
      expect.objectContaining({
        message:
          "database platform: PostgreSQL unreachable at db.test:5432 (ECONNREFUSED) after retries (and 1 more)",
        hint: "start PostgreSQL (or its port-forward) and check host and port",
      }),
    ]);
  });

  it("a server that takes the login and answers no query: 'cannot-connect', its own hint; the session is closed", async () => {
    queryFaults.set(
      "platform_user",
      new PgQueryTimeoutError(65_000, { host: "db.test", port: 5432, database: "platform" }),
    );
    const r = await check({ data: complete() }, true);
    expect(r.databases.map((d) => d.status)).toEqual(["cannot-connect", "ok"]);
    expect(ended).toEqual(["platform_user", "agents_user"]);
    expect(fails()).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^database platform: /),
        hint: expect.stringMatching(/^the server took the login but runs no queries/),
      }),
    ]);
  });

  it("a server's own message that echoes the password is masked", async () => {
    loginFaults.set(
      "platform_user",
      new PgConnectError(
        { kind: "other", code: "XX000", message: `bad option near '${PLATFORM_PW}'` },
        { host: "db.test", port: 5432, database: "platform", user: "platform_user" },
      ),
    );
    const r = await check({ data: complete() }, true);
    expect(r.result).toBe("cannot-connect");
    expect(fails()[0]).toMatchObject({ hint: "check the server's log" });
    expect(String(fails()[0]?.message)).toMatch(/^database platform: bad option near/);
    expectNoPasswords();
  });

  it("a database whose entry is already broken is not logged in to; its problem outranks a login's", async () => {
    const data = complete();
    data.FLYWAY_URL = "jdbc:mysql://db.test/platform";
    loginFaults.set(
      "agents_user",
      new PgConnectError(
        { kind: "auth", code: "28P01", message: "password authentication failed" },
        { host: "db.test", port: 5433, database: "agents", user: "agents_user" },
      ),
    );
    const r = await check({ data }, true);
    expect(logins.map((l) => l.target.user)).toEqual(["agents_user"]);
    expect(r.databases.map((d) => d.status)).toEqual(["invalid", "cannot-connect"]);
    expect(r.result).toBe("invalid");
    expect(fails()).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^FLYWAY_URL not a JDBC URL .*\(and 1 more\)$/),
        hint: FIX,
      }),
    ]);
  });

  it("an error that is not a login's outcome is the step's failure, not a verdict", async () => {
    const bug = new TypeError("client is not usable");
    loginFaults.set("platform_user", bug);
    const error = await check({ data: complete() }, true).catch((e: unknown) => e);
    expect(error).toBe(bug);
    expect(logins).toHaveLength(1);
    expect(fails()).toEqual([
      expect.objectContaining({
        step: STEP,
        message: expect.stringContaining("client is not usable"),
      }),
    ]);
  });
});
