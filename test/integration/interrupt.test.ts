/**
 * FAULTS.md 36–37: a server that accepts connections and never answers, and
 * SIGINT/SIGTERM at any moment. Every run ends in bounded time, says why,
 * exits 130/143 when interrupted, and releases the workspace lock.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type HungCluster,
  type HungServer,
  spawnCli,
  startHungCluster,
} from "../helpers/spawned.js";
import type { Workspace } from "../helpers/workspace.js";

let cluster: HungCluster;
let hung: HungServer;
let ws: Workspace;
beforeEach(async () => {
  cluster = await startHungCluster("vault:\n  readyTimeoutSeconds: 2\n");
  ({ hung, ws } = cluster);
});
afterEach(() => cluster.close());

const lockFile = () => join(ws.dir, ".dev-bootstrap/dev-bootstrap.lock");
const env = (extra: Record<string, string> = {}) => cluster.env(extra);

const KUBE_COMMANDS: Array<[string, string[]]> = [
  ["the bootstrap", ["bootstrap-db-migrations-secret"]],
  ["the ESO step", ["ensure-local-secrets"]],
  ["the check", ["check-db-migrations-secret"]],
  ["flyway-status from the cluster", ["flyway-status", "--from", "cluster"]],
];

describe("a Kubernetes API that accepts connections and never answers", () => {
  it.each(KUBE_COMMANDS)("%s stops on SIGTERM with 143 and releases the lock", async (_, args) => {
    const run = spawnCli(args, { cwd: ws.dir, env: env() });
    await hung.connected();
    run.child.kill("SIGTERM");
    const code = await run.exited;
    expect(code, run.output()).toBe(143);
    expect(run.output()).toMatch(/interrupted \(SIGTERM\)/);
    expect(existsSync(lockFile())).toBe(false);
  });

  it("SIGINT ends the wait with 130", async () => {
    const run = spawnCli(["bootstrap-db-migrations-secret"], { cwd: ws.dir, env: env() });
    await hung.connected();
    run.child.kill("SIGINT");
    expect(await run.exited, run.output()).toBe(130);
    expect(existsSync(lockFile())).toBe(false);
  });

  it("each request times out, is retried a bounded number of times, then fails clearly", async () => {
    ws.write(
      "dev-bootstrap.yaml",
      "vault:\n  readyTimeoutSeconds: 2\nkube:\n  requestTimeoutSeconds: 1\n  requestAttempts: 2\n",
    );
    const run = spawnCli(["bootstrap-db-migrations-secret"], { cwd: ws.dir, env: env() });
    const code = await run.exited;
    expect(code, run.output()).toBe(1);
    expect(run.output()).toMatch(
      new RegExp(
        `Kubernetes API at ${hung.url.replace(/[.:/]/g, "\\$&")} did not answer within 1 s \\(2 attempts`,
      ),
    );
    expect(run.output()).toMatch(/hint: /);
    expect(hung.connections).toBeGreaterThanOrEqual(2);
    expect(existsSync(lockFile())).toBe(false);
  });
});

describe("the watcher against a hung Kubernetes API", () => {
  it("stops on SIGTERM (exit 0, as for Ctrl-C) and releases the lock", async () => {
    const run = spawnCli(["watch-vault-fixtures"], { cwd: ws.dir, env: env() });
    await run.waitFor(/Vault sync success/);
    await hung.connected();
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output()).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
  });
});

describe("a Vault that accepts connections and never answers", () => {
  it("SIGTERM ends the seeding with 143 and releases the lock", async () => {
    const run = spawnCli(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: env({ VAULT_ADDR: hung.url }),
    });
    await hung.connected();
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output()).toBe(143);
    expect(existsSync(lockFile())).toBe(false);
  });
});

describe("a PostgreSQL that accepts connections and never answers", () => {
  it("SIGTERM while run-flyway-cli logs in exits 143 and starts no Flyway", async () => {
    const run = spawnCli(["run-flyway-cli", "migrate", "--from", "env", "--database", "platform"], {
      cwd: ws.dir,
      env: env({
        DATABASE_URL: `postgresql://platform:pw-1234@127.0.0.1:${new URL(hung.url).port}/platform`,
      }),
    });
    await hung.connected();
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output()).toBe(143);
    expect(run.output()).toMatch(/interrupted \(SIGTERM\)/);
    expect(run.output()).not.toContain("pw-1234");
  });
});

describe("waiting for the workspace lock", () => {
  it("SIGTERM while another run holds the lock exits 143 and leaves the holder's lock alone", async () => {
    // The holder is this test process: alive, so the lock is not stale.
    ws.write(
      ".dev-bootstrap/dev-bootstrap.lock",
      JSON.stringify({ pid: process.pid, runId: "holder", since: new Date().toISOString() }),
    );
    const run = spawnCli(["ensure-local-secrets", "--skip-eso"], { cwd: ws.dir, env: env() });
    await run.waitFor(/waiting for another run to finish/);
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output()).toBe(143);
    expect(ws.read(".dev-bootstrap/dev-bootstrap.lock")).toContain('"holder"');
  });
});
