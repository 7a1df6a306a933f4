/** Loads the fixture directory from disk and validates it before any network call. */
import { join, relative } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { InputError } from "../core/errors.js";
import { FixtureResolveError, resolveFixtures } from "../core/fixture-resolve.js";
import {
  type FixtureSet,
  type FixtureSource,
  parseFixtures,
  type ResolvedPath,
} from "../core/fixtures.js";
import type { SecretMasker } from "../core/mask.js";
import { firstInvalidUtf8, printable } from "../core/printable.js";
import type { FsPort } from "./host.js";

export const FIXTURE_EXTENSIONS = /\.ya?ml$/;

/**
 * The largest fixture file read. Vault takes requests of at most max_request_size
 * (default 32 MiB, developer.hashicorp.com/vault/docs/configuration/listener/tcp),
 * and each value is capped at 1 MiB (MAX_VALUE_BYTES): a file past 32 MiB holds no
 * fixtures a local Vault would take, and is refused before it is read.
 */
const MAX_FIXTURE_FILE_BYTES = 32 * 1024 * 1024;

export function readFixtureSources(
  dir: string,
  root: string,
  fs: Pick<FsPort, "readdir" | "readRegular">,
): FixtureSource[] {
  let names: string[];
  try {
    names = fs.readdir(dir).filter((n) => FIXTURE_EXTENSIONS.test(n) && !n.startsWith("."));
  } catch (error) {
    throw new InputError(
      [
        `${dir}: cannot read the fixture directory (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      ],
      "create it, or point vault.fixturesDir / --fixtures at the directory holding your *.yaml fixtures",
    );
  }
  // Sorted so duplicate-path errors and derived values never depend on readdir order.
  const sources: FixtureSource[] = [];
  const problems: string[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    const shown = relative(root, file) || file;
    const read = fs.readRegular(file, MAX_FIXTURE_FILE_BYTES);
    if ("tooLarge" in read) {
      problems.push(
        `${printable(shown)}: ${(read.tooLarge / 1024 / 1024).toFixed(1)} MiB; a fixture file may be at most ${MAX_FIXTURE_FILE_BYTES / 1024 / 1024} MiB`,
      );
      continue;
    }
    if (!("bytes" in read)) {
      problems.push(
        `${printable(shown)}: not a regular file (${read.kind}); fixtures must be plain files`,
      );
      continue;
    }
    // Decoding would store invalid bytes as U+FFFD: refuse them where they are.
    const bytes = read.bytes;
    const bad = firstInvalidUtf8(bytes);
    if (bad >= 0) {
      const before = bytes.subarray(0, bad).toString("utf8");
      const line = before.split("\n").length;
      const col = before.length - before.lastIndexOf("\n");
      problems.push(
        `${printable(shown)}:${line}:${col}: not valid UTF-8 (byte 0x${bytes[bad]!.toString(16).padStart(2, "0")}); save the file as UTF-8`,
      );
      continue;
    }
    sources.push({ file: shown, text: bytes.toString("utf8") });
  }
  if (problems.length)
    throw new InputError(
      problems,
      "fix the file at that position, or move what is not a fixture out of the directory",
    );
  return sources;
}

interface LoadFixturesOptions {
  seed: string;
  mount: string;
  masker: SecretMasker;
  env: NodeJS.ProcessEnv;
  /** What to tell the user when a fixture is invalid (the watcher keeps the last good values). */
  invalidHint?: string;
}

/** Validates fixtures, computes values, and registers every secret value for masking. */
export function loadFixtures(
  sources: FixtureSource[],
  options: LoadFixturesOptions,
): { set: FixtureSet; resolved: Map<string, ResolvedPath> } {
  const { set, problems } = parseFixtures(sources);
  if (problems.length) {
    throw new InputError(
      problems,
      options.invalidHint ?? "fix the fixture file at that position; nothing was written to Vault",
    );
  }
  let resolved: Map<string, ResolvedPath>;
  try {
    resolved = resolveFixtures(set, options);
  } catch (error) {
    if (error instanceof FixtureResolveError) throw new InputError([error.message], error.hint);
    throw error;
  }
  for (const p of resolved.values())
    for (const key of p.secretKeys) options.masker.register(p.values[key]);
  return { set, resolved };
}

/**
 * The one way fixtures are loaded (seed, watcher, sandbox): read the configured
 * directory, validate, compute every value, register the secrets for masking.
 */
export function loadFixtureDirectory(
  resolved: Pick<ResolvedConfig, "config" | "path" | "root">,
  options: Omit<LoadFixturesOptions, "seed" | "mount"> & {
    fs: Pick<FsPort, "readdir" | "readRegular">;
  },
): Map<string, ResolvedPath> {
  const { vault } = resolved.config;
  const sources = readFixtureSources(resolved.path(vault.fixturesDir), resolved.root, options.fs);
  return loadFixtures(sources, { ...options, seed: vault.seed, mount: vault.mount }).resolved;
}
