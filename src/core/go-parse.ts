/**
 * Values read the way the vault CLI (a Go program) reads its environment, so that a
 * variable that works for `vault` works here, and one `vault` refuses is refused:
 * - booleans by Go's strconv.ParseBool (VAULT_SKIP_VERIFY);
 * - durations by go-secure-stdlib's parseutil.ParseDurationSecond (VAULT_CLIENT_TIMEOUT):
 *   a bare integer is seconds, `<n>d` is days, anything else is Go's time.ParseDuration;
 * - counts by strconv.ParseUint (VAULT_MAX_RETRIES).
 * Pure.
 */

/** What strconv.ParseBool accepts; nothing else (no "yes", no "on"). */
const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);
export const GO_BOOL_WORDS = "1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False";

/** The boolean `text` is to strconv.ParseBool, or undefined when it refuses it. */
export function parseGoBool(text: string): boolean | undefined {
  return GO_TRUE.has(text) ? true : GO_FALSE.has(text) ? false : undefined;
}

/** Nanoseconds per unit of Go's time.ParseDuration. */
const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in milliseconds; undefined when Go refuses the text. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let ns = 0;
  while (rest !== "") {
    const part = /^(\d*)(?:\.(\d*))?([^\d.]+)/.exec(rest);
    // Go: each component needs a digit before or after the point, and a known unit.
    if (!part || (part[1] === "" && (part[2] ?? "") === "")) return undefined;
    const unit = UNIT_NS[part[3]!];
    if (unit === undefined) return undefined;
    ns += Number(`${part[1] || "0"}.${part[2] || "0"}`) * unit;
    rest = rest.slice(part[0].length);
  }
  return (sign * ns) / 1e6;
}

/** parseutil.ParseDurationSecond, in milliseconds; undefined when it refuses the text. */
export function parseDurationSecond(text: string): number | undefined {
  if (/^[-+]?\d+$/.test(text)) return Number(text) * 1000;
  if (text.endsWith("d")) {
    const days = text.slice(0, -1);
    return /^[-+]?\d+$/.test(days) ? Number(days) * 86_400_000 : undefined;
  }
  return parseGoDuration(text);
}

/** strconv.ParseUint(text, 10, 32): decimal digits only, no sign, below 2^32. */
export function parseGoUint32(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 0xffff_ffff ? n : undefined;
}
