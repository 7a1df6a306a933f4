/**
 * A built entrypoint (dist/bin/<command>.js) answers --help itself and hands the run to
 * the command's bundle (dist/run/<command>.js). When that bundle is missing (a build
 * stopped halfway, a copy of dist/bin alone), the command says so in one line with a
 * hint, and exits 1, instead of dying on an unhandled import error.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, REPO } from "../helpers/cli.js";
import { runChild } from "../helpers/run-child.js";

const dir = mkdtempSync(join(tmpdir(), "entry-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "dist/bin"), { recursive: true });
copyFileSync(join(REPO, "dist/package.json"), join(dir, "dist/package.json"));
copyFileSync(join(REPO, "dist/bin/summary.js"), join(dir, "dist/bin/summary.js"));
const entry = join(dir, "dist/bin/summary.js");

describe("an entrypoint without its command's bundle", () => {
  it("still answers --help, which needs no bundle", async () => {
    const r = await runChild(process.execPath, [entry, "--help"], { env: cleanEnv() });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("dev-bootstrap summary");
  });

  it("says which file is missing and what to do, and exits 1", async () => {
    const r = await runChild(process.execPath, [entry], { env: cleanEnv(), cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n")).toEqual([
      expect.stringMatching(
        /^dev-bootstrap summary: error: cannot load \S+dist\/run\/summary\.js: Cannot find module /,
      ),
      "  hint: the build is incomplete: run 'npm run build' in a checkout, or reinstall the package",
      "",
    ]);
  });
});
