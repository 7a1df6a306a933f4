/**
 * The Flyway connection of every configured database, as run-flyway-cli and
 * flyway-status load them: from the cluster's migrations secret (through the real
 * Kubernetes client, against the in-process API stand-in) or from the environment
 * (the precedence table in core/flyway-env). What a user relies on: databases in
 * config order, --database picking one, a missing secret or key named with the
 * command that makes it, and every password registered for masking before
 * anything is printed.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { loadConnections } from "../../src/flows/flyway-connections.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { virtualClock } from "../helpers/clock.js";
import { partialHost } from "../helpers/flow-run.js";
import { makeWorkspace } from "../helpers/workspace.js";

const PLATFORM_PW = "platform-pw-7f3a9c";
const AGENTS_PW = "agents-pw-0b8e21";

/** What bootstrap-db-migrations-secret writes for the two default databases. */
const SECRET_DATA: Record<string, string> = {
  FLYWAY_URL: "jdbc:postgresql://db.local:5432/platform?sslmode=disable",
  FLYWAY_USER: "platform",
  FLYWAY_PASSWORD: PLATFORM_PW,
  AGENTS_FLYWAY_URL: "jdbc:postgresql://db.local:5433/agents",
  AGENTS_FLYWAY_USER: "agents_owner",
  AGENTS_FLYWAY_PASSWORD: AGENTS_PW,
};

const THREE_DATABASES = `migrations:
  databases:
    - { name: platform, vaultPath: platform/db }
    - { name: agents, vaultPath: agents/db, baselineVersion: "3" }
    - { name: billing, vaultPath: billing/db }
`;

async function failure(p: Promise<unknown>): Promise<StepError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepError);
  return error as StepError;
}

describe("from the cluster's migrations secret", () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(async () => world.stop());

  function putSecret(
    data: Record<string, string>,
    namespace = "ameide",
    name = "db-migrations-local",
  ) {
    world.kube.put(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace },
        data: Object.fromEntries(
          Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
        ),
      },
      "bootstrap",
    );
  }

  function load(options: { only?: string } = {}, config?: string) {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...world.env };
    const ws = makeWorkspace(config ? { "dev-bootstrap.yaml": config } : {});
    const resolved = resolveConfig({ cwd: ws.dir, env });
    const masker = new SecretMasker();
    const host = createHost({ resolved, masker, env, clock: virtualClock() });
    return {
      masker,
      result: loadConnections(host, resolved, { from: "cluster", ...options }),
    };
  }

  it("gives every database's connection, in config order, and registers its password for masking", async () => {
    putSecret(SECRET_DATA);
    const { result, masker } = load();
    const connections = await result;
    expect(connections).toEqual([
      {
        name: "platform",
        primary: true,
        baselineVersion: undefined,
        connection: {
          database: "platform",
          target: {
            host: "db.local",
            port: 5432,
            database: "platform",
            params: [["sslmode", "disable"]],
            user: "platform",
            password: PLATFORM_PW,
          },
          from: { url: "FLYWAY_URL", user: "FLYWAY_USER", password: "FLYWAY_PASSWORD" },
        },
      },
      {
        name: "agents",
        primary: false,
        baselineVersion: "3",
        connection: {
          database: "agents",
          target: {
            host: "db.local",
            port: 5433,
            database: "agents",
            params: [],
            user: "agents_owner",
            password: AGENTS_PW,
          },
          from: {
            url: "AGENTS_FLYWAY_URL",
            user: "AGENTS_FLYWAY_USER",
            password: "AGENTS_FLYWAY_PASSWORD",
          },
        },
      },
    ]);
    expect(masker.mask(`login ${PLATFORM_PW} and ${AGENTS_PW}`)).not.toMatch(
      /platform-pw|agents-pw/,
    );
  });

  it("--database picks one; the others' problems do not matter then", async () => {
    const { AGENTS_FLYWAY_PASSWORD: _, ...noAgentsPassword } = SECRET_DATA;
    putSecret(noAgentsPassword);
    const { result } = load({ only: "platform" });
    expect((await result).map((c) => c.name)).toEqual(["platform"]);
  });

  it("a database that is not configured is refused, naming those that are", async () => {
    putSecret(SECRET_DATA);
    const e = await failure(load({ only: "billing" }).result);
    expect(e.message).toBe(
      "no database 'billing' in migrations.databases (have: platform, agents)",
    );
    expect(e.hint).toBe("pick one of those, or add it to dev-bootstrap.yaml");
  });

  it("a missing secret says what Flyway would say and which command makes it", async () => {
    const e = await failure(load().result);
    expect(e.message).toBe(
      "secret ameide/db-migrations-local does not exist (Flyway would fail with 'FLYWAY_URL not set')",
    );
    expect(e.hint).toBe("run 'dev-bootstrap bootstrap-db-migrations-secret', or use --from env");
  });

  it("reads the secret named in the config, in the configured namespace", async () => {
    putSecret(SECRET_DATA, "dev", "flyway-creds");
    putSecret({}, "ameide", "db-migrations-local");
    const { result } = load({}, "namespace: dev\nmigrations:\n  secretName: flyway-creds\n");
    expect((await result).map((c) => c.connection.target.user)).toEqual([
      "platform",
      "agents_owner",
    ]);
  });

  it("a secret we may not read is an RBAC failure with the check to run", async () => {
    world.kube.deny.push({ verb: "get", resource: "secrets", namespace: "ameide" });
    const e = await failure(load().result);
    expect(e.message).toBe("forbidden: cannot get secrets in namespace ameide (RBAC)");
    expect(e.hint).toContain("kubectl auth can-i get secrets -n ameide");
  });

  it("names every database whose keys are missing, and never a value", async () => {
    putSecret({
      FLYWAY_URL: SECRET_DATA.FLYWAY_URL!,
      FLYWAY_PASSWORD: PLATFORM_PW,
      BILLING_FLYWAY_USER: "b",
    });
    const e = await failure(load({}, THREE_DATABASES).result);
    expect(e.message).toBe(
      "no usable Flyway connection for platform: secret ameide/db-migrations-local: FLYWAY_USER is missing; " +
        "agents: secret ameide/db-migrations-local: AGENTS_FLYWAY_URL is missing; AGENTS_FLYWAY_USER is missing; AGENTS_FLYWAY_PASSWORD is missing; " +
        "billing: secret ameide/db-migrations-local: BILLING_FLYWAY_URL is missing; BILLING_FLYWAY_PASSWORD is missing",
    );
    expect(e.hint).toBe("rerun 'dev-bootstrap bootstrap-db-migrations-secret'");
    expect(e.message).not.toContain(PLATFORM_PW);
  });
});

