/** Flags every command accepts, and --help rendering. */
import type { CommandSpec, OptionSpec, OptionSpecs } from "./command.js";
import { exitCodeTable } from "./exit-codes.js";

export const COMMON_OPTIONS = {
  help: { type: "boolean", short: "h", description: "show this help and exit" },
  version: { type: "boolean", short: "V", description: "print the version and exit" },
  config: {
    type: "string",
    placeholder: "FILE",
    description: "config file (default: nearest dev-bootstrap.yaml)",
  },
  "log-format": {
    type: "string",
    placeholder: "human|json",
    description: "checkpoint lines for people (default) or JSON lines for machines",
    configKey: "log.format",
  },
  namespace: {
    type: "string",
    short: "n",
    placeholder: "NAME",
    description: "Kubernetes namespace (default: ameide)",
    configKey: "namespace",
  },
  "vault-addr": {
    type: "string",
    placeholder: "URL",
    description: "Vault address (default: $VAULT_ADDR)",
    configKey: "vault.addr",
  },
  "kube-context": {
    type: "string",
    aliases: ["context"],
    placeholder: "NAME",
    description: "kubeconfig context (default: current)",
    configKey: "kube.context",
  },
  "state-dir": {
    type: "string",
    placeholder: "DIR",
    description: "where the journal lives (default: .dev-bootstrap)",
    configKey: "stateDir",
  },
} as const satisfies OptionSpecs;
export type CommonOptions = typeof COMMON_OPTIONS;

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

/** --from, for the commands that read Flyway connections (run-flyway-cli, flyway-status). */
export const FROM_OPTION = {
  type: "string",
  placeholder: "cluster|env",
  choices: ["cluster", "env"],
  default: "cluster",
  description: "where connections come from (default: cluster)",
} as const satisfies OptionSpec;
