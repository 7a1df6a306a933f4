/**
 * Evaluates a Tiltfile with go.starlark.net (the interpreter Tilt embeds) and
 * Tilt's builtins stubbed to record their arguments: test/starlark/tiltfile-runner.go,
 * built on first use (test/helpers/go-program.ts). Needs the Debian packages
 * golang-go and golang-starlark-dev, which .ci/run installs.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { goProgram } from "./go-program.js";
import { runChild } from "./run-child.js";

const GOPATH = "/usr/share/gocode";
const INSTALL = "install it: apt-get install -y golang-go golang-starlark-dev";

export interface TiltCall {
  fn: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}

export async function tiltfileRunner(): Promise<string> {
  if (!existsSync(join(GOPATH, "src/go.starlark.net/starlark")))
    throw new Error(`go.starlark.net not found under ${GOPATH}; ${INSTALL}`);
  return goProgram("test/starlark/tiltfile-runner.go", INSTALL);
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
