/**
 * A migration's own settings file, `<script>.conf` beside it (flyway-core
 * SqlScriptMetadata, read as Java properties by ConfigUtils): `encoding` (how the
 * script is decoded) and `placeholderReplacement` (whether a repeatable's checksum
 * is taken after replacement). Other keys do not change what info and validate
 * report and are left to Flyway. Pure.
 */
import { ConfigError } from "./errors.js";
import { type MigrationEncoding, parseEncoding } from "./flyway-settings.js";

export interface ScriptConfig {
  encoding?: MigrationEncoding;
  placeholderReplacement?: boolean;
}

/** The keys of a properties text: `key=value` or `key: value`, `#` and `!` comments. */
function properties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.replace(/\r\n/g, "\n").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const at = line.search(/[=:]/);
    if (at < 0) out.set(line, "");
    else out.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return out;
}

/** The script settings; ConfigError (with the file named) where Flyway refuses a value. */
export function parseScriptConfig(text: string, file: string): ScriptConfig {
  const keys = properties(text);
  const config: ScriptConfig = {};
  const encoding = keys.get("encoding");
  if (encoding !== undefined) config.encoding = parseEncoding(encoding, `${file}: encoding`);
  const replacement = keys.get("placeholderReplacement");
  if (replacement !== undefined) {
    const v = replacement.toLowerCase();
    // ConfigUtils.removeBoolean
    if (v !== "true" && v !== "false")
      throw new ConfigError(
        `${file}: Invalid value for placeholderReplacement (should be either true or false): ${replacement}`,
        "write true or false",
      );
    config.placeholderReplacement = v === "true";
  }
  return config;
}
