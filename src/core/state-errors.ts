/**
 * What a failed file system call on our run state (the lock, the journal, Tilt's
 * pid and log) means to a user: one line naming the file and what went wrong, and
 * a hint saying what to do. Node's own messages ("ENOSPC: no space left on device,
 * write") name neither the file nor a way out.
 */
import { dirname } from "node:path";
import { StepError } from "./errors.js";

/** The system's words for the errors a state directory meets, and what to do about each. */
const KNOWN: Record<string, { what: string; hint: (dir: string) => string }> = {
  ENOSPC: {
    what: "no space left on device",
    hint: (dir) => `free space on the file system that holds ${dir} (df -h ${dir}), then rerun`,
  },
  EDQUOT: {
    what: "disk quota exceeded",
    hint: (dir) => `free space within your quota on the file system that holds ${dir}, then rerun`,
  },
  EROFS: {
    what: "read-only file system",
    hint: () =>
      "mount the workspace read-write, or point stateDir (DEV_BOOTSTRAP_STATE_DIR, --state-dir) at a writable directory",
  },
  EACCES: {
    what: "permission denied",
    hint: (dir) =>
      `make ${dir} writable by this user (e.g. sudo chown -R "$(id -u)" ${dir}), or point stateDir (DEV_BOOTSTRAP_STATE_DIR, --state-dir) elsewhere`,
  },
  EPERM: {
    what: "operation not permitted",
    hint: (dir) =>
      `make ${dir} writable by this user (e.g. sudo chown -R "$(id -u)" ${dir}), or point stateDir (DEV_BOOTSTRAP_STATE_DIR, --state-dir) elsewhere`,
  },
  ENOTDIR: {
    what: "a parent of it is not a directory",
    hint: () => "remove the file that stands where a directory is expected, then rerun",
  },
  EIO: {
    what: "input/output error",
    hint: (dir) => `check the disk or mount that holds ${dir}, then rerun`,
  },
};

/** "no space left on device (ENOSPC)", or the code alone for an error we do not name. */
export function describeFsCode(code: string | undefined): string {
  if (!code) return "unknown error";
  const known = KNOWN[code];
  return known ? `${known.what} (${code})` : code;
}

/** One line for a state file that could not be read, created or written. */
export function stateFileError(
  path: string,
  code: string | undefined,
  action: "read" | "write" | "create",
): StepError {
  const dir = dirname(path);
  const hint =
    (code && KNOWN[code]?.hint(dir)) ??
    `check that ${dir} is a writable directory, or point stateDir (DEV_BOOTSTRAP_STATE_DIR, --state-dir) elsewhere`;
  // The code stays on the error, so a caller can still tell ENOSPC from EACCES.
  return Object.assign(new StepError(`cannot ${action} ${path}: ${describeFsCode(code)}`, hint), {
    code,
  });
}

/** One line for something that stands where a state file belongs (a named pipe, a directory…). */
export function notAStateFile(path: string, kind: string): StepError {
  return new StepError(
    `${path} is ${kind}, not a regular file: refusing to use it`,
    `dev-bootstrap keeps its run state there in a plain file; remove it (${kind === "a directory" ? "rm -r" : "rm"} ${path}) and rerun`,
  );
}
