import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createKube } from "../../src/adapters/kube.js";
import { deriveSecret } from "../../src/core/derive.js";
import { BIN, cleanEnv, REPO, runCli } from "../helpers/cli.js";
import { makeWorkspace } from "../helpers/workspace.js";

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
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
    expect(r.stdout).toMatch(/run \S+ \(sandbox\) started \S+: OK/);
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
    expect(r.stdout).toMatch(
      /platform: no version yet, 4 pending; agents: no version yet, 4 pending/,
    );
    expect(r.stdout).toContain(
      "Second run wrote 0 Vault version(s) and made 0 Kubernetes write(s).",
    );
    expect(r.stdout).not.toContain(password("platform/db"));
    // everything is stopped and the sandbox's data removed
    expect(readFileSync(`${ws.dir}/state/journal.jsonl`, "utf8")).toContain('"command":"sandbox"');
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
    const kube = createKube({ kubeconfig: exported.KUBECONFIG });
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

    const sandboxDir = exported.KUBECONFIG!.replace(/\/kubeconfig$/, "");
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) =>
      child!.on("exit", (c) => resolve(c)),
    );
    expect(code).toBe(0);
    expect(existsSync(sandboxDir)).toBe(false);
    await expect(fetch(`${exported.VAULT_ADDR}/v1/sys/health`)).rejects.toThrow();
  }, 180_000);
});
