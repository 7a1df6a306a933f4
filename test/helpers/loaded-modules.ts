/**
 * What a command loads, by package: runs an entrypoint under the trace hook and
 * turns each loaded file into the packages whose code it holds. A bundled file
 * (dist/**) holds the sources its source map lists; a file under node_modules
 * is its own package. Works the same for a bundled and an unbundled build.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, REPO } from "./cli.js";

const HOOK = join(REPO, "test/helpers/trace-loaded-modules.mjs");

/** "@scope/name" or "name" for a path inside node_modules, else undefined. */
export function packageOf(path: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(path);
  return m?.[1];
}

function sourcesOf(file: string): string[] {
  const map = `${file}.map`;
  if (!existsSync(map)) return [file];
  const { sources } = JSON.parse(readFileSync(map, "utf8")) as { sources: string[] };
  return sources.map((s) => resolve(dirname(file), s));
}

export interface Loaded {
  code: number | null;
  output: string;
  /** Every package with code in the process, e.g. "@kubernetes/client-node", "execa". */
  packages: Set<string>;
  /** Every source file of ours (src/…) that was loaded. */
  ownSources: Set<string>;
  /** Whether Node was applying source maps to stack traces at exit. */
  sourceMaps: boolean;
}

/** Runs `node --import <trace hook> <bin> ...args` (asynchronously: stand-ins may run in this process). */
export async function loadedBy(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; bin?: string } = {},
): Promise<Loaded> {
  const trace = join(mkdtempSync(join(tmpdir(), "trace-")), "modules.txt");
  const child = spawn(process.execPath, ["--import", HOOK, options.bin ?? BIN, ...args], {
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), "cwd-")),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: "1",
      ...options.env,
      TRACE_MODULES_FILE: trace,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const code = await new Promise<number | null>((done, fail) => {
    child.on("error", fail);
    child.on("close", (c) => done(c));
  });
  const packages = new Set<string>();
  const ownSources = new Set<string>();
  const urls = existsSync(trace) ? readFileSync(trace, "utf8").split("\n").filter(Boolean) : [];
  for (const url of urls) {
    if (!url.startsWith("file:")) continue;
    const path = fileURLToPath(url);
    if (path === HOOK) continue;
    for (const source of sourcesOf(path)) {
      const pkg = packageOf(source);
      if (pkg) packages.add(pkg);
      else if (source.startsWith(join(REPO, "src/"))) ownSources.add(source.slice(REPO.length));
    }
  }
  return {
    code,
    output,
    packages,
    ownSources,
    sourceMaps: urls.includes("#sourceMapsEnabled=true"),
  };
}
