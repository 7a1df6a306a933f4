/**
 * KV v2 data as JSON text, key by key. Values another party stored go back to
 * Vault exactly as Vault returned them: through JavaScript numbers,
 * `12345678901234567890` would become `12345678901234567000`, `1.50` would become
 * `1.5`, `1e2` `100` and `-0` `0` (Vault keeps numbers as written: its HTTP layer
 * decodes requests with Go's json.Number, vault/sdk/helper/jsonutil).
 *
 * Why a small splitter of our own: `JSON.parse`'s reviver gets a value's source
 * text only from Node 21 on (we run on 20), and a lossless JSON package would
 * replace ~70 lines. The text has already passed `JSON.parse`, so the splitter
 * only walks valid JSON: it finds where each value starts and ends, never
 * interprets one.
 */

/** A JSON object's members as [key, the value's JSON text], in the order written. */
type JsonMembers = Array<[key: string, json: string]>;

const WS = new Set([" ", "\t", "\n", "\r"]);

function skipWs(text: string, at: number): number {
  // Stryker disable next-line EqualityOperator: the text is valid JSON, so past its end text[i] is undefined, which no check matches
  while (at < text.length && WS.has(text[at]!)) at++;
  return at;
}

/** The index just after the string that starts at `at` (a `"`). */
function stringEnd(text: string, at: number): number {
  // Stryker disable next-line EqualityOperator: the text is valid JSON, so past its end text[i] is undefined, which no check matches
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === '"') return i + 1;
  }
  throw new SyntaxError("unterminated string");
}

/** The index just after the value that starts at `at`. */
function valueEnd(text: string, at: number): number {
  const c = text[at];
  if (c === '"') return stringEnd(text, at);
  if (c === "{" || c === "[") {
    let depth = 0;
    // Stryker disable next-line EqualityOperator: the text is valid JSON, so past its end text[i] is undefined, which no check matches
    for (let i = at; i < text.length; i++) {
      const d = text[i];
      if (d === '"') i = stringEnd(text, i) - 1;
      else if (d === "{" || d === "[") depth++;
      else if (d === "}" || d === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new SyntaxError("unterminated object or array");
  }
  // a number, true, false or null: runs to the next delimiter
  let i = at;
  // Stryker disable next-line EqualityOperator: the text is valid JSON, so past its end text[i] is undefined, which no check matches
  while (i < text.length && !WS.has(text[i]!) && !",}]".includes(text[i]!)) i++;
  return i;
}

/** The members of the object whose `{` is at `at`; a repeated key keeps its last value, as JSON.parse does. */
function members(text: string, at: number): JsonMembers {
  const out = new Map<string, string>();
  let i = skipWs(text, at + 1);
  if (text[i] === "}") return [];
  for (;;) {
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const start = skipWs(text, skipWs(text, keyEnd) + 1); // past the ':'
    const end = valueEnd(text, start);
    out.delete(key);
    out.set(key, text.slice(start, end));
    i = skipWs(text, end);
    if (text[i] === "}") return [...out];
    i = skipWs(text, i + 1); // past the ','
  }
}

/**
 * The members of the object found by following `path` (object keys) from the
 * top of `text`, which must be valid JSON; undefined when something on the way
 * is missing or is no object (`null` included).
 */
export function membersAt(text: string, path: readonly string[]): JsonMembers | undefined {
  let at = skipWs(text, 0);
  for (const segment of path) {
    if (text[at] !== "{") return undefined;
    at = memberValueAt(text, at, segment);
    // Stryker disable next-line EqualityOperator: a member's value never starts at 0 (the object's "{" is there)
    if (at < 0) return undefined;
  }
  return text[at] === "{" ? members(text, at) : undefined;
}

/** Where the value of `key` starts in the object at `at` (its last occurrence), or -1. */
function memberValueAt(text: string, at: number, key: string): number {
  // Stryker disable next-line UnaryOperator: at 1 stands a key's quote or a blank, never an object, so 1 reads as "not found" too
  let found = -1;
  let i = skipWs(text, at + 1);
  if (text[i] === "}") return found;
  for (;;) {
    const keyEnd = stringEnd(text, i);
    const start = skipWs(text, skipWs(text, keyEnd) + 1);
    if (JSON.parse(text.slice(i, keyEnd)) === key) found = start;
    i = skipWs(text, valueEnd(text, start));
    if (text[i] === "}") return found;
    i = skipWs(text, i + 1);
  }
}

/** A JSON object from members whose values are JSON text already: each goes out unchanged. */
export function objectText(entries: Iterable<readonly [string, string]>): string {
  const parts: string[] = [];
  for (const [key, json] of entries) parts.push(`${JSON.stringify(key)}:${json}`);
  return `{${parts.join(",")}}`;
}
