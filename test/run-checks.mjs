#!/usr/bin/env node
/**
 * `npm test` after the build: runs every check even when an earlier one fails,
 * then exits non-zero if any failed. Arguments go to vitest
 * (`npm test -- test/unit/flyway.test.ts`).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const node = process.execPath;
const checks = [
  {
    name: "vitest",
    argv: [node, "node_modules/vitest/vitest.mjs", "run", ...process.argv.slice(2)],
  },
  { name: "lint-docs", argv: [node, "dist/bin/dev-bootstrap.js", "lint-docs", "."] },
];

const results = checks.map(({ name, argv }) => {
  const r = spawnSync(argv[0], argv.slice(1), { cwd: repo, stdio: "inherit" });
  const passed = r.status === 0;
  const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
  return { name, passed, why };
});

console.log("");
for (const { name, passed, why } of results)
  console.log(`${passed ? "✔" : "✖"} ${name}${passed ? "" : ` failed (${why})`}`);
const failed = results.filter((r) => !r.passed).length;
console.log(`checks: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
