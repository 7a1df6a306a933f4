/** What a command's run reads and writes, and how it prints an error. */
import { terminalText } from "../core/printable.js";
import type { Clock } from "../flows/host.js";
import type { Output } from "../log/logger.js";
import { secrets } from "../log/secrets.js";

export interface RunIO {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Output & { isTTY?: boolean };
  stderr: Output & { isTTY?: boolean };
  /** The clock flows wait on (default: the system's); a test's clock advances without waiting. */
  clock?: Clock;
}

export function printError(
  stderr: Output,
  command: string,
  message: string,
  hint: string | undefined,
): void {
  stderr.write(`dev-bootstrap ${command}: error: ${terminalText(secrets.mask(message))}\n`);
  if (hint) stderr.write(`  hint: ${terminalText(secrets.mask(hint))}\n`);
}

/**
 * An unexpected error's stack, masked, only under DEBUG=dev-bootstrap: stacks from
 * client libraries can embed response bodies.
 */
export function printDebugStack(stderr: Output, env: NodeJS.ProcessEnv, error: unknown): void {
  if (env.DEBUG?.includes("dev-bootstrap") && error instanceof Error && error.stack)
    stderr.write(`${secrets.mask(error.stack)}\n`);
}
