/** The shape every entrypoint in src/bin declares. */
import type { ResolvedConfig } from "../config/resolve.js";
import type { Config } from "../config/schema.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger, Output } from "../log/logger.js";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Shown in --help, e.g. "--runs N". */
  placeholder?: string;
  description: string;
  /** Dotted config key this flag overrides (flags are the last layer). */
  configKey?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  values: OptionValues;
  positionals: string[];
  resolved: ResolvedConfig;
  config: Config;
  log: CheckpointLogger;
  /**
   * A logger for a new run (fresh run id), for long-running commands such as the
   * watcher; journaled under `command` (default: this command's name).
   */
  newRun(command?: string): CheckpointLogger;
  masker: SecretMasker;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Output;
  stderr: Output;
  /** Aborted on SIGINT/SIGTERM so long waits end promptly. */
  signal: AbortSignal;
  /** Resolves the config again from the same file, environment and flags (the watcher's reload). */
  reloadConfig(): ResolvedConfig;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Usage line after the command name, e.g. "[--plan]". */
  usage: string;
  /** Paragraphs shown in --help after the usage. */
  description: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments allowed: [min, max]. */
  positionals?: [number, number];
  /** Extra exit codes this command uses beyond 0/1/2. */
  exitCodes?: Array<[number, string]>;
  /** Whether journal/log setup applies (false for read-only commands like summary). */
  journal?: boolean;
  run(ctx: CommandContext): Promise<number | undefined>;
}

export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}
