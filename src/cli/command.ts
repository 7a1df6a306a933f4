/** The shape every entrypoint in src/bin declares. */
import type { ResolvedConfig } from "../config/resolve.js";
import type { Config } from "../config/schema.js";
import type { SecretMasker } from "../core/mask.js";
import type { Host } from "../flows/host.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import type { CommonOptions } from "./options.js";

/**
 * A dotted key of the config (e.g. "vault.addr"), to three levels: what a flag's
 * `configKey` may name, so a typo there is a type error instead of a flag that
 * silently sets nothing.
 */
export type ConfigKey = DottedKeys<Config, 3>;
type Shallower = [never, 0, 1, 2];
type DottedKeys<T, Depth extends number> = [Depth] extends [never]
  ? never
  : {
      [K in keyof T & string]:
        | K
        | (NonNullable<T[K]> extends readonly unknown[]
            ? never
            : NonNullable<T[K]> extends object
              ? `${K}.${DottedKeys<NonNullable<T[K]>, Shallower[Depth]>}`
              : never);
    }[keyof T & string];

interface OptionBase {
  short?: string;
  /**
   * Other long names for the same flag, as the tools developers already use spell it
   * (kubectl's --context). The last one given wins, as with a flag given twice.
   */
  aliases?: readonly string[];
  description: string;
}

/** A flag without a value: `true` when given, `false` when not. */
export interface BooleanOption extends OptionBase {
  type: "boolean";
}

/** A flag with a value: the value, or undefined when not given. */
export interface StringOption extends OptionBase {
  type: "string";
  /** Repeatable: every value given, in order (an empty list when none). */
  multiple?: boolean;
  /** The only values accepted; anything else is a usage error naming them. */
  choices?: readonly string[];
  /** The value when the flag is not given (never with configKey: the config has its own). */
  default?: string;
  /** Shown in --help, e.g. "--runs N". */
  placeholder?: string;
  /** Dotted config key this flag overrides (flags are the last layer). */
  configKey?: ConfigKey;
}

/** A flag with a number: checked while parsing, so a bad one is a usage error. */
export interface NumberOption extends OptionBase {
  type: "number";
  placeholder?: string;
  integer?: boolean;
  /** The smallest value accepted. */
  min?: number;
  /** A value the number must be above (a time limit of 0 is none). */
  above?: number;
  /** The value when the flag is not given. */
  default?: number;
  /** The usage error's words: "--timeout expects <expects>". */
  expects: string;
}

export type OptionSpec = BooleanOption | StringOption | NumberOption;
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The value a command reads for one flag, typed from its spec. */
export type OptionValue<S extends OptionSpec> = S extends { type: "boolean" }
  ? boolean
  : S extends { type: "number" }
    ? S extends { default: number }
      ? number
      : number | undefined
    : S extends { multiple: true }
      ? string[]
      : S extends { choices: readonly (infer C extends string)[] }
        ? S extends { default: string }
          ? C
          : C | undefined
        : S extends { default: string }
          ? string
          : string | undefined;

/** Every flag's value, typed from the command's option spec. */
export type OptionValues<O extends OptionSpecs = OptionSpecs> = {
  -readonly [K in keyof O]: OptionValue<O[K]>;
};

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
