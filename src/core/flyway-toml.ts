/**
 * Reads a flyway.toml. Kept apart so that the TOML parser (smol-toml) loads only
 * when a TOML file is there to read: a dynamic import from the flow that needs it.
 */
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "./errors.js";
import { printable } from "./printable.js";

export function parseFlywayToml(text: string, file: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // The parser's first line is the message; its code block would echo the file's text.
    const message = printable(error.message.split("\n")[0] ?? "invalid TOML");
    throw new ConfigError(
      `${file}:${error.line}:${error.column}: ${message}`,
      "fix the TOML there (Flyway cannot read this file either)",
    );
  }
}
