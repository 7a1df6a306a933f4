/**
 * Fixture files: YAML documents that declare KV v2 paths and their keys.
 * Parsing and validation are pure and collect every problem as
 * `file:line:column: message`; nothing is seeded when any problem exists.
 *
 *   paths:
 *     platform/db:
 *       DB_USERNAME: platform                       # literal
 *       DB_PASSWORD: { derive: { length: 32 } }     # deterministic secret
 *       DATABASE_URL:
 *         template: "postgresql://${DB_USERNAME}:${DB_PASSWORD | urlencode}@${DB_HOST}/${DB_NAME}"
 */
import { isMap, isScalar, type Node, type Scalar, visit } from "yaml";
import type { DeriveSpec } from "./derive.js";
import { DEFAULT_DERIVE } from "./derive.js";
import {
  fileSchema,
  type Problem,
  plainData,
  problemOf,
  type SpecData,
  valueSchemaFor,
} from "./fixture-schema.js";
import { printable } from "./printable.js";
import { parseTemplate, type TemplatePart, TemplateSyntaxError } from "./template.js";
import { formatPosition, type Position, parseYamlSource, type YamlSource } from "./yaml-source.js";

type ValueSpec =
  | { kind: "literal"; value: string; secret: boolean }
  | { kind: "env"; name: string; default: string | undefined; secret: boolean }
  | { kind: "derive"; derive: DeriveSpec }
  | { kind: "template"; parts: TemplatePart[]; secret: boolean | undefined };

interface FixtureKey {
  key: string;
  spec: ValueSpec;
  at: Position;
}

export interface FixturePath {
  path: string;
  at: Position;
  keys: Map<string, FixtureKey>;
}

export interface FixtureSet {
  paths: Map<string, FixturePath>;
}

export interface ResolvedPath {
  path: string;
  file: string;
  values: Record<string, string>;
  /** Keys whose values are secrets (derived, marked secret, or built from secrets). */
  secretKeys: Set<string>;
}

export interface FixtureSource {
  file: string;
  text: string;
}

/** Tags whose values are stored as written; any other tag would change or drop the value. */
const PLAIN_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

