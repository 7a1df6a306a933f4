import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";

// readBytes reads a file into a shared buffer that grows as needed and hands back a
// copy: every size around the buffer's edges must come back whole, and a later read
// must not change what an earlier one returned.
describe("nodeFs.readBytes", () => {
  const dir = mkdtempSync(join(tmpdir(), "dev-bootstrap-files-"));
  const KIB = 1024;

  it.each([0, 1, 4 * KIB - 1, 64 * KIB - 1, 64 * KIB, 64 * KIB + 1, 200 * KIB + 7])(
    "a file of %i bytes comes back byte for byte",
    (size) => {
      const bytes = randomBytes(size);
      const file = join(dir, `f${size}`);
      writeFileSync(file, bytes);
      expect(nodeFs.readBytes(file).equals(bytes)).toBe(true);
    },
  );

  it("what an earlier read returned survives the next read", () => {
    const a = join(dir, "a.sql");
    const b = join(dir, "b.sql");
    writeFileSync(a, "select 1;\n");
    writeFileSync(b, "select 2;\n");
    const first = nodeFs.readBytes(a);
    nodeFs.readBytes(b);
    expect(first.toString()).toBe("select 1;\n");
  });

  it("a missing file is an error, as readFileSync's", () => {
    expect(() => nodeFs.readBytes(join(dir, "missing.sql"))).toThrow(/ENOENT/);
  });
});
