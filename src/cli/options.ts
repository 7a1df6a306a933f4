/** Flags every command accepts, and the shared --from. */
import type { OptionSpec, OptionSpecs } from "./option-spec.js";

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

/** --from, for the commands that read Flyway connections (run-flyway-cli, flyway-status). */
export const FROM_OPTION = {
  type: "string",
  placeholder: "cluster|env",
  choices: ["cluster", "env"],
  default: "cluster",
  description: "where connections come from (default: cluster)",
} as const satisfies OptionSpec;
