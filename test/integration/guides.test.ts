/**
 * Every guide in docs/ runs as written against one kept sandbox: its fenced
 * blocks are this test's input (see test/helpers/guides.ts). Commands run in a
 * shell that first pastes the lines the `sandbox --keep` banner prints, as a
 * reader would, with a real kubectl on PATH. The sandbox has no Flyway: only a
 * block the guide marks as needing it (and says so to the reader) gets a Flyway
 * stand-in that really migrates. After each guide the health check with
 * --connect must pass.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, cleanEnv, REPO } from "../helpers/cli.js";
import { type GuideStep, mergeYaml, missingLines, parseGuide } from "../helpers/guides.js";
import { kubectlBinary } from "../helpers/helm.js";
import { runChild } from "../helpers/run-child.js";
import { migratingFlywayDir } from "../helpers/standin.js";
import { until } from "../helpers/wait.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

/** The order a newcomer would follow; guides not named here run after these. */
const ORDER = [
  "reopen-in-container.md",
  "migrations-by-hand.md",
  "adding-a-database.md",
  "rotating-a-local-secret.md",
  "adding-a-fixture.md",
  "ci.md",
  "tilt.md",
];
const DOCS = join(REPO, "docs");
const guides = [
  ...ORDER,
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith(".md") && !ORDER.includes(f))
    .sort(),
];

let ws: Workspace;
let sandbox: ChildProcess | undefined;
let banner = "";
let prelude = "";

interface Ran {
  command: string;
  code: number;
  /** stdout and stderr, as a terminal shows them. */
  output: string;
  stdout: string;
}

/** Stand-ins of the tools a guide may say it needs beyond the sandbox. */
const NEEDED: Record<string, () => string> = { flyway: migratingFlywayDir };

async function sh(command: string, needs: readonly string[] = []): Promise<Ran> {
  const path = needs.map((t) => `export PATH=${NEEDED[t]!()}:$PATH`).join("\n");
  const r = await runChild("bash", ["-c", `${prelude}\n${path}\n${command}`], {
    cwd: ws.dir,
    env: cleanEnv({ HOME: join(ws.dir, ".home") }),
  });
  return { command, code: r.status ?? 128, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** Resolves once the watcher has finished a run, started after `since`, for `file`. */
async function watcherHandled(file: string, since: string): Promise<void> {
  const journal = join(ws.dir, ".dev-bootstrap/journal.jsonl");
  const handled = () => {
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
            message: string;
            time: string;
          },
      )
      .filter(
        (e) =>
          e.command === "watch-vault-fixtures" && e.step === "watch:fixtures" && e.time >= since,
      );
    const started = entries.find((e) => e.status === "start" && e.message.includes(file));
    return Boolean(
      started &&
        entries.some(
          (e) => e.runId === started.runId && (e.status === "ok" || e.status === "fail"),
        ),
    );
  };
  // The journal line is the event; re-read it until the watcher appends it, bounded.
  await until(handled, `the watcher's run for ${file}`, 60_000);
}

async function runStep(step: GuideStep, where: string): Promise<void> {
  if (step.kind === "skip" || step.kind === "example") {
    expect(step.reason.length, `${where}: say why it is not run`).toBeGreaterThan(3);
    return;
  }
  if (step.kind === "write" || step.kind === "merge") {
    const file = join(ws.dir, step.path);
    mkdirSync(dirname(file), { recursive: true });
    const since = new Date().toISOString();
    let current = "";
    try {
      current = readFileSync(file, "utf8");
    } catch {}
    writeFileSync(file, step.kind === "write" ? step.text : mergeYaml(current, step.text));
    if (step.path.startsWith("vault/fixtures/")) await watcherHandled(basename(step.path), since);
    return;
  }
  if (step.kind !== "commands") return;
  const needs = step.needs?.tools ?? [];
  for (const tool of needs) {
    expect(Object.keys(NEEDED), `${where}: no stand-in for '${tool}'`).toContain(tool);
    // The reader learns it from the guide, not from this test.
    expect(
      step.needs!.text,
      `${where}: say in the text before the block that it needs ${tool}, which the sandbox lacks`,
    ).toMatch(new RegExp(`${tool}[\\s\\S]*sandbox|sandbox[\\s\\S]*${tool}`, "i"));
  }
  // One after another, as the reader types them.
  const ran: Ran[] = [];
  for (const c of step.commands) ran.push(await sh(c, needs));
  const transcript = ran.map((r) => `$ ${r.command}   (exit ${r.code})\n${r.output}`).join("\n");
  for (const r of ran) expect(r.code, `${where}: ${r.command}\n${transcript}`).toBe(0);
  if (step.expect) {
    const missing = missingLines(step.expect, ran.map((r) => r.output).join("\n"));
    expect(
      missing,
      `${where}: expected lines not in the output:\n${missing.join("\n")}\n--- output ---\n${transcript}`,
    ).toEqual([]);
  }
}

