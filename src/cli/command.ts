/** The shape every entrypoint in src/bin declares. */
import type { ResolvedConfig } from "../config/resolve.js";
import type { Config } from "../config/schema.js";
import type { SecretMasker } from "../core/mask.js";
import type { Host } from "../flows/host.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import type { ConfigKey, OptionSpecs, OptionValues } from "./option-spec.js";
import type { CommonOptions } from "./options.js";

export type {
  ConfigKey,
  NumberOption,
  OptionSpec,
  OptionSpecs,
  OptionValues,
} from "./option-spec.js";

export interface CommandContext<O extends OptionSpecs = OptionSpecs> {
  /** The flags given (with the common ones), each typed from its spec. */
  values: OptionValues<CommonOptions & O>;
  /** The config keys the flags on this command line set, with the values given. */
  flagSettings: Readonly<Partial<Record<ConfigKey, string>>>;
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
  /** The run's ports (Vault, Kubernetes, databases, processes, files, watch, clock), built lazily. */
  host: Host;
  /** Ports for another config (the watcher's reload), with the same signal and masker. */
  hostFor(resolved: ResolvedConfig): Host;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Output;
  stderr: Output;
  /** Aborted on SIGINT/SIGTERM so long waits end promptly. */
  signal: AbortSignal;
  /** Resolves the config again from the same file, environment and flags (the watcher's reload). */
  reloadConfig(): ResolvedConfig;
}

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  name: string;
  summary: string;
  /** Usage line after the command name, e.g. "[--plan]". */
  usage: string;
  /** Paragraphs shown in --help after the usage. */
  description: string;
  options: O;
  /** Positional arguments allowed: [min, max]. */
  positionals?: [number, number];
  /**
   * Outcomes of this command beyond "ok" and "failed", with their exit codes (and the
   * line --help shows). `run` returns the outcome's name; src/cli/exit-codes.ts maps it.
   */
  outcomes?: Record<string, readonly [number, string]>;
  /** Whether journal/log setup applies (false for read-only commands like summary). */
  journal?: boolean;
  /**
   * Runs the command. Returns an outcome name ("ok", "failed" or one in `outcomes`), or
   * nothing: then the run's checkpoints decide (any failed step: "failed"). Throws typed errors.
   */
  run(ctx: CommandContext<O>): Promise<string | undefined>;
}

/** A command, its option values typed from the literal `options` it declares. */
export function defineCommand<const O extends OptionSpecs>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}
