// Helpers for the benchmark: run a command N times, take the median wall time.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0 && !options.allowFailure)
        reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${out.slice(-2000)}`));
      else resolve({ ms, code, out });
    });
  });
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export async function timeMedian(times, fn) {
  const samples = [];
  for (let i = 0; i < times; i++) samples.push(await fn());
  return median(samples);
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFiles(dir, files) {
  for (const [rel, text] of Object.entries(files)) {
    const file = join(dir, rel);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, text);
  }
}

export function report(rows) {
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const verdict =
      r.budget === undefined
        ? ""
        : r.ratio <= r.budget
          ? `  ok (budget ≤ ${r.budget}×)`
          : `  OVER BUDGET (≤ ${r.budget}×)`;
    console.log(`${r.name.padEnd(width)}  ${r.ratio.toFixed(2)}×  (${r.detail})${verdict}`);
  }
}
