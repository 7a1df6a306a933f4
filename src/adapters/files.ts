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
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
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
export function readRegularFile(
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
