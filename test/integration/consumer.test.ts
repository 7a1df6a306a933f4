/**
 * The adoption story end to end: the packed tarball installed into a temporary
 * copy of examples/platform, and the whole flow run there — post-start, the
 * health check with --connect, flyway-status — against the sandbox stand-ins and
 * a real PostgreSQL, with the consumer's own config, fixtures, migrations and
 * three databases. Everything runs from the consumer's folder with the installed
 * bins; this repository's folders are not on any path the commands get.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, REPO } from "../helpers/cli.js";
import { helmBinary } from "../helpers/helm.js";
import { packTarball } from "../helpers/pack.js";
import { runChild } from "../helpers/run-child.js";
import { evalTiltfile, resources } from "../helpers/starlark.js";

const DATABASES = ["identity", "billing", "catalog"];

let consumer = "";
let sandbox: ChildProcess | undefined;
let env: NodeJS.ProcessEnv = {};

/** Resolves with the output so far once `text` appears in it; rejects if the process exits first. */
function outputUntil(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes(text)) resolve(out);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`exited ${code} before "${text}":\n${out}`)));
  });
}

function bin(name: string, args: string[], cwd = consumer) {
  return runChild(join(consumer, "node_modules/.bin", name), args, {
    cwd,
    env,
    timeout: 120_000,
  });
}

