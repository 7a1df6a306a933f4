/**
 * A command's output reaches a pipe whole: the entrypoints exit with process.exit,
 * and Node writes to a pipe asynchronously, so an exit right after the last write cut
 * a long output at the first 64 KiB (`lint-docs | less`, `flyway-status --json | jq`).
 * A reader that goes away early (`| head`) ends the command quietly, with its own
 * exit code, not an EPIPE stack.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, cleanEnv } from "../helpers/cli.js";
import { runChild } from "../helpers/run-child.js";

// 1,500 documents with a finding each: about 260 KB of findings on stdout.
const dir = mkdtempSync(join(tmpdir(), "piped-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FILES = 1500;
for (let i = 1; i <= FILES; i++)
  writeFileSync(
    join(dir, `doc${i}.md`),
    `# Doc ${i}\n\nRun \`az keyvault secret set --name x\` here.\n`,
  );

describe("output to a pipe", () => {
  it("arrives whole, far past 64 KiB, through the umbrella and a command's own entrypoint", async () => {
    for (const args of [
      [BIN, "lint-docs", dir],
      [BIN.replace(/dev-bootstrap\.js$/, "lint-docs.js"), dir],
    ]) {
      const r = await runChild(process.execPath, args, { env: cleanEnv() });
      expect(r.status, r.stderr).toBe(1); // every document has an error
      expect(r.stdout.length).toBeGreaterThan(200_000);
      const lines = r.stdout.trimEnd().split("\n");
      expect(lines).toHaveLength(FILES + 1);
      expect(lines.at(-1)).toBe(`${FILES} file(s) checked: ${FILES} error(s), 0 note(s)`);
    }
  });

  it("ends with the command's own exit code when the reader stops early", async () => {
    const child = spawn(process.execPath, [BIN, "lint-docs", dir], {
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // The first chunk read, the reader goes away, as `| head -1` does.
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(stderr).not.toMatch(/EPIPE|Error:/);
  });
});
