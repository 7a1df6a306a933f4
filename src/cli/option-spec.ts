/** What a flag may be, and the value a command reads for it (typed from its spec). */
import type { Config } from "../config/schema.js";

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
