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
import { isMap, isScalar, isSeq, type Node, type Scalar, visit, type YAMLMap } from "yaml";
import { ALPHABETS, DEFAULT_DERIVE, type DeriveSpec, deriveSecret } from "./derive.js";
import { printable, unstorableText } from "./printable.js";
import {
  parseTemplate,
  renderTemplate,
  type TemplatePart,
  TemplateSyntaxError,
} from "./template.js";
import { isValidVaultPath } from "./vault-path.js";
import { formatPosition, type Position, parseYamlSource, type YamlSource } from "./yaml-source.js";

export { formatPosition, type Position };

export type ValueSpec =
  | { kind: "literal"; value: string; secret: boolean }
  | { kind: "env"; name: string; default: string | undefined; secret: boolean }
  | { kind: "derive"; derive: DeriveSpec }
  | { kind: "template"; parts: TemplatePart[]; secret: boolean | undefined };

export interface FixtureKey {
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

const KEY_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

class Collector {
  private readonly found: Array<{ at: Position; message: string }> = [];
  constructor(private readonly source: YamlSource) {}
  at(node: Node | undefined | null, offset = 0): Position {
    return this.source.position((node?.range?.[0] ?? 0) + offset);
  }
  report(node: Node | undefined | null, message: string, offset = 0): void {
    this.found.push({ at: this.at(node, offset), message });
  }
  /** Problems in file order, as an editor would list them. */
  get problems(): string[] {
    return [...this.found]
      .sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col)
      .map((p) => `${formatPosition(p.at)}: ${p.message}`);
  }
}

/** Tags whose values are stored as written; any other tag would change or drop the value. */
const PLAIN_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

