/**
 * The kubeconfig as kubectl reads it: KUBECONFIG's files merged (or ~/.kube/config,
 * or in-cluster), with a context chosen, and a clear error when there is none; and
 * one keep-alive connection per cluster for all of a run's requests.
 */
import { existsSync } from "node:fs";
import { delimiter } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { ConfigError } from "../core/errors.js";

export interface KubeOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  /** Time limit of one request (default 10 s). */
  timeoutMs?: number;
  /** Attempts per request when the API times out or refuses connections (default 3). */
  attempts?: number;
  /** The run's signal: SIGINT/SIGTERM aborts the request in flight and any retry wait. */
  signal?: AbortSignal | undefined;
  /** How the backoff between attempts waits (the run's clock). */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}
export function loadKubeConfig(options: KubeOptions): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  try {
    if (options.kubeconfig) {
      const files = options.kubeconfig.split(delimiter).filter(Boolean);
      kc.loadFromFile(files[0]!);
      for (const file of files.slice(1)) {
        const more = new k8s.KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more, true);
      }
    } else {
      kc.loadFromDefault();
      // Without any kubeconfig, client-node falls back to http://localhost:8080 and
      // fails later with a TLS message that names neither cause nor fix.
      const home = process.env.HOME ?? "";
      const inCluster = Boolean(process.env.KUBERNETES_SERVICE_HOST);
      if (!inCluster && !existsSync(`${home}/.kube/config`)) {
        throw new ConfigError(
          "no kubeconfig: KUBECONFIG is unset and ~/.kube/config does not exist",
          "point KUBECONFIG at your cluster's kubeconfig (or kube.kubeconfig); ensure-local-secrets --skip-eso seeds Vault only",
        );
      }
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `cannot load the kubeconfig ${options.kubeconfig ?? "(default)"}: ${(error as Error).message.split("\n")[0]}`,
      "fix KUBECONFIG or kube.kubeconfig, or check 'kubectl config view'",
    );
  }
  if (options.context) {
    if (!kc.getContexts().some((c) => c.name === options.context)) {
      throw new ConfigError(
        `no context '${options.context}' in the kubeconfig (have: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        })`,
        "list them with 'kubectl config get-contexts'",
      );
    }
    kc.setCurrentContext(options.context);
  }
  return kc;
}

type AgentFactory = (cluster: unknown, options: Record<string, unknown>) => unknown;

/**
 * client-node builds a new agent for every request (KubeConfig's private createAgent),
 * so every request opened a new connection and, over TLS, paid a full handshake:
 * about fifteen per post-start. One keep-alive agent per distinct set of agent options
 * (CA, client certificate, verification, server name) serves them all; new options (a
 * credential plugin handing out a new client certificate) get a new agent.
 */
export function reuseConnections(kc: k8s.KubeConfig): void {
  const target = kc as unknown as { createAgent: AgentFactory };
  const create = target.createAgent.bind(kc);
  const agents = new Map<string, unknown>();
  target.createAgent = (cluster, options) => {
    // Certificates may be Buffers: keyed by their base64, not by toJSON's byte arrays.
    const key = JSON.stringify([cluster, options], function (this: Record<string, unknown>, k, v) {
      const raw = this[k];
      return Buffer.isBuffer(raw) ? raw.toString("base64") : v;
    });
    let agent = agents.get(key);
    if (!agent) {
      agent = create(cluster, { ...options, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
}
