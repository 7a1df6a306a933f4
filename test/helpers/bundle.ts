/**
 * A module of src/ bundled for a plain `node` child process: dist/ holds the
 * commands' bundles only, so a test that needs an internal module in another
 * process bundles it here. Written under node_modules/.cache so the packages it
 * imports resolve from the repository.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { REPO } from "./cli.js";

export async function bundleForChild(srcModule: string): Promise<string> {
  const cache = join(REPO, "node_modules/.cache/dev-bootstrap-test");
  mkdirSync(cache, { recursive: true });
  const outfile = join(mkdtempSync(join(cache, "bundle-")), "module.mjs");
  await build({
    entryPoints: [join(REPO, srcModule)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "error",
  });
  return outfile;
}
