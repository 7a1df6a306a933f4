/**
 * The command line → option values typed from the command's spec (with the common
 * options), the config keys its flags set, and its positionals. Every refusal is a
 * UsageError naming the flag; a near miss gets "did you mean".
 */
import { parseArgs } from "node:util";
import { describeError, isBootstrapError, UsageError } from "../core/errors.js";
import { didYouMean } from "../core/suggest.js";
import type { CommandSpec, ConfigKey, NumberOption, OptionSpecs } from "./command.js";
import { COMMON_OPTIONS } from "./options.js";

/** Option values as parsing builds them, before a command's spec types them. */
export type AnyValues = Record<string, string | number | boolean | string[] | undefined>;

export interface Parsed {
  values: AnyValues;
  positionals: string[];
  /** The config keys the flags given set, with their values (flags are the last layer). */
  flagSettings: Partial<Record<ConfigKey, string>>;
}

export function parseCommandLine(spec: CommandSpec, argv: string[]): Parsed {
  const options: OptionSpecs = { ...COMMON_OPTIONS, ...spec.options };
  const parseOptions: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = {};
  // Each name parseArgs knows (aliases included) → the option it belongs to.
  const owner: Record<string, string> = {};
  for (const [name, o] of Object.entries(options)) {
    // parseArgs knows strings and booleans; a number arrives as its text.
    const type = o.type === "boolean" ? "boolean" : "string";
    const multiple = o.type === "string" && o.multiple === true;
    parseOptions[name] = { type };
    if (o.short) parseOptions[name].short = o.short;
    if (multiple) parseOptions[name].multiple = true;
    owner[name] = name;
    for (const alias of o.aliases ?? []) {
      parseOptions[alias] = { type, ...(multiple ? { multiple: true } : {}) };
      owner[alias] = name;
    }
  }
  try {
    const { values, positionals, tokens } = parseArgs({
      args: argv,
      options: parseOptions,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    const given: Record<string, string | boolean | string[]> = {};
    for (const [name, value] of Object.entries(values))
      if (value !== undefined && owner[name] === name && !options[name]?.aliases)
        given[name] = value as string | boolean | string[];
    // An option with aliases takes its value from the tokens, in the order typed, so
    // `--kube-context a --context b` ends as b, like a flag given twice.
    for (const t of tokens) {
      if (t.kind !== "option") continue;
      const name = owner[t.name];
      const o = name === undefined ? undefined : options[name];
      if (name === undefined || !o?.aliases) continue;
      if (o.type === "boolean") given[name] = true;
      else if (o.type === "string" && o.multiple)
        given[name] = [...((given[name] as string[] | undefined) ?? []), t.value ?? ""];
      else given[name] = t.value ?? "";
    }
    // With --help or --version the command does not run: its flags' values go unchecked.
    const out = typedValues(options, given, given.help !== true && given.version !== true);
    const [min, max] = spec.positionals ?? [0, 0];
    if (!out.help && !out.version && (positionals.length < min || positionals.length > max)) {
      throw new UsageError(
        positionals.length > max
          ? `unexpected argument '${positionals[max]}'`
          : `missing argument (usage: dev-bootstrap ${spec.name} ${spec.usage})`,
      );
    }
    const flagSettings: Parsed["flagSettings"] = {};
    for (const [name, o] of Object.entries(options))
      if (o.type === "string" && o.configKey && typeof given[name] === "string")
        flagSettings[o.configKey] = given[name];
    return { values: out, positionals, flagSettings };
  } catch (error) {
    if (isBootstrapError(error)) throw error;
    // node:util parseArgs messages are one line and name the flag.
    const message = describeError(error).replace(/\. To specify a positional.*$/, "");
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown === undefined) throw new UsageError(message);
    const word = unknown.startsWith("--") ? undefined : singleDashWord(unknown, argv);
    throw new UsageError(
      word ? `${message} (in '${word}')` : message,
      unknownOptionHint(spec, options, word ? word.slice(1) : unknown.replace(/^--?/, "")),
    );
  }
}

/**
 * Each option's value as its spec types it: a boolean is false when not given, a
 * repeatable string an empty list, a number a checked number (or its default). A
 * value outside an option's choices, or a number out of range, is a usage error here,
 * so no command checks its flags' types again.
 */
function typedValues(
  options: OptionSpecs,
  given: Record<string, string | boolean | string[]>,
  check: boolean,
): AnyValues {
  const out: AnyValues = {};
  for (const [name, o] of Object.entries(options)) {
    const value = given[name];
    if (o.type === "boolean") out[name] = value === true;
    else if (o.type === "number")
      out[name] = check ? numberValue(name, o, value as string | undefined) : undefined;
    else if (o.multiple) out[name] = (value as string[] | undefined) ?? [];
    else {
      if (check && o.choices && value !== undefined && !o.choices.includes(value as string))
        throw new UsageError(`--${name} expects ${listed(o.choices)}`);
      out[name] = (value as string | undefined) ?? o.default;
    }
  }
  return out;
}

function numberValue(name: string, o: NumberOption, text: string | undefined): number | undefined {
  if (text === undefined) return o.default;
  const n = text.trim() === "" ? Number.NaN : Number(text);
  const fits =
    Number.isFinite(n) &&
    (!o.integer || Number.isInteger(n)) &&
    (o.min === undefined || n >= o.min) &&
    (o.above === undefined || n > o.above);
  if (!fits) throw new UsageError(`--${name} expects ${o.expects}`);
  return n;
}

/** "a or b", "a, b or c". */
function listed(words: readonly string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(", ")} or ${words.at(-1)}` : `${words[0]}`;
}

/**
 * The word a short option came from: a single-dash long flag (`-context`, the vault
 * CLI's style) reaches parseArgs as a group of short ones, reported by its first letter.
 */
function singleDashWord(short: string, argv: string[]): string | undefined {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end))
    .map((a) => a.replace(/=.*$/, ""))
    .find((a) => /^-[^-]/.test(a) && a.length > 2 && a.startsWith(short));
}

/** "did you mean '--namespace'?" for a near miss, and where the options are listed. */
function unknownOptionHint(spec: CommandSpec, options: OptionSpecs, typed: string): string {
  const longs = Object.entries(options).flatMap(([n, o]) => [n, ...(o.aliases ?? [])]);
  const near = didYouMean(typed, longs, "--");
  const list = `run 'dev-bootstrap ${spec.name} --help' for its options`;
  return near ? `${near} (${list})` : list;
}

/** The flag each config key is set by, as the user types it (errors name it). */
export function flagNames(spec: CommandSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const options: OptionSpecs = { ...COMMON_OPTIONS, ...spec.options };
  for (const [name, o] of Object.entries(options))
    if (o.type === "string" && o.configKey) out[o.configKey] = `--${name}`;
  return out;
}
