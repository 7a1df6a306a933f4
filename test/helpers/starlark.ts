/**
 * Evaluates a Tiltfile with go.starlark.net (the interpreter Tilt embeds) and
 * Tilt's builtins stubbed to record their arguments: test/starlark/tiltfile-runner.go,
 * built on first use into node_modules/.cache (never committed). Needs the Debian
 * packages golang-go and golang-starlark-dev, which .ci/run installs.
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
import { join } from "node:path";
import { REPO } from "./cli.js";
import { runChild } from "./run-child.js";

const SOURCE = join(REPO, "test/starlark/tiltfile-runner.go");
const GOPATH = "/usr/share/gocode";

export interface TiltCall {
  fn: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

export async function tiltfileRunner(): Promise<string> {
  const hash = createHash("sha256").update(readFileSync(SOURCE)).digest("hex").slice(0, 12);
  const dir = join(REPO, "node_modules/.cache/dev-bootstrap-starlark");
  const bin = join(dir, `tiltfile-runner-${hash}`);
  if (existsSync(bin)) return bin;
  if (!existsSync(join(GOPATH, "src/go.starlark.net/starlark"))) {
    throw new Error(
      "go.starlark.net not found under /usr/share/gocode; install it: apt-get install -y golang-go golang-starlark-dev",
    );
  }
  mkdirSync(dir, { recursive: true });
  // Built in a private directory, then renamed: parallel test files never see half a binary.
  const tmp = mkdtempSync(join(dir, "build-"));
  const r = await runChild("go", ["build", "-o", join(tmp, "runner"), SOURCE], {
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
    throw new Error(
      `building the Tiltfile runner failed (${r.error?.message ?? r.stderr}); install golang-go golang-starlark-dev`,
    );
  }
  renameSync(join(tmp, "runner"), bin);
  rmSync(tmp, { recursive: true, force: true });
  // Runners built from older versions of the source are never used again.
  for (const old of readdirSync(dir))
    if (old.startsWith("tiltfile-runner-") && join(dir, old) !== bin)
      rmSync(join(dir, old), { force: true });
  return bin;
}

export interface TiltResult {
  code: number;
  stderr: string;
  calls: TiltCall[];
}

/** `tiltVersion`: the Tilt version version_settings(constraint) is checked against. */
export async function evalTiltfile(
  tiltfile: string,
  subcommand = "up",
  tiltVersion = "",
): Promise<TiltResult> {
  const r = await runChild(await tiltfileRunner(), [
    "-subcommand",
    subcommand,
    "-tilt-version",
    tiltVersion,
    tiltfile,
  ]);
  const calls = r.status === 0 ? (JSON.parse(r.stdout) as { calls: TiltCall[] }).calls : [];
  return { code: r.status ?? 1, stderr: r.stderr, calls };
}

/** The local_resource calls by name. */
export function resources(calls: TiltCall[]): Map<string, Record<string, unknown>> {
  return new Map(
    calls.filter((c) => c.fn === "local_resource").map((c) => [c.args[0] as string, c.kwargs]),
  );
}