beforeAll(async () => {
  ws = makeWorkspace();
  cpSync(join(REPO, "vault/fixtures"), join(ws.dir, "vault/fixtures"), { recursive: true });
  cpSync(join(REPO, "db/flyway"), join(ws.dir, "db/flyway"), { recursive: true });
  sandbox = spawn(process.execPath, [BIN, "sandbox", "--keep"], {
    cwd: ws.dir,
    env: cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  sandbox.stdout!.on("data", (d) => (banner += d));
  sandbox.stderr!.on("data", (d) => (banner += d));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (banner.includes("Ctrl-C stops everything")) resolve();
    };
    sandbox!.stdout!.on("data", check);
    sandbox!.on("exit", () => reject(new Error(`sandbox --keep ended early:\n${banner}`)));
  });
  const exports = banner
    .split("\n")
    .filter((l) => /^ {2}export /.test(l))
    .map((l) => l.trim());
  expect(exports.join("\n")).toMatch(/export PATH=\S+:\$PATH/);
  prelude = [`export PATH=${dirname(kubectlBinary())}:$PATH`, ...exports].join("\n");
}, 120_000);

afterAll(async () => {
  if (!sandbox || sandbox.exitCode !== null) return;
  const exited = new Promise((r) => sandbox!.once("exit", r));
  sandbox.kill("SIGINT");
  await exited;
});

describe("every guide in docs/ runs as written against one kept sandbox", () => {
  it("knows every guide", () => {
    expect(guides.length).toBeGreaterThanOrEqual(ORDER.length);
    for (const g of ORDER) expect(readdirSync(DOCS)).toContain(g);
  });

  for (const guide of guides) {
    it(guide, async () => {
      const steps = parseGuide(join(DOCS, guide));
      for (const step of steps) await runStep(step, `docs/${guide}:${step.line}`);
      const check = await sh("dev-bootstrap check-db-migrations-secret --connect");
      expect(check.code, check.output).toBe(0);
    }, 180_000);

    if (guide === "migrations-by-hand.md") {
      it("demo seed data: applied as its own group, and a second migrate inserts nothing twice", async () => {
        const status = JSON.parse((await sh("dev-bootstrap flyway-status --json")).stdout) as {
          databases: Array<{
            database: string;
            locations: string[];
            migrations: Array<{ group?: string; stateCode: string; script: string }>;
          }>;
        };
        for (const db of status.databases) {
          expect(db.locations).toEqual([
            `db/flyway/sql/${db.database}`,
            `db/flyway/seed/${db.database}`,
          ]);
          const seed = db.migrations.filter((m) => m.group === "seed");
          expect(seed.length).toBeGreaterThan(0);
          expect(seed.every((m) => m.stateCode === "SUCCESS")).toBe(true);
        }
        const counts = () => rowCounts();
        const before = await counts();
        expect(before).toEqual({ organizations: 2, users: 3, agents: 2 });
        const again = await sh("dev-bootstrap run-flyway-cli migrate", ["flyway"]);
        expect(again.output).toMatch(/\[flyway:platform\] .*No migration necessary/);
        // Even when Flyway reruns the repeatable (its file changed), nothing is inserted twice.
        appendFileSync(
          join(ws.dir, "db/flyway/seed/platform/R__Demo_organizations.sql"),
          "-- touched\n",
        );
        const rerun = await sh("dev-bootstrap run-flyway-cli migrate --database platform", [
          "flyway",
        ]);
        expect(rerun.code, rerun.output).toBe(0);
        expect(rerun.output).toContain('with repeatable migration "Demo organizations"');
        expect(await counts()).toEqual(before);
        expect((await sh("dev-bootstrap flyway-status")).code).toBe(0);
      }, 120_000);
    }
  }
});

/** Rows of demo data, read as each database's own role (credentials from the cluster's secret). */
async function rowCounts(): Promise<Record<string, number>> {
  const secret = JSON.parse(
    (await sh("kubectl -n ameide get secret db-migrations-local -o json")).stdout,
  ) as { data: Record<string, string> };
  const value = (k: string) => Buffer.from(secret.data[k]!, "base64").toString("utf8");
  const count = async (prefix: string, tables: string[]) => {
    const url = /^jdbc:postgresql:\/\/([^:/]+):(\d+)\/(.+)$/.exec(value(`${prefix}FLYWAY_URL`))!;
    const c = new pg.Client({
      host: url[1],
      port: Number(url[2]),
      database: url[3],
      user: value(`${prefix}FLYWAY_USER`),
      password: value(`${prefix}FLYWAY_PASSWORD`),
    });
    await c.connect();
    try {
      const out: Record<string, number> = {};
      for (const t of tables)
        out[t] = Number((await c.query(`select count(*) as n from ${t}`)).rows[0].n);
      return out;
    } finally {
      await c.end();
    }
  };
  return {
    ...(await count("", ["organizations", "users"])),
    ...(await count("AGENTS_", ["agents"])),
  };
}
