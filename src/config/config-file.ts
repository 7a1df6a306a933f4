/**
 * Finding and reading the config file: the nearest dev-bootstrap.yaml, the git
 * root, and the file's YAML with positions (and the guards a hand-written file
 * needs: nesting depth, alias bombs, a mapping at the top level).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { LineCounter, visit } from "yaml";
import { ConfigError } from "../core/errors.js";
import { formatPosition, parseYamlSource } from "../core/yaml-source.js";

const CONFIG_FILE_NAME = "dev-bootstrap.yaml";
/** Nesting the config file may use; the schema needs six, and YAML's parser recurses per level. */
const MAX_NESTING = 64;
export const CONFIG_ENV = "DEV_BOOTSTRAP_CONFIG";

export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The nearest directory at or above `cwd` holding `.git` (a directory, or a worktree's file). */
function findGitRoot(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    if (existsSync(join(dir, ".git"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Where a workspace's relative paths resolve: nearest config file's directory, git root, cwd. */
export function workspaceRoot(cwd: string, configFile: string | undefined): string {
  if (configFile) return dirname(configFile);
  return findGitRoot(cwd) ?? resolve(cwd);
}
export function loadFile(file: string): {
  values: Record<string, unknown>;
  locate(path: PropertyKey[]): string;
} {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(
      `${file}: cannot read config file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      `check the path given by --config or ${CONFIG_ENV}`,
    );
  }
  const lineCounter = new LineCounter();
  const tooDeep = nestingBeyond(text, MAX_NESTING);
  if (tooDeep !== undefined) {
    lineCounter.addNewLine(0);
    for (let i = text.indexOf("\n"); i >= 0 && i < tooDeep; i = text.indexOf("\n", i + 1))
      lineCounter.addNewLine(i + 1);
    const { line, col } = lineCounter.linePos(tooDeep);
    throw new ConfigError(
      `${file}:${line}:${col}: nested deeper than ${MAX_NESTING} levels; ${CONFIG_FILE_NAME} needs only a few`,
      "fix the YAML structure of the config file",
    );
  }
  const source = parseYamlSource(file, text, lineCounter);
  const { doc } = source;
  const position = (offset: number) => formatPosition(source.position(offset));
  const firstError = doc.errors[0];
  if (firstError) {
    throw new ConfigError(
      `${position(firstError.pos[0])}: invalid YAML: ${firstError.message.split("\n")[0]}`,
      "fix the YAML syntax in the config file",
    );
  }
  let values: unknown;
  try {
    values = doc.toJS();
  } catch (error) {
    // yaml refuses to expand aliases past a bound (a "billion laughs" document).
    let first: number | undefined;
    visit(doc, {
      Alias(_, node) {
        first ??= node.range?.[0];
        return visit.BREAK;
      },
    });
    if (/alias/i.test((error as Error).message) || first !== undefined) {
      throw new ConfigError(
        `${position(first ?? 0)}: too many YAML alias expansions (an alias bomb?); write the values out`,
        "the config file needs no aliases; write each value where it is used",
      );
    }
    throw error;
  }
  if (
    values !== null &&
    values !== undefined &&
    (typeof values !== "object" || Array.isArray(values))
  ) {
    throw new ConfigError(`${file}:1:1: expected a mapping of config keys at the top level`);
  }
  return {
    values: (values ?? {}) as Record<string, unknown>,
    locate: (path) => formatPosition(source.locate(path)),
  };
}

/**
 * Offset where `text` nests deeper than `limit` levels (block indentation, "- "
 * entries and flow brackets), or undefined. A pre-scan: yaml's parser recurses per
 * level and overflows the stack on thousands of them.
 */
function nestingBeyond(text: string, limit: number): number | undefined {
  const indents: number[] = [];
  let brackets = 0;
  let offset = 0;
  for (const line of text.split("\n")) {
    const start = offset;
    offset += line.length + 1;
    const content = line.replace(/^[ ]*/, "");
    if (brackets === 0) {
      if (content === "" || content.startsWith("#")) continue;
      let indent = line.length - content.length;
      // "- - x" opens a level per dash.
      for (const dash of content.match(/^(-[ ]+)*/)?.[0].match(/-[ ]+/g) ?? []) {
        while (indents.length && indents[indents.length - 1]! >= indent + 1) indents.pop();
        if (!indents.length || indents[indents.length - 1]! < indent) indents.push(indent);
        indent += dash.length;
      }
      while (indents.length && indents[indents.length - 1]! > indent) indents.pop();
      if (!indents.length || indents[indents.length - 1]! < indent) indents.push(indent);
      if (indents.length > limit) return start + indent;
    }
    let quote: string | undefined;
    for (let i = line.length - content.length; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === quote) quote = undefined;
        continue;
      }
      if (c === "#" && (i === 0 || line[i - 1] === " ")) break;
      if (c === '"' || c === "'") quote = c;
      else if (c === "[" || c === "{") {
        brackets++;
        if (indents.length + brackets > limit) return start + i;
      } else if ((c === "]" || c === "}") && brackets > 0) brackets--;
    }
  }
  return undefined;
}
