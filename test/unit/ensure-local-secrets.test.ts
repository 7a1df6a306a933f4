/**
 * ensure-local-secrets' Vault half, driven in-process against the Vault stand-in
 * through the real Vault client, on a virtual clock: the fixtures are validated
 * (and counted) before anything reaches Vault, `--path` seeds only the paths
 * named and refuses one no fixture declares, and fixtures the caller already
 * loaded (the watcher's) are seeded as given, not read again.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHost, nodeFs } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { InputError } from "../../src/core/errors.js";
import type { ResolvedPath } from "../../src/core/fixtures.js";
import { SecretMasker } from "../../src/core/mask.js";
import { ensureLocalSecrets } from "../../src/flows/ensure-local-secrets.js";
import type { FsPort } from "../../src/flows/host.js";
import { VaultStandIn } from "../../src/sandbox/vault-server.js";
import { virtualClock } from "../helpers/clock.js";
import { type CapturedLog, captureLog } from "../helpers/flow-run.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const FIXTURES = `paths:
  platform/db:
    DB_USERNAME: platform
  agents/db:
    DB_USERNAME: agents
`;

let vault: VaultStandIn;
let addr: string;
let ws: Workspace;
let run: CapturedLog;

beforeEach(async () => {
  vault = new VaultStandIn();
  addr = await vault.listen();
  ws = makeWorkspace({ "dev-bootstrap.yaml": "", "vault/fixtures/local.yaml": FIXTURES });
});
afterEach(async () => vault.close());

let masker: SecretMasker;

const ensure = (
  options: { plan?: boolean; only?: Set<string>; fixtures?: Map<string, ResolvedPath> } = {},
  setup: { env?: Record<string, string>; fs?: FsPort } = {},
) => {
  const env = { VAULT_ADDR: addr, VAULT_TOKEN: vault.rootToken, HOME: ws.dir, ...setup.env };
  const resolved = resolveConfig({ cwd: ws.dir, env });
  const clock = virtualClock();
  masker = new SecretMasker();
  const built = createHost({ resolved, masker, env, clock });
  const host = setup.fs ? { ...built, fs: setup.fs } : built;
  run = captureLog({ command: "ensure-local-secrets", clock, masker });
  return ensureLocalSecrets(host, resolved, run.log, { plan: options.plan ?? false, ...options });
};

const stored = (path: string) => vault.mounts.get("secret")!.kv.has(path);

describe("ensure-local-secrets in-process", () => {
  it("validates the fixtures, counts their paths, then seeds them", async () => {
    const result = await ensure();
    expect(run.checkpoint("vault:fixtures", "start")).toMatchObject({
      message: "validating fixtures in vault/fixtures",
    });
    expect(run.checkpoint("vault:fixtures", "ok")).toMatchObject({ message: "2 path(s) valid" });
    expect([...result.fixtures.keys()].sort()).toEqual(["agents/db", "platform/db"]);
    expect(result.seed.written).toBe(2);
    expect(stored("platform/db") && stored("agents/db")).toBe(true);
  });

  it("--path seeds only the paths named", async () => {
    const result = await ensure({ only: new Set(["agents/db"]) });
    expect(result.seed.written).toBe(1);
    expect(stored("agents/db")).toBe(true);
    expect(stored("platform/db")).toBe(false);
  });

  it("a --path no fixture declares is refused before Vault is asked anything", async () => {
    const error = await ensure({ only: new Set(["agents/db", "billing/db", "web/db"]) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ hint: "list the declared paths with --plan" });
    expect((error as Error).message).toContain("no fixture declares path(s): billing/db, web/db");
    expect(vault.requests).toEqual([]);
  });

  it("a fixture that does not validate fails its step, and nothing reaches Vault", async () => {
    ws.write("vault/fixtures/local.yaml", "paths:\n  platform/db:\n    DB_USERNAME: { nope: 1 }\n");
    await expect(ensure()).rejects.toBeInstanceOf(InputError);
    expect(run.checkpoint("vault:fixtures", "fail")).toBeDefined();
    expect(run.checkpoint("vault:fixtures", "ok")).toBeUndefined();
    expect(vault.requests).toEqual([]);
  });

  it("fixtures already loaded are seeded as given: the files are not read again", async () => {
    const given = new Map<string, ResolvedPath>([
      [
        "web/db",
        {
          path: "web/db",
          file: "vault/fixtures/local.yaml",
          values: { DB_USERNAME: "web" },
          secretKeys: new Set(),
        },
      ],
    ]);
    // The files changed since the caller loaded them: what was handed over counts.
    ws.write("vault/fixtures/local.yaml", "not: [valid");
    const result = await ensure({ fixtures: given });
    expect(result.fixtures).toBe(given);
    expect(run.checkpoint("vault:fixtures", "ok")).toMatchObject({ message: "1 path(s) valid" });
    expect(stored("web/db")).toBe(true);
  });

  it("a plan writes nothing", async () => {
    const result = await ensure({ plan: true });
    expect(result.seed.written).toBe(0);
    expect(stored("platform/db")).toBe(false);
  });

  it("fixture values from the run's environment; secret values are masked from then on", async () => {
    ws.write(
      "vault/fixtures/local.yaml",
      [
        "paths:",
        "  platform/db:",
        "    DB_HOST: { env: DEV_BOOTSTRAP_DB_HOST, default: db.local }",
        '    API_KEY: { value: "CANARY-9d2f-literal", secret: true }',
        "",
      ].join("\n"),
    );
    await ensure({}, { env: { DEV_BOOTSTRAP_DB_HOST: "10.1.2.3" } });
    expect(vault.read("secret", "platform/db")).toEqual({
      DB_HOST: "10.1.2.3",
      API_KEY: "CANARY-9d2f-literal",
    });
    expect(masker.mask("the key is CANARY-9d2f-literal")).not.toContain("CANARY-9d2f-literal");
    expect(run.text()).not.toContain("CANARY-9d2f-literal");
  });

  it("an error that is none of the fixtures' passes through unreported, for the CLI to report once", async () => {
    const broken = new Error("EIO: i/o error, read");
    const fs: FsPort = {
      ...nodeFs,
      readRegular: () => {
        throw broken;
      },
    };
    await expect(ensure({}, { fs })).rejects.toBe(broken);
    expect(run.checkpoint("vault:fixtures", "fail")).toBeUndefined();
    expect(vault.requests).toEqual([]);
  });
});
