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
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
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

export function runCliOnTerminal(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", PTY, process.execPath, BIN, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (e) =>
      reject(
        new Error(`python3 could not be started (it opens the pseudo-terminal): ${e.message}`),
      ),
    );
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}
