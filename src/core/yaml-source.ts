/**
 * YAML with source positions, shared by the config file and the fixtures: parse
 * once with a line counter, then turn a value path (what zod reports) into the
 * node and the `file:line:column` it stands at.
 */
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { core } from "zod/mini";
import { printable } from "./printable.js";

export interface Position {
  file: string;
  line: number;
  col: number;
}

export function formatPosition(at: Position): string {
  return `${at.file}:${at.line}:${at.col}`;
}

export interface YamlSource {
  file: string;
  text: string;
  doc: ReturnType<typeof parseDocument>;
  /** `{file, line, col}` of a character offset. */
  position(offset: number): Position;
  /** The key and value nodes at a path (strings name map keys, numbers list items). */
  nodesAt(
    path: readonly PropertyKey[],
  ): { key?: Node | undefined; value?: Node | null } | undefined;
  /** Where a path's value stands, or its deepest existing parent's when it is missing. */
  locate(path: readonly PropertyKey[]): Position;
}

/** A mapping key as the name it is known by (a key that is no scalar has none). */
export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : "";
}

/** Parses YAML with unique keys and positions; syntax errors are in `doc.errors`. */
export function parseYamlSource(file: string, text: string, lines = new LineCounter()): YamlSource {
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const position = (offset: number): Position => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  const nodesAt: YamlSource["nodesAt"] = (path) => {
    let found: { key?: Node | undefined; value?: Node | null } = { value: doc.contents as Node };
    for (const segment of path) {
      const parent = found.value;
      if (isMap(parent)) {
        const pair = parent.items.find((p) => keyText(p.key) === String(segment));
        if (!pair) return undefined;
        found = { key: pair.key as Node, value: pair.value as Node | null };
      } else if (parent && "items" in parent && typeof segment === "number") {
        const item = (parent.items as unknown[])[segment] as Node | undefined;
        if (item === undefined) return undefined;
        found = { value: item };
      } else return undefined;
    }
    return found;
  };
  const startOf = (node: Node | null | undefined) => node?.range?.[0];
  return {
    file,
    text,
    doc,
    position,
    nodesAt,
    locate(path) {
      // Walk up to the deepest node that exists so a missing key points at its parent.
      for (let depth = path.length; depth >= 0; depth--) {
        const start = startOf(nodesAt(path.slice(0, depth))?.value);
        if (start !== undefined) return position(start);
      }
      return { file, line: 1, col: 1 };
    },
  };
}

/** A zod issue in words, without the value (which may be a secret). */
export function describeIssue(issue: core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys")
    return `unknown key(s) ${issue.keys.map((k) => `'${printable(k)}'`).join(", ")}`;
  if (issue.code === "invalid_type") return `expected ${issue.expected}`;
  return issue.message;
}
