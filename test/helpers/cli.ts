/** Runs a built entrypoint the way a user or Tilt would: a real node process. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = `${REPO}dist/bin/dev-bootstrap.js`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment with nothing of the developer's leaking in (no VAULT_*, KUBECONFIG…). */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: options.env ?? cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/**
 * Runs a command inside the test process, for set-up steps whose output no
 * assertion reads (seeding before the step under test): the same command code
 * as the built entrypoint, without a node start and the Kubernetes client's
 * import (about a second each on a busy machine). Throws when it fails, with
 * its output. The step under test still runs as a real process (`runCli`).
 */
export async function setUpWith(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  const [name, ...rest] = args;
  const [{ runCommand }, { command }] = await Promise.all([
    import("../../src/cli/run.js"),
    import(`../../src/bin/${name}.ts`) as Promise<{
      command: import("../../src/cli/command.js").CommandSpec;
    }>,
  ]);
  let output = "";
  const sink = { write: (text: string) => (output += text) };
  const code = await runCommand(command, {
    argv: rest,
    env: { ...options.env },
    cwd: options.cwd,
    stdout: sink,
    stderr: sink,
  });
  if (code !== 0) throw new Error(`set-up step '${args.join(" ")}' exited ${code}:\n${output}`);
}

/**
 * Runs a command inside the test process, as the built entrypoint would run it
 * (the same runCommand, the same command spec and flows), with stdout and stderr
 * captured apart. For flow tests against the in-process stand-ins: no node start
 * and no bundle load per call. Each command keeps one end-to-end test through the
 * built CLI (runCli) elsewhere.
 */
export async function runInProcess(
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    /** The run's clock: pass a virtualClock() so its retry waits take no time. */
    clock?: import("../../src/flows/host.js").Clock;
  },
): Promise<CliResult> {
  const [name, ...rest] = args;
  const [{ runCommand }, { command }] = await Promise.all([
    import("../../src/cli/run.js"),
    import(`../../src/bin/${name}.ts`) as Promise<{
      command: import("../../src/cli/command.js").CommandSpec;
    }>,
  ]);
  let stdout = "";
  let stderr = "";
  const code = await runCommand(command, {
    argv: rest,
    env: { ...options.env },
    cwd: options.cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { code, stdout, stderr };
}