beforeAll(async () => {
  const tarball = await packTarball();
  consumer = join(mkdtempSync(join(tmpdir(), "dbconsumer-")), "platform");
  // verbatimSymlinks: the chart's links into node_modules stay relative to the copy.
  cpSync(join(REPO, "examples/platform"), consumer, { recursive: true, verbatimSymlinks: true });
  const install = await runChild(
    "npm",
    ["install", "--no-audit", "--no-fund", "--offline", tarball],
    { cwd: consumer },
  );
  if (install.status !== 0)
    throw new Error(`npm install of the tarball failed:\n${install.stderr}`);

  sandbox = spawn(
    join(consumer, "node_modules/.bin/dev-bootstrap"),
    ["sandbox", "--services-only"],
    { cwd: consumer, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  const out = await outputUntil(sandbox, "Ctrl-C stops everything");
  // The printed exports; the PATH line (`export PATH=<dir>:$PATH`) is for a shell.
  env = cleanEnv(
    Object.fromEntries(
      [...out.matchAll(/(?:export | )(\w+)=(\S+)/g)]
        .filter((m) => m[1] !== "PATH")
        .map((m) => [m[1], m[2]]),
    ),
  );
}, 240_000);

afterAll(async () => {
  if (!sandbox || sandbox.exitCode !== null) return;
  const exited = new Promise((resolve) => sandbox!.on("exit", resolve));
  sandbox.kill("SIGINT");
  await exited;
});

describe("a platform repository that adopts the packed package (examples/platform)", () => {
  it("installed the package itself, not a link to this repository", () => {
    const installed = realpathSync(join(consumer, "node_modules/@ameide/dev-bootstrap"));
    expect(installed.startsWith(REPO)).toBe(false);
    expect(existsSync(join(installed, "vault"))).toBe(false);
    expect(existsSync(join(installed, "db"))).toBe(false);
    expect(env.VAULT_ADDR).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.DEV_BOOTSTRAP_DB_PORT).toMatch(/^\d+$/);
  });

  it("post-start, then check-db-migrations-secret --connect, then flyway-status, over its three databases", async () => {
    // post-start as "Reopen in Container" runs it: the Feature's postStartCommand hook, in
    // the workspace, which finds the workspace's own install. The last start had failed.
    const state = mkdtempSync(join(tmpdir(), "dbconsumer-state-"));
    const status = join(state, "dev-bootstrap/post-start.status");
    mkdirSync(dirname(status));
    writeFileSync(
      status,
      "result=failed\nexit=1\nmessage=dev-bootstrap: the last post-start failed\n",
    );
    const start = await runChild(
      "sh",
      [join(consumer, ".devcontainer/dev-bootstrap/post-start.sh")],
      {
        cwd: consumer,
        env: { ...env, XDG_STATE_HOME: state },
        timeout: 120_000,
      },
    );
    expect(start.status, start.stdout + start.stderr).toBe(0);
    // A green start clears the failure the shells' banner shows.
    expect(readFileSync(status, "utf8")).toMatch(/^result=ok\nexit=0\n/);
    expect(readFileSync(status, "utf8")).not.toContain("message=");
    expect(start.stdout).toContain("Vault sync success (written 3, unchanged 0, paths 3)");
    expect(start.stdout).toMatch(
      /db-migrations Flyway secret ensured \(written; from identity-db-credentials \(ESO\), billing-db-credentials \(ESO\), catalog-db-credentials \(ESO\)\)/,
    );
    expect(start.stdout).toContain(
      "applying ClusterSecretStore platform-vault and 3 ExternalSecret(s)",
    );

    // The rest from a subdirectory: the nearest dev-bootstrap.yaml makes the workspace.
    const sub = join(consumer, "db/migrations");
    const check = await bin("check-db-migrations-secret", ["--connect", "--json"], sub);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const result = JSON.parse(check.stdout) as {
      result: string;
      databases: Array<{ database: string; status: string; url: string; user: string }>;
    };
    expect(result.result).toBe("ok");
    expect(result.databases.map((d) => [d.database, d.status, d.user])).toEqual(
      DATABASES.map((db) => [db, "ok", `${db}_app`]),
    );
    for (const d of result.databases)
      expect(d.url).toBe(
        `jdbc:postgresql://${env.DEV_BOOTSTRAP_DB_HOST}:${env.DEV_BOOTSTRAP_DB_PORT}/${d.database}`,
      );

    // Nothing is migrated here: the check before a migrate allows pending migrations.
    const flyway = await bin("flyway-status", ["--allow-pending"], sub);
    expect(flyway.status, flyway.stdout + flyway.stderr).toBe(0);
    expect(flyway.stdout).toContain(
      "identity: no version yet, 2 pending; billing: no version yet, 4 pending; catalog: no version yet, 1 pending",
    );
    expect(flyway.stdout).toContain("Open invoices view");

    // Nothing of this repository's own workspace shows up: its databases, its fixtures.
    for (const out of [start.stdout, check.stdout, flyway.stdout]) {
      expect(out).not.toContain("agents");
      expect(out).not.toContain("ameide");
    }
    // The journal lives in the consumer's state directory.
    expect(readFileSync(join(consumer, ".dev-bootstrap/journal.jsonl"), "utf8")).toContain(
      '"command":"flyway-status"',
    );
  }, 240_000);

  it("its Tiltfile loads the extension from node_modules and runs only installed bins", async () => {
    const r = await evalTiltfile(join(consumer, "Tiltfile"));
    expect(r.code, r.stderr).toBe(0);
    const res = resources(r.calls);
    expect([...res.keys()]).toEqual([
      "infra:15-vault-secrets",
      "infra:db-secrets-bootstrap",
      "infra:42-db-migrations",
      "vault:fixture-watcher",
      "flyway:status",
      "dev-bootstrap:ready",
    ]);
    for (const r of res.values()) expect(r.labels).toEqual(["platform-db"]);
    const argv0 = r.calls.flatMap((c) =>
      [c.kwargs.cmd, c.kwargs.serve_cmd, c.fn === "v1alpha1.cmd" ? c.kwargs.args : undefined]
        .filter(Array.isArray)
        .map((a) => (a as string[])[0]!),
    );
    // 5 resources, 3 buttons, the ready gate and its two "Why?" buttons.
    expect(argv0.length).toBe(11);
    const pkgDir = realpathSync(join(consumer, "node_modules/@ameide/dev-bootstrap"));
    for (const file of argv0) {
      expect(file.startsWith(join(consumer, "node_modules/.bin/")), file).toBe(true);
      const name = file.split("/").pop()!;
      const command = name.replace(/^dev-bootstrap-/, "");
      expect(realpathSync(file)).toBe(join(pkgDir, "dist/bin", `${command}.js`));
    }
  });

  it("its layer-42 chart renders with real helm: the package's templates over the consumer's SQL", async () => {
    const r = await runChild(
      helmBinary(),
      [
        "template",
        "db-migrations",
        "deploy/charts/db-migrations",
        "--values",
        "deploy/charts/db-migrations/values-local.yaml",
      ],
      { cwd: consumer },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('value: "identity billing catalog"');
    for (const db of DATABASES) expect(r.stdout).toContain(`name: db-migrations-sql-${db}`);
    expect(r.stdout).toContain("V1__Create_invoices.sql: |-");
    expect(r.stdout).toContain("R__Open_invoices_view.sql: |-");
    expect(readFileSync(join(consumer, "deploy/helmfile/42-db-migrations.yaml"), "utf8")).toContain(
      "chart: ../charts/db-migrations",
    );
  });
});
