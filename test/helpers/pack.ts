/** The package as a consumer gets it: `npm pack` of the built repository, once per test file. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./cli.js";
import { runChild } from "./run-child.js";

let packed: Promise<string> | undefined;

export function packTarball(): Promise<string> {
  packed ??= pack();
  return packed;
}

async function pack(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "dbpack-"));
  const r = await runChild(
    "npm",
    ["pack", "--pack-destination", dir, "--json", "--ignore-scripts"],
    {
      cwd: REPO,
    },
  );
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  const [result] = JSON.parse(r.stdout) as Array<{ filename: string }>;
  return join(dir, result!.filename);
}