function tagName(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice(18)}` : tag;
}

/** Every explicit tag that is not a plain core-schema tag, at the tag itself. */
function tagProblems(source: YamlSource): Problem[] {
  const found: Problem[] = [];
  visit(source.doc, {
    Node(_, node) {
      const tag = (node as { tag?: string }).tag;
      if (!tag || PLAIN_TAGS.has(tag)) return;
      // The node's range starts after its tag: point at the tag itself when it is found.
      const start = node.range?.[0] ?? 0;
      const at = source.text.lastIndexOf(tagName(tag), start);
      found.push({
        at: source.position(at >= 0 && !source.text.slice(at, start).includes("\n") ? at : start),
        message: `unsupported YAML tag '${printable(tagName(tag))}': write the value as a plain or quoted string`,
      });
    },
  });
  return found;
}

function scalarText(node: Node | null | undefined): string {
  const s = node as Scalar;
  if (typeof s.value === "string") return s.value;
  // Keep numbers as written: `1.10` stays "1.10", `0123` stays "0123".
  return s.source ?? String(s.value);
}

/** The ValueSpec of a value that passed its schema; a template is parsed here. */
function specOf(
  source: YamlSource,
  at: string[],
  data: unknown,
  problems: Problem[],
): ValueSpec | undefined {
  const node = (path: string[]) => source.nodesAt(path)?.value;
  if (typeof data !== "object" || data === null)
    return { kind: "literal", value: scalarText(node(at)), secret: false };
  const spec = data as SpecData;
  if (spec.value !== undefined)
    return {
      kind: "literal",
      value: scalarText(node([...at, "value"])),
      secret: spec.secret ?? false,
    };
  if (spec.env !== undefined) {
    const d = node([...at, "default"]);
    return {
      kind: "env",
      name: spec.env,
      default: spec.default !== undefined ? scalarText(d) : undefined,
      secret: spec.secret ?? false,
    };
  }
  if (spec.derive !== undefined)
    return { kind: "derive", derive: { ...DEFAULT_DERIVE, ...spec.derive } as DeriveSpec };
  const t = node([...at, "template"]) as Scalar;
  try {
    return { kind: "template", parts: parseTemplate(String(t.value)), secret: spec.secret };
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    // +1 for the opening quote when the template is quoted
    const quoted = t.type === "QUOTE_DOUBLE" || t.type === "QUOTE_SINGLE" ? 1 : 0;
    problems.push({
      at: source.position((t.range?.[0] ?? 0) + error.offset + quoted),
      message: error.message,
    });
    return undefined;
  }
}

function parseFile(file: FixtureSource, set: FixtureSet, out: string[]): void {
  const source = parseYamlSource(file.file, file.text);
  for (const error of source.doc.errors) {
    out.push(
      `${formatPosition(source.position(error.pos[0]))}: invalid YAML: ${error.message.split("\n")[0]}`,
    );
  }
  if (source.doc.errors.length) return;
  // Problems in file order, as an editor would list them.
  const problems = [...tagProblems(source), ...checkFile(source, set)];
  problems.sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col);
  out.push(...problems.map((p) => `${formatPosition(p.at)}: ${p.message}`));
}

/** Checks a parsed file against the schema and adds its paths to `set`. */
function checkFile(source: YamlSource, set: FixtureSet): Problem[] {
  const problems: Problem[] = [];
  const root = source.doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) return problems; // an empty file declares nothing
  const data = plainData(root, (key) =>
    problems.push({
      at: source.position(key.range?.[0] ?? 0),
      message: "a null key (~ or null): write the key's name",
    }),
  );
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    problems.push({ at: source.locate([]), message: "expected a mapping with a 'paths' key" });
    return problems;
  }
  const shape = fileSchema.safeParse(data);
  // A path or key that is badly named is reported once; nothing under it is checked.
  const skipped = new Set<string>();
  for (const issue of shape.error?.issues ?? []) {
    problems.push(problemOf(source, issue));
    skipped.add(JSON.stringify(issue.path));
  }
  const paths = (data as { paths?: unknown }).paths;
  // A list under paths is reported once by the schema, not again per item.
  if (typeof paths !== "object" || paths === null || Array.isArray(paths)) return problems;
  for (const [path, keys] of Object.entries(paths as Record<string, unknown>)) {
    if (skipped.has(JSON.stringify(["paths", path]))) continue;
    const keyNode = source.nodesAt(["paths", path])?.key;
    const at = keyNode ? source.position(keyNode.range?.[0] ?? 0) : source.locate(["paths", path]);
    const existing = set.paths.get(path);
    if (existing) {
      problems.push({
        at,
        message: `duplicate path '${path}' (first declared at ${formatPosition(existing.at)})`,
      });
      continue;
    }
    const keysNode = source.nodesAt(["paths", path])?.value;
    if (!isMap(keysNode) || keysNode.items.length === 0) {
      problems.push({
        at: keysNode ? source.locate(["paths", path]) : at,
        message: `path '${path}': expected a mapping of at least one key`,
      });
      continue;
    }
    const entry: FixturePath = { path, at, keys: new Map() };
    for (const [key, value] of Object.entries(keys as Record<string, unknown>)) {
      const where = ["paths", path, key];
      if (skipped.has(JSON.stringify(where))) continue;
      const checked = valueSchemaFor(value).safeParse(value);
      if (!checked.success) {
        // A value reports its first problem (a derive mapping, each field's).
        const issues = checked.error.issues;
        const first = issues.filter(
          (i) => i.path[0] === "derive" && issues[0]?.path[0] === "derive",
        );
        for (const issue of first.length ? first : issues.slice(0, 1))
          problems.push(problemOf(source, { ...issue, path: [...where, ...issue.path] }));
        continue;
      }
      const spec = specOf(source, where, checked.data, problems);
      if (spec) entry.keys.set(key, { key, spec, at: source.locate(where) });
    }
    set.paths.set(path, entry);
  }
  return problems;
}

/** Checks that every template reference exists and that templates form no cycle. */
function checkReferences(set: FixtureSet, problems: string[]): void {
  const id = (path: string, key: string) => `${path}#${key}`;
  const edges = new Map<string, Array<{ to: string; at: Position }>>();
  for (const p of set.paths.values()) {
    for (const k of p.keys.values()) {
      if (k.spec.kind !== "template") continue;
      const list: Array<{ to: string; at: Position }> = [];
      for (const part of k.spec.parts) {
        if (!("ref" in part)) continue;
        const targetPath = part.ref.path ?? p.path;
        const target = set.paths.get(targetPath)?.keys.get(part.ref.key);
        if (!target) {
          problems.push(
            `${formatPosition(k.at)}: template of ${p.path}#${k.key} refers to unknown key ${targetPath}#${part.ref.key}`,
          );
          continue;
        }
        list.push({ to: id(targetPath, part.ref.key), at: k.at });
      }
      edges.set(id(p.path, k.key), list);
    }
  }
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "visiting");
    stack.push(node);
    for (const edge of edges.get(node) ?? []) {
      const s = state.get(edge.to);
      if (s === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        problems.push(`${formatPosition(edge.at)}: template cycle: ${cycle.join(" → ")}`);
      } else if (s === undefined) visit(edge.to);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
}

/** Parses and validates every fixture file; returns all problems found. */
export function parseFixtures(sources: readonly FixtureSource[]): {
  set: FixtureSet;
  problems: string[];
} {
  const set: FixtureSet = { paths: new Map() };
  const problems: string[] = [];
  for (const source of sources) parseFile(source, set, problems);
  if (problems.length === 0) checkReferences(set, problems);
  return { set, problems };
}
