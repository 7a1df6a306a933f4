/** Flags every command accepts, and --help rendering. */
import { UsageError } from "../core/errors.js";
import type { CommandSpec, OptionSpec } from "./command.js";
import { exitCodeTable } from "./exit-codes.js";

export const COMMON_OPTIONS: Record<string, OptionSpec> = {
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
};

function flagLabel(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : "    ";
  const arg = spec.type === "string" ? ` ${spec.placeholder ?? "VALUE"}` : "";
  const longs = [name, ...(spec.aliases ?? [])].map((n) => `--${n}`).join(", ");
  return `${short}${longs}${arg}`;
}

function optionLines(options: Record<string, OptionSpec>): string[] {
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
export const FROM_OPTION: OptionSpec = {
  type: "string",
  placeholder: "cluster|env",
  description: "where connections come from (default: cluster)",
};

export function connectionSource(value: unknown): "cluster" | "env" {
  const from = value ?? "cluster";
  if (from !== "cluster" && from !== "env") throw new UsageError("--from expects cluster or env");
  return from;
}
