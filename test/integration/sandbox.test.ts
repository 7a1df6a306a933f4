import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { systemClock } from "../../src/adapters/clock.js";
import { createKube } from "../../src/adapters/kube.js";
import { deriveSecret } from "../../src/core/derive.js";
import { BIN, cleanEnv, REPO, runCli } from "../helpers/cli.js";
import { kubectlBinary } from "../helpers/helm.js";
import { runChild } from "../helpers/run-child.js";
import { makeWorkspace } from "../helpers/workspace.js";

let child: ChildProcess | undefined;
// Ctrl-C, not SIGKILL: a killed sandbox cannot stop its PostgreSQL, which a failed
// assertion would otherwise leave running.
afterAll(async () => {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child!.once("exit", resolve));
  child.kill("SIGINT");
  await exited;
});

const password = (path: string) =>
  deriveSecret("dev-bootstrap-local", "secret", path, "DB_PASSWORD", {
    length: 32,
    alphabet: "alnum",
    rotation: 0,
  });

describe("sandbox", () => {
  it("runs the whole job end to end; a second run writes nothing", async () => {
    const ws = makeWorkspace();
    const r = await runCli(["sandbox", "--twice"], {
      cwd: REPO,
      env: cleanEnv({ DEV_BOOTSTRAP_STATE_DIR: `${ws.dir}/state` }),
      timeoutMs: 120_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /stand-ins that follow the Vault and Kubernetes APIs dev-bootstrap uses \(they are not Vault or Kubernetes\)/,
    );
    // The flow is post-start's; `summary` shows its latest run by default.
    expect(r.stdout).toMatch(/run \S+ \(post-start\) started \S+: OK/);
    for (const step of [
      "vault:seed",
      "eso:sync",
      "db-migrations-secret",
      "db-migrations-secret:check",
      "flyway:status",
    ]) {
      expect(r.stdout).toMatch(new RegExp(`\\n${step.replace(/[:]/g, "\\:")} +ok `));
    }
    expect(r.stdout).toContain("every login works");
    // DEV_BOOTSTRAP_SANDBOX reaches the resolved config: the stand-in ESO reaches loopback, no warning.
    expect(r.stdout + r.stderr).not.toContain("[eso:address]");
    expect(r.stdout).toMatch(
      /platform: no version yet, 5 pending; agents: no version yet, 5 pending/,
    );
    expect(r.stdout).toContain(
      "Second run wrote 0 Vault version(s) and made 0 Kubernetes write(s).",
    );
    expect(r.stdout).not.toContain(password("platform/db"));
    // everything is stopped and the sandbox's data removed
    expect(readFileSync(`${ws.dir}/state/journal.jsonl`, "utf8")).toContain(
      '"command":"post-start"',
    );
    const leftovers = readdirSync(`${ws.dir}/state`).filter((n) => n.startsWith("sandbox-"));
    expect(leftovers).toEqual([]);
  }, 180_000);

  it("--keep leaves the stand-ins and PostgreSQL running with the state the flow produced; Ctrl-C cleans up", async () => {
    const ws = makeWorkspace();
    child = spawn(process.execPath, [BIN, "sandbox", "--keep"], {
      cwd: REPO,
      env: cleanEnv({ DEV_BOOTSTRAP_STATE_DIR: `${ws.dir}/state` }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    // Its readiness line, or its exit if it never comes up.
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes("Ctrl-C stops everything")) resolve();
      };
      child!.stdout!.on("data", check);
      child!.stderr!.on("data", check);
      child!.on("exit", () => reject(new Error(`sandbox did not come up:\n${out}`)));
    });
    const exported = Object.fromEntries(
      [...out.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]),
    );
    const dbLine = /export DEV_BOOTSTRAP_DB_HOST=(\S+) DEV_BOOTSTRAP_DB_PORT=(\d+)/.exec(out)!;
    const token = readFileSync(exported.VAULT_TOKEN_FILE!, "utf8").trim();
    expect(out).not.toContain(token);

    // Vault stand-in: the fixtures' values
    const vault = await fetch(`${exported.VAULT_ADDR}/v1/secret/data/platform/db`, {
      headers: { "X-Vault-Token": token },
    }).then((x) => x.json() as Promise<{ data: { data: Record<string, string> } }>);
    expect(vault.data.data).toMatchObject({
      DB_USERNAME: "platform",
      DB_PASSWORD: password("platform/db"),
      DB_HOST: dbLine[1],
      DB_PORT: dbLine[2],
    });

    // Kubernetes stand-in: the migrations secret, through the real client
    const kube = await createKube({ kubeconfig: exported.KUBECONFIG, clock: systemClock });
    const secret = await kube.readSecret("ameide", "db-migrations-local");
    expect(secret?.data).toMatchObject({
      FLYWAY_URL: `jdbc:postgresql://${dbLine[1]}:${dbLine[2]}/platform`,
      FLYWAY_USER: "platform",
      AGENTS_FLYWAY_URL: `jdbc:postgresql://${dbLine[1]}:${dbLine[2]}/agents`,
    });

    // PostgreSQL: the roles log in with the derived passwords
    for (const db of ["platform", "agents"]) {
      const c = new pg.Client({
        host: dbLine[1],
        port: Number(dbLine[2]),
        user: db,
        password: password(`${db}/db`),
        database: db,
      });
      await c.connect();
      expect((await c.query("select current_user as u")).rows[0].u).toBe(db);
      await c.end();
    }

    // The PATH line puts a working dev-bootstrap on PATH.
    const binDir = exported.PATH!.replace(/:\$PATH$/, "");
    const shell = (cmd: string) =>
      runChild("sh", ["-c", cmd], {
        cwd: REPO,
        env: {
          ...cleanEnv({ DEV_BOOTSTRAP_STATE_DIR: `${ws.dir}/state` }),
          ...exported,
          PATH: `${binDir}:${dirname(kubectlBinary())}:${process.env.PATH}`,
          // kubectl caches discovery under $HOME/.kube
          HOME: ws.dir,
        },
      });
    expect((await shell("dev-bootstrap summary")).stdout).toMatch(
      /^run \S+ \(post-start\) started \S+: OK/,
    );

    // A real kubectl reaches the stand-in over TLS, trusting the CA in the kubeconfig.
    const yaml = await shell("kubectl get secret db-migrations-local -n ameide -o yaml");
    expect(yaml.status, yaml.stderr).toBe(0);
    const got = parse(yaml.stdout) as { data: Record<string, string> };
    expect(Buffer.from(got.data.FLYWAY_USER!, "base64").toString()).toBe("platform");
    expect(Buffer.from(got.data.FLYWAY_PASSWORD!, "base64").toString()).toBe(
      password("platform/db"),
    );
    const described = await shell(
      "kubectl -n ameide describe externalsecret platform-db-credentials",
    );
    expect(described.status, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/Reason: +SecretSynced/);
    const annotated = await shell(
      "kubectl -n ameide annotate externalsecret agents-db-credentials force-sync=manual-1 --overwrite",
    );
    expect(annotated.stdout).toContain(
      "externalsecret.external-secrets.io/agents-db-credentials annotated",
    );
    // kubectl now owns force-sync (an Update by another field manager); our next
    // refresh takes the trigger over instead of failing on the conflict.
    const refresh = await shell("dev-bootstrap ensure-local-secrets --refresh");
    expect(refresh.status, refresh.stdout + refresh.stderr).toBe(0);
    expect(refresh.stdout).toMatch(/\[eso:sync\] ✔ 2 ExternalSecret\(s\) Ready/);

    // Roles follow Vault: whoever writes a database path, its role and database follow.
    const writeVault = (path: string, data: Record<string, string>) =>
      fetch(`${exported.VAULT_ADDR}/v1/secret/data/${path}`, {
        method: "POST",
        headers: { "X-Vault-Token": token },
        body: JSON.stringify({ data }),
      }).then((x) => expect(x.status).toBe(200));
    const login = async (user: string, pw: string, database: string) => {
      const c = new pg.Client({
        host: dbLine[1],
        port: Number(dbLine[2]),
        user,
        password: pw,
        database,
      });
      try {
        await c.connect();
        return "ok";
      } catch (error) {
        return (error as Error).message;
      } finally {
        await c.end().catch(() => {});
      }
    };
    const billing = {
      DB_USERNAME: "billing",
      DB_NAME: "billing",
      DB_HOST: dbLine[1]!,
      DB_PORT: dbLine[2]!,
    };
    await writeVault("billing/db", { ...billing, DB_PASSWORD: "first-pw-123" });
    expect(await login("billing", "first-pw-123", "billing")).toBe("ok");
    await writeVault("billing/db", { ...billing, DB_PASSWORD: "second-pw-456" });
    expect(await login("billing", "second-pw-456", "billing")).toBe("ok");
    expect(await login("billing", "first-pw-123", "billing")).toMatch(
      /password authentication failed/,
    );
    // A path that points at another server is not the sandbox's to manage.
    await writeVault("remote/db", {
      ...billing,
      DB_USERNAME: "remote",
      DB_NAME: "remote",
      DB_PORT: "1",
    });
    expect(await login("remote", "first-pw-123", "postgres")).toMatch(
      /password authentication failed|does not exist/,
    );
    expect(out).toContain(
      "[sandbox:postgres] ✔ role billing created, database billing created (Vault path billing/db)",
    );
    expect(out).toContain(
      "[sandbox:postgres] ✔ role billing: password changed (Vault path billing/db)",
    );
    expect(out).not.toContain("second-pw-456");

    // The watcher's first sync says what it wrote (nothing: post-start had seeded
    // Vault), and its runs are journaled as watch-vault-fixtures.
    await new Promise<void>((resolve) => {
      const check = () => {
        if (out.includes("[watch:fixtures] ✔")) resolve();
      };
      child!.stdout!.on("data", check);
      check();
    });
    expect(out).toContain("[watch:fixtures] ✔ 0 path(s) written; 2 already up to date in Vault");
    expect((await shell("dev-bootstrap summary --command watch-vault-fixtures")).stdout).toMatch(
      /^run \S+ \(watch-vault-fixtures\) started \S+: OK/,
    );

    const sandboxDir = exported.KUBECONFIG!.replace(/\/kubeconfig$/, "");
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) =>
      child!.on("exit", (c) => resolve(c)),
    );
    expect(code).toBe(0);
    expect(existsSync(sandboxDir)).toBe(false);
    await expect(fetch(`${exported.VAULT_ADDR}/v1/sys/health`)).rejects.toThrow();
  }, 180_000);

  it("--keep in a workspace of its own: the banner names its namespace, and the watcher reloads dev-bootstrap.yaml", async () => {
    const ws = makeWorkspace({ "dev-bootstrap.yaml": "namespace: commerce\n" });
    cpSync(join(REPO, "vault/fixtures"), join(ws.dir, "vault/fixtures"), { recursive: true });
    cpSync(join(REPO, "db/flyway"), join(ws.dir, "db/flyway"), { recursive: true });
    const kept = spawn(process.execPath, [BIN, "sandbox", "--keep"], {
      cwd: ws.dir,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let out = "";
      kept.stdout!.on("data", (d) => (out += d));
      kept.stderr!.on("data", (d) => (out += d));
      await new Promise<void>((resolve, reject) => {
        kept.stdout!.on("data", () => out.includes("Ctrl-C stops everything") && resolve());
        kept.on("exit", () => reject(new Error(`sandbox did not come up:\n${out}`)));
      });
      expect(out).toContain("`kubectl -n commerce get secret db-migrations-local`");
      expect(out).not.toContain("kubectl -n ameide");
      const kubeconfig = /export KUBECONFIG=(\S+)/.exec(out)![1]!;
      const kube = await createKube({ kubeconfig, clock: systemClock });
      expect(await kube.readSecret("commerce", "db-migrations-local")).toBeDefined();

      // A new ExternalSecret in the config: the watcher reloads the file and ESO writes it.
      const since = new Date().toISOString();
      writeFileSync(
        join(ws.dir, "dev-bootstrap.yaml"),
        [
          "namespace: commerce",
          "eso:",
          "  externalSecrets:",
          "    - { name: platform-db-credentials, vaultPath: platform/db }",
          "    - { name: agents-db-credentials, vaultPath: agents/db }",
          "    - { name: reporting-credentials, vaultPath: platform/db }",
          "",
        ].join("\n"),
      );
      // The journal's lines are the events: the reload, then the run it starts ending.
      const journal = join(ws.dir, ".dev-bootstrap/journal.jsonl");
      for (;;) {
        const entries = readFileSync(journal, "utf8")
          .split("\n")
          .filter(Boolean)
          .map(
            (l) =>
              JSON.parse(l) as {
                runId: string;
                command: string;
                step: string;
                status?: string;
                time: string;
              },
          )
          .filter((e) => e.command === "watch-vault-fixtures" && e.time >= since);
        const reload = entries.find((e) => e.step === "watch:config" && e.status === "ok");
        const ended = entries.some(
          (e) =>
            e.runId === reload?.runId &&
            e.step === "watch:fixtures" &&
            (e.status === "ok" || e.status === "fail"),
        );
        if (ended) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const secret = await kube.readSecret("commerce", "reporting-credentials");
      expect(secret?.data.DB_USERNAME).toBe("platform");
    } finally {
      const exited = new Promise((r) => kept.once("exit", r));
      if (kept.exitCode === null && kept.signalCode === null) kept.kill("SIGINT");
      await exited;
    }
  }, 180_000);
});
