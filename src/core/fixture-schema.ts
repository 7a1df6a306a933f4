/**
 * The fixture file format as zod schemas. YAML is turned into plain data first
 * (numbers and booleans stay numbers and booleans), zod checks it, and each issue
 * is placed at its YAML node: an unknown or badly named key at the key, anything
 * else at the value. Messages say what was expected; a key is echoed escaped and a
 * value never. `{key}` in a message stands for the key the issue is about.
 */
import { isMap, isScalar, isSeq, type Node } from "yaml";
import * as z from "zod/mini";
import { ALPHABETS } from "./derive.js";
import { printable, unstorableText } from "./printable.js";
import { isValidVaultPath } from "./vault-path.js";
import { keyText, type Position, type YamlSource } from "./yaml-source.js";
import "./zod-english.js";

const KEY_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Every key a mapping may not have, reported at the key. */
const unknownField = (known: readonly string[], prefix = "") =>
  z.custom<never>(() => false, {
    error: `${prefix}unknown field '{key}' (known: ${known.join(", ")})`,
    params: { at: "key" },
  });

/** Text Vault can store as written. */
const storable = z.superRefine((text: string, ctx) => {
  const why = unstorableText(text);
  if (why)
    ctx.addIssue({
      code: "custom",
      message: `value holds ${why}; write it without control characters`,
    });
});

/** A scalar stored as text (a number keeps the digits it was written with). */
const scalar = (message: string) =>
  z.union(
    [
      z.string().check(storable),
      // any number YAML reads, .inf and .nan included (z.number() takes finite ones only)
      z.custom<number>((v) => typeof v === "number"),
      z.boolean(),
    ],
    { error: message },
  );

const DERIVE_LENGTH = "derive.length: expected a whole number from 8 to 512";
const DERIVE_ROTATION = "derive.rotation: expected a whole number ≥ 0";
const DERIVE_ALPHABET = `derive.alphabet: expected one of ${Object.keys(ALPHABETS).join(", ")} or a string of at least 2 distinct characters`;

const deriveSchema = z.pipe(
  z.transform((v: unknown) => (v === true ? {} : v)), // `derive: true` takes every default
  z.catchall(
    z.object(
      {
        length: z.optional(
          z
            .number({ error: DERIVE_LENGTH })
            .check(
              z.int({ error: DERIVE_LENGTH }),
              z.gte(8, { error: DERIVE_LENGTH }),
              z.lte(512, { error: DERIVE_LENGTH }),
            ),
        ),
        alphabet: z.optional(
          z.string({ error: DERIVE_ALPHABET }).check(
            z.refine((t) => t in ALPHABETS || new Set(t).size >= 2, {
              error: DERIVE_ALPHABET,
              abort: true,
            }),
            z.refine((t) => t in ALPHABETS || new Set(t).size === t.length, {
              error: "derive.alphabet: characters must not repeat",
            }),
          ),
        ),
        rotation: z.optional(
          z
            .number({ error: DERIVE_ROTATION })
            .check(z.int({ error: DERIVE_ROTATION }), z.gte(0, { error: DERIVE_ROTATION })),
        ),
      },
      { error: "derive: expected a mapping like { length: 32, alphabet: alnum } or true" },
    ),
    unknownField(["length", "alphabet", "rotation"], "derive: "),
  ),
);

const SPEC_FIELDS = ["value", "derive", "template", "env", "default", "secret"] as const;
const KINDS = ["value", "derive", "template", "env"] as const;

/**
 * A value written as a mapping. Checked in stages, each only when the one before
 * passed, so a value reports its first problem: unknown fields, then which kind it
 * is, then `secret`, then the kind's own field.
 */
// The fields a mapping may have, and exactly one kind of value.
const specFields = z
  .catchall(
    z.object(Object.fromEntries(SPEC_FIELDS.map((f) => [f, z.optional(z.unknown())]))),
    unknownField(SPEC_FIELDS),
  )
  .check((ctx) => {
    const spec = ctx.value;
    if (KINDS.filter((k) => k in spec).length !== 1)
      ctx.issues.push({
        code: "custom",
        input: spec,
        message: "expected exactly one of 'value', 'derive', 'template' or 'env'",
      });
    else if ("default" in spec && !("env" in spec))
      ctx.issues.push({
        code: "custom",
        input: spec,
        path: ["default"],
        message: "'default' only goes with 'env'",
      });
  });
