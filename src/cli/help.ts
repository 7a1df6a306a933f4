/** A command's --help text, from its spec, the common options and its exit codes. */
import type { CommandSpec, OptionSpec, OptionSpecs } from "./command.js";
import { exitCodeTable } from "./exit-codes.js";
import { COMMON_OPTIONS } from "./options.js";

function flagLabel(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : "    ";
  const arg = spec.type === "boolean" ? "" : ` ${spec.placeholder ?? "VALUE"}`;
  const longs = [name, ...(spec.aliases ?? [])].map((n) => `--${n}`).join(", ");
  return `${short}${longs}${arg}`;
}

function optionLines(options: OptionSpecs): string[] {
  const labels = Object.entries(options).map(([n, s]) => [flagLabel(n, s), s.description] as const);
  const width = Math.max(...labels.map(([l]) => l.length));
  return labels.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`);
}

export function renderHelp(spec: CommandSpec): string {
  const lines = [
    `dev-bootstrap ${spec.name} — ${spec.summary}`,
    "",
    `Usage: dev-bootstrap ${spec.name} ${spec.usage}`.trimEnd(),
    "",
    spec.description.trim(),
    "",
  ];
  if (Object.keys(spec.options).length) lines.push("Options:", ...optionLines(spec.options), "");
  lines.push("Common options:", ...optionLines(COMMON_OPTIONS), "");
  const codes = exitCodeTable(spec);
  lines.push("Exit codes:", ...codes.map(([c, d]) => `  ${String(c).padStart(3)}  ${d}`));
  return `${lines.join("\n")}\n`;
}
