/**
 * FAULTS.md 52 and 54 at the file level: run state is read and written without
 * ever blocking, only as plain files, and each failure is one line naming the
 * file, what went wrong and what to do.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  appendStateFile,
  ensurePrivateFile,
  readStateFile,
  writeStateFile,
} from "../../src/adapters/files.js";
import { StepError } from "../../src/core/errors.js";
import { stateFileError } from "../../src/core/state-errors.js";

const dir = () => mkdtempSync(join(tmpdir(), "state-files-"));

describe("a state file's failure is one line naming the file and what to do", () => {
  it.each([
    [
      "ENOSPC",
      "no space left on device (ENOSPC)",
      "free space on the file system that holds /w/.dev-bootstrap",
    ],
    ["EDQUOT", "disk quota exceeded (EDQUOT)", "free space within your quota"],
    ["EROFS", "read-only file system (EROFS)", "mount the workspace read-write"],
    ["EACCES", "permission denied (EACCES)", "make /w/.dev-bootstrap writable by this user"],
  ])("%s", (code, what, hint) => {
    const e = stateFileError("/w/.dev-bootstrap/journal.jsonl", code, "write");
    expect(e).toBeInstanceOf(StepError);
    expect(e.message).toBe(`cannot write /w/.dev-bootstrap/journal.jsonl: ${what}`);
    expect(e.message).not.toContain("\n");
    expect(e.hint).toContain(hint);
  });
});

describe("state files are plain files, never waited on", () => {
  it("a named pipe is refused for reading and for writing, at once", () => {
    const fifo = join(dir(), "journal.jsonl");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const refused = `${fifo} is a named pipe, not a regular file: refusing to use it`;
    expect(() => readStateFile(fifo)).toThrow(refused);
    expect(() => appendStateFile(fifo, "line\n")).toThrow(refused);
    expect(() => writeStateFile(fifo, "42")).toThrow(refused);
  });

  it("a symlink or a directory in a state file's place is refused", () => {
    const d = dir();
    writeFileSync(join(d, "elsewhere"), "");
    symlinkSync(join(d, "elsewhere"), join(d, "tilt.pid"));
    expect(() => writeStateFile(join(d, "tilt.pid"), "42")).toThrow(
      `${join(d, "tilt.pid")} is a symbolic link, not a regular file`,
    );
    mkdirSync(join(d, "tilt.log"));
    expect(() => ensurePrivateFile(join(d, "tilt.log"))).toThrow(
      `${join(d, "tilt.log")} is a directory, not a regular file`,
    );
  });

  it("a missing state file reads as undefined; one written is private", () => {
    const d = dir();
    expect(readStateFile(join(d, "tilt.pid"))).toBeUndefined();
    writeStateFile(join(d, "sub", "tilt.pid"), "42");
    expect(readStateFile(join(d, "sub", "tilt.pid"))).toBe("42");
    expect(statSync(join(d, "sub", "tilt.pid")).mode & 0o777).toBe(0o600);
  });
});
