/** The installed package's version, for `--version` on the umbrella and on every command. */
import { readFileSync } from "node:fs";

/**
 * Read from package.json at run time rather than baked in by the build, so a packed
 * tarball and a checkout report what npm installed. Every place this module can end up
 * (src/cli/, dist/bin/, dist/run/) sits two directories below the package root.
 */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version?: unknown;
  };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}
