/**
 * What an in-process flow test needs around the flow: a logger whose output the
 * test reads back record by record (the journal's JSON shape), and a Host made
 * of the ports the flow under test uses. Shared so each flow's unit test builds
 * them one way.
 */
import { nodeFs } from "../../src/cli/host.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { Clock, Host } from "../../src/flows/host.js";
import { CheckpointLogger } from "../../src/log/logger.js";

export type LogRecord = Record<string, unknown>;

export interface CapturedLog {
  readonly log: CheckpointLogger;
  /** Everything written, as written. */
  text(): string;
  /** One record a line, in order. */
  records(): LogRecord[];
  /** The records that are not checkpoints (warnings, notes). */
  notes(): LogRecord[];
  /** The first checkpoint of `step` with `status` (start, ok, fail, warn, skip). */
  checkpoint(step: string, status: string): LogRecord | undefined;
}

/** A JSON-format logger on `clock`, masking through `masker`, into a string. */
export function captureLog(options: {
  command: string;
  clock: Pick<Clock, "now">;
  masker: SecretMasker;
  format?: "json" | "human";
}): CapturedLog {
  let out = "";
  const log = new CheckpointLogger({
    now: options.clock.now,
    runId: "run-1",
    command: options.command,
    format: options.format ?? "json",
    colour: false,
    out: { write: (text: string) => (out += text) },
    journal: undefined,
    masker: options.masker,
  });
  const records = () =>
    out
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogRecord);
  return {
    log,
    text: () => out,
    records,
    notes: () => records().filter((r) => r.status === undefined),
    checkpoint: (step, status) => records().find((r) => r.step === step && r.status === status),
  };
}

/**
 * A Host holding only the ports given (plus no environment, no signal, the real
 * file system, a fresh masker): a flow that reaches for another port fails
 * loudly, which is the point in a unit test.
 */
export function partialHost(
  ports: Partial<Host> & { clock: Clock },
): Host & { masker: SecretMasker } {
  return {
    env: {},
    signal: undefined,
    masker: new SecretMasker(),
    fs: nodeFs,
    ...ports,
  } as Partial<Host> as Host & { masker: SecretMasker };
}
