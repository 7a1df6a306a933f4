/**
 * Flyway checksums from an implementation that is not ours
 * (test/helpers/flyway_checksum.py, Python's zlib), so a test comparing them
 * with flywayChecksum can fail.
 */
import { fileURLToPath } from "node:url";
import { runChild } from "./run-child.js";

const SCRIPT = fileURLToPath(new URL("./flyway_checksum.py", import.meta.url));

export async function referenceChecksums(contents: Buffer[]): Promise<number[]> {
  const r = await runChild("python3", [SCRIPT], {
    input: JSON.stringify(contents.map((c) => c.toString("base64"))),
  });
  if (r.error || r.status !== 0)
    throw new Error(
      `python3 ${SCRIPT} failed (the independent checksum needs python3 on PATH): ${r.error?.message ?? r.stderr}`,
    );
  return JSON.parse(r.stdout) as number[];
}
