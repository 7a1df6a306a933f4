/**
 * The kubeconfig as kubectl reads it: KUBECONFIG's files merged by kubectl's rules
 * (src/core/kubeconfig-merge.ts), or ~/.kube/config, or in-cluster; a context chosen
 * and checked, with a clear error when there is none; the proxy kubectl would use for
 * the cluster; and one keep-alive connection per cluster for all of a run's requests.
 */
import { existsSync, readFileSync } from "node:fs";
import { delimiter } from "node:path";
import type * as k8s from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../core/errors.js";
import {
  type KubeconfigFile,
  type MergedKubeconfig,
  mergeKubeconfigs,
} from "../core/kubeconfig-merge.js";
import { printable } from "../core/printable.js";
import { parseProxy, proxyFor } from "../core/proxy-env.js";
import type { Clock } from "./ports.js";

export interface KubeOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  /** The environment HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read from (default: the process's). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Time limit of one request (default 10 s). */
  timeoutMs?: number;
  /** Attempts per request when the API times out or refuses connections (default 3). */
  attempts?: number;
  /** The run's signal: SIGINT/SIGTERM aborts the request in flight and any retry wait. */
  signal?: AbortSignal | undefined;
  /** The run's clock: the backoff between attempts waits on it. */
  clock: Pick<Clock, "sleep">;
}

/** The proxy requests to the cluster go through, for messages (credentials removed). */
interface KubeProxy {
  url: string;
  /** Where it was set: the kubeconfig's `proxy-url` or an environment variable. */
  from: string;
}

const VIEW_HINT = "check what kubectl reads with 'kubectl config view'";

/** A URL for messages: no user name or password. */
function withoutCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href.replace(/\/$/, "");
}

/** Reads and parses KUBECONFIG's files; a missing file is skipped, as kubectl skips it. */
function readKubeconfigFiles(paths: readonly string[]): KubeconfigFile[] {
  const files: KubeconfigFile[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue;
      throw new ConfigError(
        `cannot read the kubeconfig ${printable(file)} (${code ?? "error"})`,
        "fix KUBECONFIG or kube.kubeconfig (kubectl cannot read it either)",
      );
    }
    try {
      // YAML 1.1, as client-go's parser reads kubeconfigs (yes/no are booleans there).
      files.push({ file, doc: parseYaml(text, { version: "1.1" }) as unknown });
    } catch (error) {
      // The first line only: the rest quotes the file, which may hold a token.
      throw new ConfigError(
        `kubeconfig ${printable(file)} is not valid YAML: ${String((error as Error).message).split("\n")[0]}`,
        `fix the file; ${VIEW_HINT}`,
      );
    }
  }
  return files;
}

/**
 * The context in use and its cluster, checked as kubectl checks them before its first
 * request, so a bad choice is named instead of failing later as "no absolute base url".
 */
function checkContext(merged: MergedKubeconfig, chosen: string | undefined, sources: string): void {
  const names = merged.contexts.map((c) => c.name);
  const have = `(have: ${names.map(printable).join(", ") || "none"})`;
  if (chosen === undefined)
    throw new ConfigError(
      `the kubeconfig sets no current-context (${sources}) and no context was chosen ${have}`,
      "choose one with 'kubectl config use-context NAME', --kube-context or kube.context",
    );
  const context = merged.contexts.find((c) => c.name === chosen);
  if (!context)
    throw new ConfigError(
      `no context '${printable(chosen)}' in the kubeconfig ${have}`,
      "list them with 'kubectl config get-contexts'",
    );
  const body = context.context as { cluster?: unknown } | undefined;
  const clusterName = typeof body?.cluster === "string" ? body.cluster : "";
  const cluster = merged.clusters.find((c) => c.name === clusterName);
  const server = (cluster?.cluster as { server?: unknown } | undefined)?.server;
  if (!cluster)
    throw new ConfigError(
      `context '${printable(chosen)}' names cluster '${printable(clusterName)}', which the kubeconfig does not define`,
      VIEW_HINT,
    );
  if (typeof server !== "string" || server === "")
    throw new ConfigError(
      `cluster '${printable(clusterName)}' (context '${printable(chosen)}', from ${printable(merged.origin.clusters.get(clusterName) ?? "?")}) has no server`,
      VIEW_HINT,
    );
}

/**
 * The merged config as client-node takes it. kubectl's `tokenFile` (client-node knows
 * none) is read for the user in use, trimmed as client-go trims it; other users' files
 * are left alone, as kubectl leaves them.
 */
