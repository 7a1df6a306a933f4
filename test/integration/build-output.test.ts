/**
 * `npm run build` writes dist/ only when every part of it built: a source that does not
 * compile leaves the previous build whole, and the entrypoint the shims take the build's
 * time from (dist/bin/dev-bootstrap.js) untouched, so the next run builds again instead
 * of running the old code. Built in a copy of the sources, with the checkout's modules.
 */
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { runChild } from "../helpers/run-child.js";

const dir = mkdtempSync(join(tmpdir(), "build-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const part of ["package.json", "tsconfig.json", "scripts/build.mjs", "src"])
  cpSync(join(REPO, part), join(dir, part), { recursive: true });
symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
const build = () =>
  runChild(process.execPath, ["scripts/build.mjs"], { cwd: dir, env: { PATH: process.env.PATH } });

describe("a build that fails", () => {
  it("writes nothing: the previous dist/ stays whole and the shims' stamp keeps its time", async () => {
    const first = await build();
    expect(first.status, first.stderr).toBe(0);
    const stamp = join(dir, "dist/bin/dev-bootstrap.js");
    const stampedAt = statSync(stamp).mtimeMs;
    const bundle = readFileSync(join(dir, "dist/run/summary.js"), "utf8");

    appendFileSync(join(dir, "src/flows/summary.ts"), "\nexport const broken = ;\n");
    const second = await build();
    expect(second.status).not.toBe(0);
    expect(second.stderr).toContain("src/flows/summary.ts");
    expect(statSync(stamp).mtimeMs).toBe(stampedAt);
    expect(readFileSync(join(dir, "dist/run/summary.js"), "utf8")).toBe(bundle);
    const leftovers = ["bin", "run", "vendor"].flatMap((d) =>
      readdirSync(join(dir, "dist", d)).filter((f) => f.endsWith(".tmp")),
    );
    expect(leftovers).toEqual([]);
  }, 180_000);
});