describe("from this process's environment (--from env)", () => {
  /** No Kubernetes port: reading the environment must not reach for the cluster. */
  function load(env: Record<string, string>, options: { only?: string } = {}, config?: string) {
    const ws = makeWorkspace(config ? { "dev-bootstrap.yaml": config } : {});
    const resolved = resolveConfig({ cwd: ws.dir, env: {} });
    const host = partialHost({ env, clock: virtualClock() });
    return {
      masker: host.masker,
      result: loadConnections(host, resolved, { from: "env", ...options }),
    };
  }

  it("follows the precedence table, and registers every password it saw for masking", async () => {
    const { result, masker } = load({
      FLYWAY_URL: "jdbc:postgresql://localhost:5432/platform",
      FLYWAY_USER: "platform",
      FLYWAY_PASSWORD: PLATFORM_PW,
      AGENTS_DATABASE_URL: `postgresql://agents:${AGENTS_PW}@localhost:6543/agents`,
      UNRELATED_TOKEN: "token-value-123456",
    });
    const connections = await result;
    expect(
      connections.map((c) => [c.name, c.primary, c.baselineVersion, c.connection.from]),
    ).toEqual([
      [
        "platform",
        true,
        undefined,
        { url: "FLYWAY_URL", user: "FLYWAY_USER", password: "FLYWAY_PASSWORD" },
      ],
      [
        "agents",
        false,
        "3",
        {
          url: "AGENTS_DATABASE_URL",
          user: "AGENTS_DATABASE_URL",
          password: "AGENTS_DATABASE_URL",
        },
      ],
    ]);
    expect(connections[1]?.connection.target).toMatchObject({
      port: 6543,
      user: "agents",
      password: AGENTS_PW,
    });
    const masked = masker.mask(`${PLATFORM_PW} ${AGENTS_PW} token-value-123456`);
    expect(masked).not.toMatch(/platform-pw|agents-pw|token-value/);
  });

  it("names the keys a database's connection is looked up in when none is set", async () => {
    const e = await failure(
      load({
        FLYWAY_URL: "jdbc:postgresql://localhost/platform",
        FLYWAY_USER: "u",
        FLYWAY_PASSWORD: PLATFORM_PW,
      }).result,
    );
    expect(e.message).toBe(
      "no usable Flyway connection for agents: the environment has no AGENTS_FLYWAY_URL | AGENTS_DATABASE_URL",
    );
    expect(e.hint).toBe(
      "export the keys named (see the connection precedence in docs/reference/commands.md), or use --from cluster",
    );
  });

  it("a URL without credentials names the keys that would give them", async () => {
    const e = await failure(
      load({ AGENTS_DATABASE_URL: "postgresql://h/agents" }, { only: "agents" }).result,
    );
    expect(e.message).toBe(
      "no usable Flyway connection for agents: the environment has no AGENTS_FLYWAY_USER (or a user in AGENTS_DATABASE_URL), AGENTS_FLYWAY_PASSWORD (or a password in AGENTS_DATABASE_URL)",
    );
  });

  it("a URL it cannot read is named by its key, never echoed", async () => {
    const e = await failure(
      load({ AGENTS_FLYWAY_URL: `mysql://agents:${AGENTS_PW}@h/agents` }, { only: "agents" })
        .result,
    );
    expect(e.message).toMatch(/^no usable Flyway connection for agents: AGENTS_FLYWAY_URL: /);
    expect(e.message).not.toContain(AGENTS_PW);
  });

  it("--database picks one from the environment too", async () => {
    const { result } = load(
      {
        AGENTS_FLYWAY_URL: "jdbc:postgresql://h/agents",
        AGENTS_FLYWAY_USER: "a",
        AGENTS_FLYWAY_PASSWORD: AGENTS_PW,
      },
      { only: "agents" },
    );
    expect((await result).map((c) => [c.name, c.primary])).toEqual([["agents", false]]);
  });
});
