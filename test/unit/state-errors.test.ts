/**
 * Every file-system error a state directory meets, as the one line and hint a user
 * reads: which file, what went wrong, what to do (the hint names the directory).
 */
import { describe, expect, it } from "vitest";
import { describeFsCode, notAStateFile, stateFileError } from "../../src/core/state-errors.js";

const FILE = "/w/.dev-bootstrap/tilt.pid";
const CHOWN =
  'make /w/.dev-bootstrap writable by this user (e.g. sudo chown -R "$(id -u)" /w/.dev-bootstrap), or point stateDir (DEV_BOOTSTRAP_STATE_DIR, --state-dir) elsewhere';

describe("stateFileError: the full hint for each error", () => {
  it.each([
    [
      "ENOSPC",
      "no space left on device",
      "free space on the file system that holds /w/.dev-bootstrap (df -h /w/.dev-bootstrap), then rerun",
    ],
    [
      "EDQUOT",
      "disk quota exceeded",
      "free space within your quota on the file system that holds /w/.dev-bootstrap, then rerun",
    ],
    [
      "EROFS",
      "read-only file system",
      "mount the workspace read-write, or point stateDir (DEV_BOOTSTRAP_STATE_DIR, --state-dir) at a writable directory",
    ],
    ["EACCES", "permission denied", CHOWN],
    ["EPERM", "operation not permitted", CHOWN],
    [
      "ENOTDIR",
      "a parent of it is not a directory",
      "remove the file that stands where a directory is expected, then rerun",
    ],
    [
      "EIO",
      "input/output error",
      "check the disk or mount that holds /w/.dev-bootstrap, then rerun",
    ],
  ])("%s", (code, what, hint) => {
    const e = stateFileError(FILE, code, "create");
    expect(e.message).toBe(`cannot create ${FILE}: ${what} (${code})`);
    expect(e.hint).toBe(hint);
    expect((e as { code?: string }).code).toBe(code);
  });

  it("an error it does not name: the code, and a general hint; no code at all: 'unknown error'", () => {
    const general =
      "check that /w/.dev-bootstrap is a writable directory, or point stateDir (DEV_BOOTSTRAP_STATE_DIR, --state-dir) elsewhere";
    const e = stateFileError(FILE, "EMFILE", "read");
    expect(e.message).toBe(`cannot read ${FILE}: EMFILE`);
    expect(e.hint).toBe(general);
    const none = stateFileError(FILE, undefined, "read");
    expect(none.message).toBe(`cannot read ${FILE}: unknown error`);
    expect(none.hint).toBe(general);
    expect(describeFsCode("")).toBe("unknown error");
  });
});

describe("notAStateFile", () => {
  it("names what stands there and how to remove it: rm -r for a directory, rm otherwise", () => {
    const dir = notAStateFile(FILE, "a directory");
    expect(dir.message).toBe(`${FILE} is a directory, not a regular file: refusing to use it`);
    expect(dir.hint).toBe(
      `dev-bootstrap keeps its run state there in a plain file; remove it (rm -r ${FILE}) and rerun`,
    );
    expect(notAStateFile(FILE, "a named pipe").hint).toBe(
      `dev-bootstrap keeps its run state there in a plain file; remove it (rm ${FILE}) and rerun`,
    );
  });
});
