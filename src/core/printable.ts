/**
 * Text from input files or the environment echoed back in a message: control
 * characters and lone surrogates are shown as escapes, so a key such as
 * `K\x1b[2J` cannot clear or retitle the user's terminal.
 */

const UNPRINTABLE =
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escapeChar);
}

/** Bidirectional overrides and isolates: they reorder what a terminal shows. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text bound for a terminal line (a checkpoint, a summary cell, an error): line
 * breaks shown as ⏎, and every other control character, escape sequences from a
 * server's error body among them (ESC[2J, ESC]0;title BEL), shown as an escape.
 */
export function terminalText(text: string): string {
  return printable(text.replace(/\r?\n/g, " ⏎ ")).replace(BIDI, escapeChar);
}

/**
 * A JSON line with the characters JSON.stringify leaves raw (DEL, C1 controls, line
 * and paragraph separators, bidi overrides) written as \u escapes: the same value
 * to a JSON reader, nothing a terminal acts on for someone who cats the journal.
 */
export function terminalSafeJson(line: string): string {
  return line.replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Control characters a stored value may not hold (tab, LF and CR are text). */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored as written, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  const control = CONTROL.exec(text);
  if (control) return `a control character (${escapeChar(control[0])})`;
  const lone = LONE_SURROGATE.exec(text);
  if (lone) return `a lone surrogate (${escapeChar(lone[0])})`;
  return undefined;
}

/**
 * Byte offset of the first invalid UTF-8 sequence in `bytes`, or -1 when all of
 * it is valid (overlong forms, surrogates and values past U+10FFFF are invalid).
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
