/**
 * `why`'s walk at its edges, in-process against the stand-ins: no token at all, a
 * Vault answer without a write time (KV v2's `metadata.created_time` is what the
 * sync check compares with; a proxy or an old server may leave it out), a Vault read
 * that fails with its own explanation, a database that is down (why answers at once:
 * `wait` is what polls), and no fixture directory.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Vault } from "../../src/adapters/vault.js";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { ChainReport, Link } from "../../src/core/chain.js";
import { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import { walkChain } from "../../src/flows/why.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, setUpWith } from "../helpers/cli.js";
import { type VirtualClock, virtualClock } from "../helpers/clock.js";
import { DB_URL_FIXTURES, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
beforeEach(async () => {
  world = await startWorld();
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 20\n",
    "vault/fixtures/db.yaml": DB_URL_FIXTURES,
  });
});
afterEach(async () => world.stop());

const env = (extra: Record<string, string | undefined> = {}) =>
  cleanEnv({ ...world.env, ...extra });

async function ready(): Promise<void> {
  await setUpWith(["ensure-local-secrets"], { cwd: ws.dir, env: env() });
  await setUpWith(["bootstrap-db-migrations-secret"], { cwd: ws.dir, env: env() });
}

async function walk(
  options: {
    env?: Record<string, string | undefined>;
    vault?: (vault: Vault) => Vault;
    connect?: boolean;
  } = {},
): Promise<ChainReport & { link(id: string): Link; clock: VirtualClock }> {
  const e = env(options.env);
  const resolved = resolveConfig({ cwd: ws.dir, env: e });
  const clock = virtualClock();
  const base = createHost({ resolved, masker: new SecretMasker(), env: e, clock });
  const wrap = options.vault;
  const host = wrap ? { ...base, vault: async () => wrap(await base.vault()) } : base;
  const report = await walkChain(host, resolved, {
    connect: options.connect ?? false,
    allowPending: true,
  });
  return { ...report, link: (id) => report.links.find((l) => l.id === id)!, clock };
}

describe("why at the edges", () => {
  it("no Vault token anywhere: the vault link, with where a token may come from", async () => {
    const home = mkdtempSync(join(tmpdir(), "dbhome-"));
    const r = await walk({ env: { VAULT_TOKEN: undefined, HOME: home } });
    expect(r.firstBroken).toBe("vault");
    expect(r.link("vault")).toMatchObject({
      summary: "no Vault token: VAULT_TOKEN is unset and ~/.vault-token does not exist",
      fix: "set VAULT_TOKEN or VAULT_TOKEN_FILE, or log in with 'vault login' (without a token_helper in ~/.vault it writes ~/.vault-token)",
      evidence: [],
    });
  });

  it("no fixture directory: the fixtures link, with the setting that points at it", async () => {
    ws.write("dev-bootstrap.yaml", "vault:\n  fixturesDir: nowhere\n");
    const r = await walk();
    expect(r.link("fixtures")).toMatchObject({
      status: "broken",
      summary: `${ws.dir}/nowhere: cannot read the fixture directory (ENOENT)`,
      evidence: [`${ws.dir}/nowhere: cannot read the fixture directory (ENOENT)`],
      fix: "fix the fixture at that position (create it, or point vault.fixturesDir / --fixtures at the directory holding your *.yaml fixtures), then: dev-bootstrap ensure-local-secrets",
    });
  });

  it("Vault's answers without a write time: no time in the evidence, and no sync judged by it", async () => {
    await ready();
    const r = await walk({
      vault: (vault) => ({
        ...vault,
        kvRead: async (mount, path) => {
          const read = await vault.kvRead(mount, path);
          if (read.kind !== "present") return read;
          const { createdTime: _t, ...rest } = read;
          return rest;
        },
      }),
    });
    expect(r.ok, JSON.stringify(r.links)).toBe(true);
    expect(r.link("vault-data").evidence).toEqual([
      "secret/platform/db: version 1, keys DB_USERNAME, DB_PASSWORD, DATABASE_URL",
      "secret/agents/db: version 1, keys DB_USERNAME, DB_PASSWORD, DATABASE_URL",
    ]);
  });

  it("a Vault read that fails with its own explanation: that message and hint, not rewrapped", async () => {
    await ready();
    const r = await walk({
      vault: (vault) => ({
        ...vault,
        kvRead: async () => {
          throw new StepError(
            "Vault at http://vault:8200 did not answer within 10 s",
            "raise vault.timeoutSeconds",
          );
        },
      }),
    });
    expect(r.link("vault-data")).toMatchObject({
      status: "broken",
      summary: "Vault at http://vault:8200 did not answer within 10 s",
      fix: "raise vault.timeoutSeconds",
    });
  });

  it("a database that is down: one login attempt, no wait, the login's own hint", async () => {
    ws.write("vault/fixtures/db.yaml", DB_URL_FIXTURES.replaceAll("@db:5432/", "@127.0.0.1:1/"));
    await ready();
    const r = await walk({ connect: true });
    expect(r.firstBroken).toBe("database-login");
    expect(r.link("database-login").fix).toBe(
      "start PostgreSQL (or its port-forward) and check host and port",
    );
    expect(r.clock.sleeps).toEqual([]);
  });
});
