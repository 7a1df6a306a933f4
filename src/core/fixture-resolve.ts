/**
 * Computing fixture values: literals as written, `{ env }` from the environment,
 * derived secrets, and templates over other keys (a template built from a secret
 * is a secret).
 */
import { deriveSecret } from "./derive.js";
import type { FixtureSet, ResolvedPath } from "./fixtures.js";
import { renderTemplate } from "./template.js";
import { formatPosition } from "./yaml-source.js";

export class FixtureResolveError extends Error {
  constructor(
    message: string,
    readonly hint = "set the variable, or give the value a default",
  ) {
    super(message);
  }
}

/**
 * The largest value a fixture may hold, in UTF-8 bytes. A Kubernetes Secret holds
 * at most 1 MiB in all (kubernetes.io/docs/concepts/configuration/secret, "Restrictions"),
 * so a larger value can never reach the Secrets ESO makes from it; Vault's listener
 * refuses JSON strings longer than 1 MiB by default too (max_json_string_value_length,
 * developer.hashicorp.com/vault/docs/configuration/listener/tcp).
 */
const MAX_VALUE_BYTES = 1024 * 1024;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

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
    const size = Buffer.byteLength(result.value, "utf8");
    if (size > MAX_VALUE_BYTES) {
      const at = set.paths.get(path)?.keys.get(key)?.at;
      throw new FixtureResolveError(
        `${at ? `${formatPosition(at)}: ` : ""}${path}#${key}: the value is ${mib(size)}; a value may be at most 1 MiB`,
        "keep large data out of fixtures (a Kubernetes Secret holds at most 1 MiB): mount it from a file or a ConfigMap instead",
      );
    }
    cache.set(cacheKey, result);
    return result;
  };
  const out = new Map<string, ResolvedPath>();
  for (const p of set.paths.values()) {
    // Null prototype: a key named __proto__ is stored like any other key.
    const values: Record<string, string> = Object.create(null);
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
