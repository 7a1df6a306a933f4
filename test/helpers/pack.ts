/** The package as a consumer gets it: `npm pack` of the built repository, once per test file. */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./cli.js";

let packed: string | undefined;

export function packTarball(): string {
  if (packed) return packed;
  const dir = mkdtempSync(join(tmpdir(), "dbpack-"));
  const r = spawnSync("npm", ["pack", "--pack-destination", dir, "--json", "--ignore-scripts"], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  const [result] = JSON.parse(r.stdout) as Array<{ filename: string }>;
  packed = join(dir, result!.filename);
  return packed;
}
