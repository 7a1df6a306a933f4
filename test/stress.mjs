#!/usr/bin/env node
/**
 * `npm run test:stress`: runs the timing-sensitive test files (the watcher and
 * the Kubernetes/ESO tests) several times in a row while other processes keep
 * every core busy, and reports how many rounds passed. A test that waits for a
 * sleep instead of an event shows up here long before it shows up in CI.
 *
 *   node test/stress.mjs [--runs N] [vitest file …]
 *
 * The load is bounded: each busy process stops by itself after --max-minutes
 * (default 60), and all of them are stopped as soon as the rounds end.
 */
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    "max-minutes": { type: "string", default: "60" },
  },
  allowPositionals: true,
});
const runs = Number(values.runs);
const maxMs = Number(values["max-minutes"]) * 60_000;
if (!Number.isInteger(runs) || runs < 1 || !(maxMs > 0)) {
  console.error("usage: node test/stress.mjs [--runs N] [--max-minutes M] [test file …]");
  process.exit(2);
}
const files = positionals.length
  ? positionals
  : ["test/integration/watch.test.ts", "test/integration/kube.test.ts"];
const repo = new URL("..", import.meta.url);

// One busy loop per core, each ending by itself at the deadline.
const busy = `const end = Date.now() + ${maxMs}; let x = 0; while (Date.now() < end) x = (x + 1) % 1e9;`;
const load = Array.from({ length: availableParallelism() }, () =>
  spawn(process.execPath, ["-e", busy], { stdio: "ignore" }),
);
const stopLoad = () => {
  for (const p of load) if (p.exitCode === null) p.kill("SIGKILL");
};
process.on("exit", stopLoad);
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    stopLoad();
    process.exit(130);
  });

console.log(
  `stress: ${runs} round(s) of ${files.join(", ")} while ${load.length} process(es) keep the cores busy`,
);
let passed = 0;
for (let round = 1; round <= runs; round++) {
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    ["node_modules/vitest/vitest.mjs", "run", "--reporter=dot", ...files],
    { cwd: repo, encoding: "utf8" },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status === 0) {
    passed++;
    console.log(`round ${round}: passed (${seconds} s)`);
  } else {
    console.log(`round ${round}: FAILED (exit ${r.status}, ${seconds} s)`);
    process.stdout.write(`${r.stdout}${r.stderr}`);
  }
}
stopLoad();
console.log(`stress: ${passed}/${runs} rounds passed`);
process.exit(passed === runs ? 0 : 1);
