/**
 * Stand-in executables for the CLIs we spawn (flyway, helmfile, helm, tilt):
 * each records its argv, cwd and environment, then behaves as its plan says
 * (print lines, sleep, start a grandchild, exit with a code).
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface StandInPlan {
  exit?: number;
  stdout?: string[];
  stderr?: string[];
  sleepMs?: number;
  /** Start a grandchild that sleeps (and writes its pid) to test tree killing. */
  grandchild?: boolean;
  /** Per-first-argument overrides, e.g. { migrate: { exit: 1 } }. */
  byCommand?: Record<string, Omit<StandInPlan, "byCommand">>;
  /** Match by argv joined with spaces containing this key. */
  byArgs?: Record<string, Omit<StandInPlan, "byArgs" | "byCommand">>;
}

export interface StandInCall {
  tool: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

const SCRIPT = `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const tool = path.basename(process.argv[1]);
const dir = path.dirname(process.argv[1]);
const argv = process.argv.slice(2);
fs.appendFileSync(path.join(dir, "calls.jsonl"), JSON.stringify({ tool, argv, cwd: process.cwd(), env: process.env }) + "\\n");
let plan = {};
try { plan = JSON.parse(fs.readFileSync(path.join(dir, tool + ".plan.json"), "utf8")); } catch {}
const joined = argv.join(" ");
for (const [k, v] of Object.entries(plan.byArgs || {})) if (joined.includes(k)) plan = { ...plan, ...v };
if (plan.byCommand && plan.byCommand[argv[0]]) plan = { ...plan, ...plan.byCommand[argv[0]] };
for (const l of plan.stdout || []) console.log(l);
for (const l of plan.stderr || []) console.error(l);
if (plan.grandchild) {
  const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  fs.writeFileSync(path.join(dir, tool + ".grandchild.pid"), String(g.pid));
}
setTimeout(() => process.exit(plan.exit || 0), plan.sleepMs || 0);
`;

export class StandIns {
  readonly dir: string;
  constructor(tools: string[]) {
    this.dir = mkdtempSync(join(tmpdir(), "standins-"));
    mkdirSync(this.dir, { recursive: true });
    for (const t of tools) {
      const file = join(this.dir, t);
      writeFileSync(file, SCRIPT);
      chmodSync(file, 0o755);
    }
  }

  plan(tool: string, plan: StandInPlan): void {
    writeFileSync(join(this.dir, `${tool}.plan.json`), JSON.stringify(plan));
  }

  calls(tool?: string): StandInCall[] {
    const file = join(this.dir, "calls.jsonl");
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as StandInCall)
      .filter((c) => !tool || c.tool === tool);
  }

  grandchildPid(tool: string): number | undefined {
    const file = join(this.dir, `${tool}.grandchild.pid`);
    return existsSync(file) ? Number(readFileSync(file, "utf8")) : undefined;
  }

  /** PATH with the stand-ins first. */
  path(base = process.env.PATH ?? ""): string {
    return `${this.dir}:${base}`;
  }
}

/** Whether a process still runs; a zombie (exited, not yet reaped by init) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * A directory holding `flyway`: the stand-in that really migrates a PostgreSQL
 * database (test/helpers/mini-flyway.cjs), for tests that need applied migrations.
 */
export function migratingFlywayDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mini-flyway-"));
  const script = join(dirname(fileURLToPath(import.meta.url)), "mini-flyway.cjs");
  writeFileSync(join(dir, "flyway"), `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
  chmodSync(join(dir, "flyway"), 0o755);
  return dir;
}
