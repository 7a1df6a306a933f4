/**
 * Runs a built entrypoint with its stdout and stderr on a pseudo-terminal, as in a
 * developer's shell: what it decides from isTTY (colour) is decided as it would be
 * there. Node has no pty of its own; python3's pty module (python3 is already needed
 * for the Flyway checksum reference) opens one.
 */
import { spawn } from "node:child_process";
import { BIN } from "./cli.js";

const PTY = `
import os, pty, subprocess, sys
master, slave = pty.openpty()
stderr = slave if os.environ.get("PTY_STDERR") == "terminal" else None
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=slave, stderr=stderr)
os.close(slave)
out = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the child closed its end
        break
    if not chunk:
        break
    out += chunk
sys.stdout.buffer.write(out)
sys.exit(child.wait())
`;

/**
 * `output` is what the terminal showed; with `stderr: "pipe"` the command's stderr is
 * a pipe instead (`2>file`), returned as `stderr`.
 */
export function runCliOnTerminal(
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    stderr?: "terminal" | "pipe";
    timeoutMs?: number;
  },
): Promise<{ code: number; output: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", PTY, process.execPath, BIN, ...args], {
      cwd: options.cwd,
      env: { ...options.env, PTY_STDERR: options.stderr ?? "terminal" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let stderr = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (e) =>
      reject(
        new Error(`python3 could not be started (it opens the pseudo-terminal): ${e.message}`),
      ),
    );
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output, stderr });
    });
  });
}
