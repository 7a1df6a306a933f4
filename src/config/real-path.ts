/**
 * Where a path really leads, the way the kernel walks it: a symbolic link at any
 * component is followed, also one whose target does not exist yet (creating the
 * path would create that target), and `..` inside a link's target steps up from
 * where the link points, not from where it stands. Used to keep run state inside
 * the workspace even when a directory on the way is a link to somewhere else.
 */
import { lstatSync, readlinkSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";

/** Links followed before giving up, as Linux's ELOOP bound (MAXSYMLINKS). */
const MAX_LINKS = 40;

/** The path with every symbolic link resolved, or undefined when the links loop. */
export function realTarget(path: string): string | undefined {
  const pending = resolve(path).split("/").filter(Boolean);
  let current = "/";
  let links = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      // Missing (or unreadable): nothing below exists to redirect the rest, which
      // is created as written.
      return resolve(next, ...pending);
    }
    if (!isLink) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) return undefined;
    const target = readlinkSync(next);
    if (isAbsolute(target)) current = "/";
    pending.unshift(...target.split("/").filter(Boolean));
  }
  return current;
}

/** True when `inner` is `outer` or below it (both absolute and resolved). */
export function isWithin(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return !(rel === ".." || rel.startsWith("../") || isAbsolute(rel));
}
