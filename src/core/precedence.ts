/**
 * The one precedence engine: every setting dev-bootstrap reads comes from sources
 * stacked in an order, and the highest source that sets a key gives its value.
 *
 * - dev-bootstrap's own config (config/resolve.ts): flags → environment → the
 *   config file → the schema's defaults;
 * - Flyway's settings (core/flyway-settings.ts), as Flyway 10 stacks them: a TOML
 *   environment's `[environments.<name>.flyway]` → FLYWAY_* (and `flyway_*`) →
 *   flyway.toml / flyway.conf → migrations.flyway → Flyway's defaults.
 *
 * What counts as "sets" is decided here too, once, for both (see `counts`). Each
 * source records where its values came from, so errors and reports name the
 * variable, flag or file:line that won.
 */

/** A value and where it came from. */
export interface Sourced<V, O> {
  value: V;
  origin: O;
}

/** One source's values by key; build it with `source` or `environmentSource`. */
type Source<V, O> = ReadonlyMap<string, Sourced<V, O>>;

/**
 * The empty-value rule. Undefined is unset everywhere. A variable of the
 * environment that is empty or blank is unset too: `export X=` or a compose
 * file's `X:` clears a setting, it never asks for an empty one; except for a key
 * whose empty value means something (Flyway's ignoreMigrationPatterns, where an
 * empty list clears the default; a placeholder, replaced by nothing). In a file
 * or a flag a value is what was written, so an empty one is checked as a value.
 */
export function counts(
  value: unknown,
  from: "environment" | "written",
  keepsEmpty = false,
): boolean {
  if (value === undefined) return false;
  if (from === "environment" && !keepsEmpty) return String(value).trim() !== "";
  return true;
}

/** A source of written values (a file, flags, a config section), later entries winning. */
export function source<V, O>(
  entries: Iterable<readonly [key: string, value: V | undefined, origin: O]>,
): Source<V, O> {
  const out = new Map<string, Sourced<V, O>>();
  for (const [key, value, origin] of entries) {
    // Stryker disable next-line StringLiteral: only "environment" is read apart; any other name is written
    if (counts(value, "written")) out.set(key, { value: value as V, origin });
  }
  return out;
}

/**
 * The environment as a source: `keyOf` says which key a variable sets (undefined:
 * none of ours), and `keepsEmpty` which keys take an empty value as a value.
 */
export function environmentSource<O>(
  env: Readonly<Record<string, string | undefined>>,
  keyOf: (name: string) => string | undefined,
  origin: (name: string) => O,
  // Stryker disable next-line ArrowFunction: an arrow answering undefined is as false here
  keepsEmpty: (key: string) => boolean = () => false,
): Source<string, O> {
  const out = new Map<string, Sourced<string, O>>();
  for (const [name, value] of Object.entries(env)) {
    const key = keyOf(name);
    if (key === undefined || !counts(value, "environment", keepsEmpty(key))) continue;
    out.set(key, { value: value as string, origin: origin(name) });
  }
  return out;
}

/** Sources stacked highest first: `pick` answers with the highest that sets a key. */
export class Layers<V, O> {
  constructor(private readonly sources: ReadonlyArray<Source<V, O>>) {}

  pick(key: string): Sourced<V, O> | undefined {
    for (const s of this.sources) {
      const found = s.get(key);
      if (found) return found;
    }
    return undefined;
  }

  /** Every key some source sets, each with its winning value. */
  winners(): Map<string, Sourced<V, O>> {
    const out = new Map<string, Sourced<V, O>>();
    for (const s of this.sources) for (const [key, c] of s) if (!out.has(key)) out.set(key, c);
    return out;
  }
}