function toClientNode(kc: k8s.KubeConfig, merged: MergedKubeconfig, current: string): void {
  const context = merged.contexts.find((c) => c.name === current)?.context as
    | { user?: unknown }
    | undefined;
  const users = merged.users.map((u) => {
    const user = u.user as Record<string, unknown> | undefined;
    if (u.name !== context?.user || !user || user.token || typeof user.tokenFile !== "string")
      return u;
    try {
      return { ...u, user: { ...user, token: readFileSync(user.tokenFile, "utf8").trim() } };
    } catch (error) {
      throw new ConfigError(
        `kubeconfig user '${printable(u.name)}': cannot read its tokenFile ${printable(user.tokenFile)} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        `fix users[].user.tokenFile; ${VIEW_HINT}`,
      );
    }
  });
  const doc = {
    clusters: merged.clusters,
    users,
    contexts: merged.contexts,
    "current-context": current,
  };
  // Entries this run does not use may be incomplete (kubectl ignores them): filtered, not fatal.
  kc.loadFromString(JSON.stringify(doc), { onInvalidEntry: "filter" } as k8s.ConfigOptions);
}

/**
 * kubectl's proxy for the current cluster: the kubeconfig's `proxy-url` when it sets one
 * (client-go: rest.Config.Proxy wins), otherwise HTTPS_PROXY / HTTP_PROXY / NO_PROXY as
 * Go's http.ProxyFromEnvironment reads them.
 */
export function useProxy(kc: k8s.KubeConfig, env: NodeJS.ProcessEnv): KubeProxy | undefined {
  const cluster = kc.getCurrentCluster();
  if (!cluster) return undefined;
  if (cluster.proxyUrl) {
    let url: URL;
    try {
      url = parseProxy(cluster.proxyUrl, "proxy-url");
    } catch {
      // Not quoted: the value may hold the proxy's password.
      throw new ConfigError(
        `cluster '${printable(cluster.name)}': proxy-url is not a proxy URL (http, https, socks5 or socks5h)`,
        "fix the kubeconfig's proxy-url (http://, https:// or socks5://HOST:PORT)",
      );
    }
    return { url: withoutCredentials(url), from: "the kubeconfig's proxy-url" };
  }
  let target: URL;
  try {
    target = new URL(cluster.server);
  } catch {
    throw new ConfigError(
      `cluster '${printable(cluster.name)}' has a server that is no URL: ${printable(cluster.server)}`,
      VIEW_HINT,
    );
  }
  let choice: ReturnType<typeof proxyFor>;
  try {
    choice = proxyFor(target, env);
  } catch (error) {
    // The message quotes the variable's value, which may hold the proxy's password.
    const name = (error as Error).message.split(":")[0] ?? "HTTPS_PROXY";
    throw new ConfigError(
      `${name} is not a proxy URL (http, https, socks5 or socks5h)`,
      `fix ${name} (for example http://proxy.example:3128), or unset it`,
    );
  }
  if (!choice) return undefined;
  kc.clusters = kc.clusters.map((c) => (c === cluster ? { ...c, proxyUrl: choice.proxy.href } : c));
  return { url: withoutCredentials(choice.proxy), from: choice.from };
}

export function loadKubeConfig(
  client: Pick<typeof k8s, "KubeConfig">,
  options: Omit<KubeOptions, "clock">,
): k8s.KubeConfig {
  const kc = new client.KubeConfig();
  const home = process.env.HOME ?? "";
  const listed = options.kubeconfig
    ? options.kubeconfig.split(delimiter).filter(Boolean)
    : existsSync(`${home}/.kube/config`)
      ? [`${home}/.kube/config`]
      : [];
  if (listed.length === 0) {
    if (process.env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
      return kc;
    }
    // Without any kubeconfig, client-node falls back to http://localhost:8080 and
    // fails later with a TLS message that names neither cause nor fix.
    throw new ConfigError(
      "no kubeconfig: KUBECONFIG is unset and ~/.kube/config does not exist",
      "point KUBECONFIG at your cluster's kubeconfig (or kube.kubeconfig); ensure-local-secrets --skip-eso seeds Vault only",
    );
  }
  const files = readKubeconfigFiles(listed);
  const sources = listed.map(printable).join(delimiter);
  if (files.length === 0)
    throw new ConfigError(
      `no kubeconfig: none of the files listed exists (${sources})`,
      "point KUBECONFIG at your cluster's kubeconfig (or kube.kubeconfig); ensure-local-secrets --skip-eso seeds Vault only",
    );
  const merged = mergeKubeconfigs(files);
  const chosen = options.context ?? merged.currentContext;
  checkContext(merged, chosen, sources);
  try {
    toClientNode(kc, merged, chosen!);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `cannot load the kubeconfig ${sources}: ${(error as Error).message.split("\n")[0]}`,
      `fix KUBECONFIG or kube.kubeconfig; ${VIEW_HINT}`,
    );
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
