/**
 * Secret masking. Every secret value the process learns is registered once;
 * `mask` then replaces it, and the forms it takes on the wire (JSON-escaped,
 * URL-encoded, base64 as in a Kubernetes Secret's `data`), wherever it appears.
 */

export const MASK = "***";

/**
 * Values shorter than this are not masked: masking a two-letter password would
 * shred every line of output. Derived secrets are far longer; the README says so.
 */
const MIN_MASKED_LENGTH = 4;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The spellings a secret takes once serialised by the tools we use. */
function variantsOf(value: string): string[] {
  const variants = new Set<string>([value]);
  variants.add(JSON.stringify(value).slice(1, -1));
  variants.add(encodeURIComponent(value));
  variants.add(Buffer.from(value, "utf8").toString("base64"));
  // Inside a JSON string, a URL-encoded value stays as is; a JSON-escaped one
  // may be escaped again when a JSON body is embedded in an error message.
  variants.add(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1));
  return [...variants].filter((v) => v.length >= MIN_MASKED_LENGTH);
}

/** Longer values are masked by plain search instead of joining the regex: a
 * megabyte-long secret would make the alternation too large to compile. */
const LONG_VALUE = 1024;

export class SecretMasker {
  private readonly values = new Set<string>();
  private readonly longValues = new Set<string>();
  private pattern: RegExp | undefined;
  private dirty = false;

  /** Registers secret values; returns them so a caller can register inline. */
  register<T extends string | undefined>(value: T): T {
    if (typeof value !== "string" || value.length < MIN_MASKED_LENGTH) return value;
    for (const variant of variantsOf(value)) {
      if (variant.length > LONG_VALUE) {
        this.longValues.add(variant);
        continue;
      }
      if (!this.values.has(variant)) {
        this.values.add(variant);
        this.dirty = true;
      }
    }
    return value;
  }

  get size(): number {
    return this.values.size + this.longValues.size;
  }

  private regex(): RegExp | undefined {
    if (this.dirty) {
      // Longest first so a secret that contains another is masked whole.
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = sorted.length
        ? new RegExp(sorted.map(escapeRegExp).join("|"), "g")
        : undefined;
      this.dirty = false;
    }
    return this.pattern;
  }

  mask(text: string): string {
    if (text.length < MIN_MASKED_LENGTH) return text;
    let out = text;
    for (const long of this.longValues)
      if (out.length >= long.length) out = out.split(long).join(MASK);
    const re = this.regex();
    return re ? out.replace(re, MASK) : out;
  }

  /**
   * A masked deep copy: strings anywhere in objects, arrays, Maps, Sets and
   * Errors (message, stack, cause, own fields) are masked. Cycles are kept.
   */
  maskDeep<T>(value: T): T {
    return this.copy(value, new WeakMap()) as T;
  }

  private copy(value: unknown, seen: WeakMap<object, unknown>): unknown {
    if (typeof value === "string") return this.mask(value);
    if (value === null || typeof value !== "object") return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      seen.set(value, out);
      for (const item of value) out.push(this.copy(item, seen));
      return out;
    }
    if (value instanceof Map) {
      const out = new Map();
      seen.set(value, out);
      for (const [k, v] of value) out.set(this.copy(k, seen), this.copy(v, seen));
      return out;
    }
    if (value instanceof Set) {
      const out = new Set();
      seen.set(value, out);
      for (const v of value) out.add(this.copy(v, seen));
      return out;
    }
    if (value instanceof Error) {
      const out = new Error(this.mask(value.message));
      seen.set(value, out);
      out.name = value.name;
      out.stack = value.stack === undefined ? undefined : this.mask(value.stack);
      if (value.cause !== undefined) out.cause = this.copy(value.cause, seen);
      for (const [k, v] of Object.entries(value)) {
        (out as unknown as Record<string, unknown>)[k] = this.copy(v, seen);
      }
      return out;
    }
    if (Buffer.isBuffer(value)) return this.mask(value.toString("utf8"));
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [k, v] of Object.entries(value)) out[this.mask(k)] = this.copy(v, seen);
    return out;
  }
}
