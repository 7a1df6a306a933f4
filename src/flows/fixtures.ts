/** Loads the fixture directory from disk and validates it before any network call. */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { InputError } from "../core/errors.js";
import {
  FixtureResolveError,
  type FixtureSet,
  type FixtureSource,
  parseFixtures,
  type ResolvedPath,
  resolveFixtures,
} from "../core/fixtures.js";
import type { SecretMasker } from "../core/mask.js";

export const FIXTURE_EXTENSIONS = /\.ya?ml$/;

export function readFixtureSources(dir: string, root: string): FixtureSource[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FIXTURE_EXTENSIONS.test(n) && !n.startsWith("."));
  } catch (error) {
    throw new InputError(
      [
        `${dir}: cannot read the fixture directory (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      ],
      "create it, or point vault.fixturesDir / --fixtures at the directory holding your *.yaml fixtures",
    );
  }
  // Sorted so duplicate-path errors and derived values never depend on readdir order.
  return names.sort().map((name) => {
    const file = join(dir, name);
    return { file: relative(root, file) || file, text: readFileSync(file, "utf8") };
  });
}

/** Validates fixtures, computes values, and registers every secret value for masking. */
export function loadFixtures(
  sources: FixtureSource[],
  options: { seed: string; mount: string; masker: SecretMasker; env: NodeJS.ProcessEnv },
): { set: FixtureSet; resolved: Map<string, ResolvedPath> } {
  const { set, problems } = parseFixtures(sources);
  if (problems.length) {
    throw new InputError(
      problems,
      "fix the fixture file at that position; nothing was written to Vault",
    );
  }
  let resolved: Map<string, ResolvedPath>;
  try {
    resolved = resolveFixtures(set, options);
  } catch (error) {
    if (error instanceof FixtureResolveError)
      throw new InputError([error.message], "set the variable, or give the value a default");
    throw error;
  }
  for (const p of resolved.values())
    for (const key of p.secretKeys) options.masker.register(p.values[key]);
  return { set, resolved };
}