function tagName(tag: string): string {
  return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice(18)}` : tag;
}

/** Reports every explicit tag that is not a plain core-schema tag. */
function checkTags(doc: YamlSource["doc"], text: string, c: Collector): void {
  visit(doc, {
    Node(_, node) {
      const tag = (node as { tag?: string }).tag;
      if (!tag || PLAIN_TAGS.has(tag)) return;
      // The node's range starts after its tag: point at the tag itself when it is found.
      const start = node.range?.[0] ?? 0;
      const at = text.lastIndexOf(tagName(tag), start);
      c.report(
        node,
        `unsupported YAML tag '${printable(tagName(tag))}': write the value as a plain or quoted string`,
        at >= 0 && !text.slice(at, start).includes("\n") ? at - start : 0,
      );
    },
  });
}

/** Reports text a Vault value could not hold as written; true when it is storable. */
function storable(node: Node | null | undefined, text: string, c: Collector): boolean {
  const why = unstorableText(text);
  if (why) c.report(node, `value holds ${why}; write it without control characters`);
  return !why;
}

function isNullKey(node: unknown): boolean {
  return isScalar(node) && node.value === null;
}

function scalarText(node: Scalar): string {
  if (typeof node.value === "string") return node.value;
  // Keep numbers as written: `1.10` stays "1.10", `0123` stays "0123".
  return node.source ?? String(node.value);
}

function parseDerive(node: Node | null | undefined, c: Collector): DeriveSpec | undefined {
  if (isScalar(node) && node.value === true) return { ...DEFAULT_DERIVE };
  if (!isMap(node)) {
    c.report(node, "derive: expected a mapping like { length: 32, alphabet: alnum } or true");
    return undefined;
  }
  const spec = { ...DEFAULT_DERIVE };
  let ok = true;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const value = pair.value as Node | null;
    const num = isScalar(value) && typeof value.value === "number" ? value.value : undefined;
    if (key === "length") {
      if (num === undefined || !Number.isInteger(num) || num < 8 || num > 512) {
        c.report(value, "derive.length: expected a whole number from 8 to 512");
        ok = false;
      } else spec.length = num;
    } else if (key === "rotation") {
      if (num === undefined || !Number.isInteger(num) || num < 0) {
        c.report(value, "derive.rotation: expected a whole number ≥ 0");
        ok = false;
      } else spec.rotation = num;
    } else if (key === "alphabet") {
      const text = isScalar(value) && typeof value.value === "string" ? value.value : undefined;
      if (text === undefined || (!(text in ALPHABETS) && new Set(text).size < 2)) {
        c.report(
          value,
          `derive.alphabet: expected one of ${Object.keys(ALPHABETS).join(", ")} or a string of at least 2 distinct characters`,
        );
        ok = false;
      } else if (!(text in ALPHABETS) && new Set(text).size !== text.length) {
        c.report(value, "derive.alphabet: characters must not repeat");
        ok = false;
      } else spec.alphabet = text;
    } else {
      c.report(
        pair.key as Node,
        `derive: unknown field '${printable(key)}' (known: length, alphabet, rotation)`,
      );
      ok = false;
    }
  }
  return ok ? spec : undefined;
}

function parseValue(node: Node | null | undefined, c: Collector): ValueSpec | undefined {
  if (isScalar(node)) {
    if (node.value === null) {
      c.report(node, "value is empty; write '' for an empty string");
      return undefined;
    }
    const text = scalarText(node);
    if (!storable(node, text, c)) return undefined;
    return { kind: "literal", value: text, secret: false };
  }
  if (isSeq(node) || !isMap(node)) {
    c.report(
      node,
      "expected a value: a string, or { value | derive | template } (lists are not allowed)",
    );
    return undefined;
  }
  const fields = new Map<string, Node | null>();
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!["value", "derive", "template", "env", "default", "secret"].includes(key)) {
      c.report(
        pair.key as Node,
        `unknown field '${printable(key)}' (known: value, derive, template, env, default, secret)`,
      );
      return undefined;
    }
    fields.set(key, pair.value as Node | null);
  }
  const kinds = ["value", "derive", "template", "env"].filter((k) => fields.has(k));
  if (kinds.length !== 1) {
    c.report(node, "expected exactly one of 'value', 'derive', 'template' or 'env'");
    return undefined;
  }
  if (fields.has("default") && !fields.has("env")) {
    c.report(fields.get("default"), "'default' only goes with 'env'");
    return undefined;
  }
  let secret: boolean | undefined;
  if (fields.has("secret")) {
    const s = fields.get("secret");
    if (!isScalar(s) || typeof s.value !== "boolean") {
      c.report(s, "secret: expected true or false");
      return undefined;
    }
    secret = s.value;
  }
  if (fields.has("value")) {
    const v = fields.get("value");
    if (!isScalar(v) || v.value === null) {
      c.report(v ?? node, "value: expected a string");
      return undefined;
    }
    if (!storable(v, scalarText(v), c)) return undefined;
    return { kind: "literal", value: scalarText(v), secret: secret ?? false };
  }
  if (fields.has("env")) {
    const e = fields.get("env");
    const name = isScalar(e) && typeof e.value === "string" ? e.value : "";
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) {
      c.report(e ?? node, "env: expected an environment variable name like DEV_DB_HOST");
      return undefined;
    }
    const d = fields.get("default");
    if (fields.has("default") && (!isScalar(d) || d.value === null)) {
      c.report(d ?? node, "default: expected a string");
      return undefined;
    }
    if (isScalar(d) && !storable(d, scalarText(d), c)) return undefined;
    return {
      kind: "env",
      name,
      default: isScalar(d) ? scalarText(d) : undefined,
      secret: secret ?? false,
    };
  }
  if (fields.has("derive")) {
    if (secret === false) {
      c.report(fields.get("secret"), "a derived value is always a secret; drop 'secret: false'");
      return undefined;
    }
    const derive = parseDerive(fields.get("derive"), c);
    return derive ? { kind: "derive", derive } : undefined;
  }
  const t = fields.get("template");
  if (!isScalar(t) || typeof t.value !== "string") {
    c.report(t ?? node, "template: expected a string");
    return undefined;
  }
  if (!storable(t, t.value, c)) return undefined;
  try {
    return { kind: "template", parts: parseTemplate(t.value), secret };
  } catch (error) {
    if (!(error instanceof TemplateSyntaxError)) throw error;
    // +1 for the opening quote when the template is quoted
    const quoted = t.type === "QUOTE_DOUBLE" || t.type === "QUOTE_SINGLE" ? 1 : 0;
    c.report(t, error.message, error.offset + quoted);
    return undefined;
  }
}

function parseFile(source: FixtureSource, set: FixtureSet, problems: string[]): void {
  const yaml = parseYamlSource(source.file, source.text);
  const { doc } = yaml;
  const c = new Collector(yaml);
  for (const error of doc.errors) {
    problems.push(
      `${formatPosition(yaml.position(error.pos[0]))}: invalid YAML: ${error.message.split("\n")[0]}`,
    );
  }
  if (doc.errors.length) return;
  checkTags(doc, source.text, c);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return; // an empty file declares nothing
  if (!isMap(root)) {
    c.report(root, "expected a mapping with a 'paths' key");
    problems.push(...c.problems);
    return;
  }
  let pathsNode: YAMLMap | undefined;
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (key === "paths") {
      if (isMap(pair.value)) pathsNode = pair.value;
      else if (!(isScalar(pair.value) && pair.value.value === null))
        c.report(pair.value as Node, "paths: expected a mapping of Vault paths");
    } else if (key !== "description") {
      c.report(pair.key as Node, `unknown field '${printable(key)}' (known: paths, description)`);
    }
  }
  for (const pathPair of pathsNode?.items ?? []) {
    const keyNode = pathPair.key as Node;
    if (isNullKey(keyNode)) {
      c.report(keyNode, "a null key (~ or null): write the key's name");
      continue;
    }
    const path = isScalar(keyNode) ? String(keyNode.value) : "";
    if (!isValidVaultPath(path) || unstorableText(path)) {
      c.report(
        keyNode,
        `bad Vault path '${printable(path)}': expected a KV path like 'platform/db' (no leading '/', no 'data/' prefix, no '.' or '..' segments, no trailing '.')`,
      );
      continue;
    }
    const existing = set.paths.get(path);
    if (existing) {
      c.report(
        keyNode,
        `duplicate path '${path}' (first declared at ${formatPosition(existing.at)})`,
      );
      continue;
    }
    const entry: FixturePath = { path, at: c.at(keyNode), keys: new Map() };
    const keysNode = pathPair.value as Node | null;
    if (!isMap(keysNode) || keysNode.items.length === 0) {
      c.report(keysNode ?? keyNode, `path '${path}': expected a mapping of at least one key`);
      continue;
    }
    for (const kv of keysNode.items) {
      const kNode = kv.key as Node;
      if (isNullKey(kNode)) {
        c.report(kNode, "a null key (~ or null): write the key's name");
        continue;
      }
      const key = isScalar(kNode) ? String(kNode.value) : "";
      if (!KEY_NAME.test(key)) {
        c.report(
          kNode,
          `bad key name '${printable(key)}': expected letters, digits, '_', '.', '-' and not starting with a digit`,
        );
        continue;
      }
      const spec = parseValue(kv.value as Node | null, c);
      if (spec) entry.keys.set(key, { key, spec, at: c.at(kv.value as Node) });
    }
    set.paths.set(path, entry);
  }
  problems.push(...c.problems);
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

export class FixtureResolveError extends Error {}

/**
 * Computes every value. Assumes `parseFixtures` reported no problems. `env` feeds
 * `{ env: NAME, default: … }` values: addresses that differ per machine (the
 * sandbox's PostgreSQL port), never secrets that must be deterministic.
 */
export function resolveFixtures(
  set: FixtureSet,
  options: { seed: string; mount: string; env?: Readonly<Record<string, string | undefined>> },
): Map<string, ResolvedPath> {
  const cache = new Map<string, { value: string; secret: boolean }>();
  const resolveKey = (path: string, key: string): { value: string; secret: boolean } => {
    const cacheKey = `${path}#${key}`;
    const hit = cache.get(cacheKey);
    if (hit) return hit;
    const spec = set.paths.get(path)?.keys.get(key)?.spec;
    if (!spec) throw new Error(`unresolved fixture reference ${cacheKey}`);
    let result: { value: string; secret: boolean };
    if (spec.kind === "literal") result = { value: spec.value, secret: spec.secret };
    else if (spec.kind === "env") {
      const value = options.env?.[spec.name] || spec.default;
      if (value === undefined) {
        const at = set.paths.get(path)?.keys.get(key)?.at;
        throw new FixtureResolveError(
          `${at ? `${formatPosition(at)}: ` : ""}${path}#${key}: environment variable ${spec.name} is not set and there is no default`,
        );
      }
      result = { value, secret: spec.secret };
    } else if (spec.kind === "derive") {
      result = {
        value: deriveSecret(options.seed, options.mount, path, key, spec.derive),
        secret: true,
      };
    } else {
      let fromSecret = false;
      const value = renderTemplate(spec.parts, (ref) => {
        const r = resolveKey(ref.path ?? path, ref.key);
        fromSecret ||= r.secret;
        return r.value;
      });
      result = { value, secret: spec.secret ?? fromSecret };
    }
    cache.set(cacheKey, result);
    return result;
  };
  const out = new Map<string, ResolvedPath>();
  for (const p of set.paths.values()) {
    const values: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const key of p.keys.keys()) {
      const r = resolveKey(p.path, key);
      values[key] = r.value;
      if (r.secret) secretKeys.add(key);
    }
    out.set(p.path, { path: p.path, file: p.at.file, values, secretKeys });
  }
  return out;
}