// Then `secret`: a boolean, and never false for a derived value.
const specSecret = z
  .pipe(
    specFields,
    z.catchall(
      z.object({ secret: z.optional(z.boolean({ error: "secret: expected true or false" })) }),
      z.unknown(),
    ),
  )
  .check((ctx) => {
    if ("derive" in ctx.value && ctx.value.secret === false)
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        path: ["secret"],
        message: "a derived value is always a secret; drop 'secret: false'",
      });
  });
// Last the kind's own field.
const ENV_NAME = "env: expected an environment variable name like DEV_DB_HOST";
const specKind = z.object({
  secret: z.optional(z.boolean()),
  value: z.optional(scalar("value: expected a string")),
  env: z.optional(
    z.string({ error: ENV_NAME }).check(z.regex(/^[A-Z_][A-Z0-9_]*$/, { error: ENV_NAME })),
  ),
  default: z.optional(scalar("default: expected a string")),
  derive: z.optional(deriveSchema),
  template: z.optional(z.string({ error: "template: expected a string" }).check(storable)),
});
const specSchema = z.pipe(specSecret, specKind);

export type SpecData = z.output<typeof specSchema>;

const LIST_OR_OTHER =
  "expected a value: a string, or { value | derive | template } (lists are not allowed)";

/** One value: a scalar, or a mapping that says how to compute it. */
export function valueSchemaFor(data: unknown) {
  if (data === null) return z.never({ error: "value is empty; write '' for an empty string" });
  if (typeof data === "object" && !Array.isArray(data)) return specSchema;
  return scalar(LIST_OR_OTHER);
}

const PATH_MESSAGE =
  "bad Vault path '{key}': expected a KV path like 'platform/db' (no leading '/', no 'data/' prefix, no '.' or '..' segments, no trailing '.')";

/** A fixture file's shape down to its keys; each value is checked with `valueSchemaFor`. */
export const fileSchema = z.catchall(
  z.object({
    paths: z.nullish(
      z.record(
        z
          .string()
          .check(
            z.refine((p) => isValidVaultPath(p) && !unstorableText(p), { error: PATH_MESSAGE }),
          ),
        // Not a mapping, or an empty one: reported at the path's node, where it is known.
        z.pipe(
          z.transform((keys: unknown) =>
            typeof keys === "object" && keys !== null && !Array.isArray(keys) ? keys : {},
          ),
          z.record(
            z.string().check(
              z.regex(KEY_NAME, {
                error:
                  "bad key name '{key}': expected letters, digits, '_', '.', '-' and not starting with a digit",
              }),
            ),
            z.unknown(),
          ),
        ),
        { error: "paths: expected a mapping of Vault paths" },
      ),
    ),
    description: z.optional(z.unknown()),
  }),
  unknownField(["paths", "description"]),
);

/** YAML that is no plain value (an alias): matches no schema. */
const NOT_A_VALUE = Symbol("not a value");

/**
 * The YAML document as plain data. A null key (`~: v`) naming a path or a key is
 * reported and left out: YAML would make it a key named "null".
 */
export function plainData(
  node: Node | null | undefined,
  nullKey: (key: Node) => void,
  path: readonly string[] = [],
): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const namesPathsOrKeys = path[0] === "paths" && path.length <= 2;
    for (const pair of node.items) {
      if (namesPathsOrKeys && isScalar(pair.key) && pair.key.value === null) {
        nullKey(pair.key);
        continue;
      }
      const key = keyText(pair.key);
      // defineProperty: a key named __proto__ is data, not the prototype
      Object.defineProperty(out, key, {
        value: plainData(pair.value as Node | null, nullKey, [...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => plainData(item as Node, nullKey, [...path, ""]));
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean")
      return v;
    return node.source ?? String(v); // a tagged scalar (reported by the tag check) as written
  }
  return node === null || node === undefined ? null : NOT_A_VALUE;
}

export interface Problem {
  at: Position;
  message: string;
}

/** A zod issue as a problem at its YAML node. */
export function problemOf(source: YamlSource, issue: z.core.$ZodIssue): Problem {
  const inner = issue.code === "invalid_key" ? issue.issues[0] : undefined;
  const onKey =
    issue.code === "invalid_key" ||
    (issue.code === "custom" && (issue.params as { at?: string } | undefined)?.at === "key");
  const key = String(issue.path[issue.path.length - 1] ?? "");
  const message = (inner?.message ?? issue.message).replace("{key}", printable(key));
  const nodes = onKey ? source.nodesAt(issue.path) : undefined;
  const start = nodes?.key?.range?.[0];
  return { at: start === undefined ? source.locate(issue.path) : source.position(start), message };
}
