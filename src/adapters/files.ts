/**
 * The file system as the flows use it (through the Host's fs port): plain reads
 * and writes, a recursive listing that follows symlinks to files, and a read
 * that refuses anything but a regular file without ever blocking on it.
 */
import {
  closeSync,
  constants,
  type Dirent,
  existsSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  type Stats,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { notAStateFile, stateFileError } from "../core/state-errors.js";
import type { FsPort, TreeEntry } from "./ports.js";

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  return "not a file";
}

/**
 * The file's bytes, or what it is instead. Opened non-blocking and checked on the
 * open descriptor, so a named pipe is never waited on and nothing can swap the
 * file between the check and the read.
 */
function readRegularFile(
  file: string,
  maxBytes = Number.POSITIVE_INFINITY,
): { bytes: Buffer } | { kind: string } | { tooLarge: number } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR") return { kind: "a directory" };
    return { kind: `unreadable: ${code ?? "error"}` };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: kindOf(stats) };
    if (stats.size > maxBytes) return { tooLarge: stats.size };
    return { bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/** What stands at `path`, for a file that could not be opened as a plain file. */
function kindAt(path: string): string {
  try {
    return kindOf(lstatSync(path));
  } catch {
    return "a named pipe or socket";
  }
}

/**
 * Opens a file we keep run state in (the lock, the journal, Tilt's pid and log).
 * Never blocks and never follows a symlink: a named pipe put in its place would
 * otherwise hold open() for ever, deaf to signals. Anything but a regular file is
 * refused with one line, and a failing call becomes one line naming the file.
 */
export function openStateFile(path: string, flags: number, mode = 0o600, made = false): number {
  let fd: number;
  try {
    fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT" && flags & constants.O_CREAT && !made) {
      mkdirState(dirname(path));
      return openStateFile(path, flags, mode, true);
    }
    if (code === "ENOENT" || code === "EEXIST") throw error; // the caller's to decide
    // O_NOFOLLOW refuses a symlink with ELOOP; opening a pipe or socket for writing
    // with nobody reading gives ENXIO; a directory EISDIR.
    if (code === "ELOOP") throw notAStateFile(path, "a symbolic link");
    if (code === "ENXIO") throw notAStateFile(path, kindAt(path));
    if (code === "EISDIR") throw notAStateFile(path, "a directory");
    throw stateFileError(path, code, flags & constants.O_CREAT ? "create" : "read");
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notAStateFile(path, kindOf(stats));
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** Creates a state directory (and its parents), failing with one line. */
export function mkdirState(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw stateFileError(dir, codeOf(error), "create");
  }
}

function writeAll(fd: number, path: string, text: string): void {
  try {
    const bytes = Buffer.from(text);
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done);
  } catch (error) {
    throw stateFileError(path, codeOf(error), "write");
  }
}

/** A state file's text; undefined when it does not exist. */
export function readStateFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openStateFile(path, constants.O_RDONLY);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw error;
  }
  try {
    return readFileSync(fd, "utf8");
  } catch (error) {
    throw stateFileError(path, codeOf(error), "read");
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a whole state file (created `mode`). A write that fails (a full disk)
 * removes the file it created, so no empty or partial file is left to be misread.
 */
export function writeStateFile(
  path: string,
  text: string,
  options: { mode?: number; exclusive?: boolean } = {},
): void {
  const { O_WRONLY, O_CREAT, O_TRUNC, O_EXCL } = constants;
  const fd = openStateFile(
    path,
    O_WRONLY | O_CREAT | (options.exclusive ? O_EXCL : O_TRUNC),
    options.mode ?? 0o600,
  );
  try {
    writeAll(fd, path, text);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {}
    throw error;
  }
  closeSync(fd);
}

/** Appends to a state file with one write (whole lines from concurrent runs stay whole). */
export function appendStateFile(path: string, text: string, mode = 0o600): void {
  const fd = openStateFile(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, mode);
  try {
    writeAll(fd, path, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes `path` a regular file only its owner can read (created empty, or an
 * existing one tightened): for files another tool writes into that may hold its
 * secrets, such as Tilt's log.
 */
export function ensurePrivateFile(path: string): void {
  const fd = openStateFile(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND);
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  } catch (error) {
    throw stateFileError(path, codeOf(error), "write");
  } finally {
    closeSync(fd);
  }
}

// One scratch buffer for readSmallFile: a migration or fixture file is read with one
// read() into it, then copied out at its exact size (from Buffer's shared pool when small).
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * A whole file's bytes in three system calls (open, read, close): readFileSync adds
 * an fstat and a buffer of its own per file, which adds up over hundreds of files.
 */
function readSmallFile(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger);
        scratch = bigger;
      }
      const room = scratch.length - length;
      const n = readSync(fd, scratch, length, room, null);
      length += n;
      // A regular file reads short only at its end: no extra read() to see EOF.
      if (n < room) break;
    }
    return Buffer.from(scratch.subarray(0, length));
  } finally {
    closeSync(fd);
  }
}

const entryOf = (d: Dirent, full: string): TreeEntry => ({
  name: d.name,
  path: full,
  // The entry's type comes with the listing (no stat per file); a symlink is followed.
  isFile:
    d.isFile() ||
    (d.isSymbolicLink() && statSync(full, { throwIfNoEntry: false })?.isFile() === true),
  isDirectory: d.isDirectory(),
  isSymlink: d.isSymbolicLink(),
});

export const nodeFs: FsPort = {
  readText: (path) => readFileSync(path, "utf8"),
  readBytes: readSmallFile,
  readRegular: readRegularFile,
  writeText: (path, text) => writeFileSync(path, text),
  createExclusive: (path, text, mode) => writeFileSync(path, text, { flag: "wx", mode }),
  symlink: (target, path) => symlinkSync(target, path),
  readState: readStateFile,
  writeState: (path, text) => writeStateFile(path, text),
  ensurePrivateFile,
  exists: (path) => existsSync(path),
  mkdirp: (path) => {
    mkdirSync(path, { recursive: true });
  },
  remove: (path) => rmSync(path, { force: true }),
  readdir: (path) => readdirSync(path),
  list: (dir) =>
    readdirSync(dir, { withFileTypes: true }).map((d) => entryOf(d, join(dir, d.name))),
  listTree: (dir) =>
    readdirSync(dir, { recursive: true, withFileTypes: true }).map((d) =>
      entryOf(d, join(d.parentPath, d.name)),
    ),
};
