/**
 * Builds a Go program kept under test/ (a reference that runs the real Go code a
 * tool we mirror is made of) on first use, into node_modules/.cache (never
 * committed), keyed by the source's hash. Needs the Debian package golang-go
 * (and golang-starlark-dev for the Tiltfile runner), which .ci/run installs.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { basename, join } from "node:path";
import { REPO } from "./cli.js";
import { runChild } from "./run-child.js";

/** Where Debian's golang-*-dev packages put their sources (GOPATH mode, no module download). */
const GOPATH = "/usr/share/gocode";

/** The path of the built program for `source` (relative to the repository). */
export async function goProgram(source: string, installHint: string): Promise<string> {
  const path = join(REPO, source);
  const name = basename(source, ".go");
  const hash = createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 12);
  const dir = join(REPO, "node_modules/.cache/dev-bootstrap-go");
  const bin = join(dir, `${name}-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  // Built in a private directory, then renamed: parallel test files never see half a binary.
  const tmp = mkdtempSync(join(dir, "build-"));
  const r = await runChild("go", ["build", "-o", join(tmp, name), path], {
    cwd: tmp,
    env: {
      ...process.env,
      GO111MODULE: "off",
      GOPATH,
      GOCACHE: join(dir, "gocache"),
      GOFLAGS: "",
    },
  });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`building ${source} failed (${r.error?.message ?? r.stderr}); ${installHint}`);
  }
  renameSync(join(tmp, name), bin);
  rmSync(tmp, { recursive: true, force: true });
  // Programs built from older versions of the source are never used again.
  for (const old of readdirSync(dir))
    if (old.startsWith(`${name}-`) && join(dir, old) !== bin)
      rmSync(join(dir, old), { force: true });
  return bin;
}
