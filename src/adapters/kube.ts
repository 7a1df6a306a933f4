/**
 * Kubernetes over @kubernetes/client-node: the reads and writes the flows need,
 * with ApiException turned into a one-line KubeApiError built from the Status
 * body (its message embeds the whole response body and headers otherwise).
 * Loaded only by commands that talk to Kubernetes: importing it costs ~250 ms.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type * as k8s from "@kubernetes/client-node";
import { StepError } from "../core/errors.js";
import { backoffDelay } from "../core/retry.js";
import { KubeApiError } from "./kube-api-error.js";
import { type KubeOptions, loadKubeConfig, reuseConnections, useProxy } from "./kube-config.js";
import { type CallState, execPluginError, limitExecPlugins } from "./kube-exec.js";
import { TimeLimitError, withTimeLimit } from "./time-limit.js";

export type KubeObject = k8s.KubernetesObject & { [key: string]: unknown };

export interface SecretRead {
  name: string;
  namespace: string;
  resourceVersion: string;
  immutable: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Decoded values; a key whose bytes are not UTF-8 is listed in `binaryKeys` instead. */
  data: Record<string, string>;
  binaryKeys: string[];
  raw: k8s.V1Secret;
}
/** A network failure worth retrying: no answer in time, or no connection at all. */
function networkFailure(error: unknown): { code: string; timedOut: boolean } | undefined {
  const e = error as { name?: string; type?: string; code?: string; cause?: { code?: string } };
  if (e?.name === "AbortError" || e?.type === "aborted")
    return { code: "ETIMEDOUT", timedOut: true };
  const code = e?.cause?.code ?? e?.code;
  if (
    code &&
    [
      "ECONNREFUSED",
      "ECONNRESET",
      "EPIPE",
      "EHOSTUNREACH",
      "ENETUNREACH",
      "EAI_AGAIN",
      "ETIMEDOUT",
    ].includes(code)
  )
    return { code, timedOut: code === "ETIMEDOUT" };
  if (/socket hang up/i.test(String((error as Error)?.message)))
    return { code: "ECONNRESET", timedOut: false };
  return undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseBody(body: unknown): {
  message?: string;
  reason?: string;
  details?: { causes?: KubeApiError["causes"] };
} {
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as ReturnType<typeof parseBody>;
    } catch {
      return { message: body.slice(0, 200) };
    }
  }
  return (body ?? {}) as ReturnType<typeof parseBody>;
}

// The client library loads on the run's first Kubernetes call (kube-client.ts says why).
const loadKubeClient = () => import("./kube-client.js");

export async function createKube(options: KubeOptions) {
  const client = await loadKubeClient();
  const kc = loadKubeConfig(client, options);
  const proxy = useProxy(kc, options.env ?? process.env);
  reuseConnections(kc);
  const server = kc.getCurrentCluster()?.server ?? "(no cluster)";
  // With a proxy, "unreachable" may be the proxy's doing: messages name it and where it was set.
  const via = proxy ? ` through the proxy ${proxy.url} (${proxy.from})` : "";
  const unreachableHint = proxy
    ? `is the proxy up, and is the cluster running? check ${proxy.from}; list the API server's host in NO_PROXY if it needs no proxy`
    : "is the cluster running? check 'kubectl cluster-info', KUBECONFIG and the current context";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const attempts = options.attempts ?? 3;
  const runSignal = options.signal;
  // The request in flight, for the middleware and the exec-credential plugin runner:
  // client-node takes no per-call options, but both run in the call's async context.
  const currentCall = new AsyncLocalStorage<CallState>();
  limitExecPlugins(kc, () => currentCall.getStore());
  const configuration = client.createConfiguration({
    baseServer: new client.ServerConfiguration(server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        // Runs for every request, discovery lookups included, after authentication.
        pre: async (context) => {
          const call = currentCall.getStore();
          if (call) call.sent = true;
          const signal = call?.signal ?? runSignal;
          if (signal) context.setSignal(signal);
          return context;
        },
        post: async (context) => context,
      },
    ],
  });
  const objects = new client.KubernetesObjectApi(configuration);
  // What KubernetesObjectApi.makeApiClient does after construction (protected there).
  (objects as unknown as { setDefaultNamespace(kc: k8s.KubeConfig): void }).setDefaultNamespace(kc);
  const apis = new client.ApisApi(configuration);

  async function call<T>(
    verb: string,
    resource: string,
    target: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(verb, resource, target, fn);
      } catch (error) {
        const failure = (error as { networkFailure?: { code: string; timedOut: boolean } })
          .networkFailure;
        if (!failure) throw error;
        if (attempt >= attempts) {
          throw new StepError(
            failure.timedOut
              ? `Kubernetes API at ${server}${via} did not answer within ${Math.round(timeoutMs / 1000)} s (${attempts} attempts; ${verb} ${resource} ${target})`
              : `Kubernetes API unreachable at ${server}${via} (${failure.code}; ${attempts} attempts)`,
            failure.timedOut
              ? `${proxy ? `the proxy (${proxy.from}) or ` : ""}the API server accepts connections but does not answer: check it with 'kubectl get --raw /readyz', or raise kube.requestTimeoutSeconds`
              : unreachableHint,
          );
        }
        await options.clock.sleep(backoffDelay(attempt), runSignal);
      }
    }
  }

  async function once<T>(
    verb: string,
    resource: string,
    target: string,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (runSignal?.aborted) throw runSignal.reason;
    const call: CallState = { signal: runSignal ?? new AbortController().signal, sent: false };
    try {
      // Every attempt, its discovery lookups and its credential plugin included, ends
      // by this limit; the limit does not rest on a signal the collector may reclaim.
      return await withTimeLimit(timeoutMs, runSignal, (signal) => {
        call.signal = signal;
        return currentCall.run(call, fn);
      });
    } catch (error) {
      if (runSignal?.aborted) throw runSignal.reason;
      const plugin = execPluginError(call, error, timeoutMs, kc.getCurrentUser());
      if (plugin) throw plugin;
      if (error instanceof TimeLimitError)
        throw Object.assign(new Error("ETIMEDOUT"), {
          networkFailure: { code: "ETIMEDOUT", timedOut: true },
        });
      if (error instanceof client.ApiException) {
        const body = parseBody(error.body);
        throw new KubeApiError(
          error.code,
          body.reason ?? "",
          verb,
          resource,
          target,
          body.message ?? "",
          body.details?.causes ?? [],
        );
      }
      // hpagent's words when the proxy answers CONNECT with anything but 200 (client-node
      // wraps them in "request to … failed, reason: …").
      const refused = /\bBad response: (\d{3})\b/.exec(String((error as Error)?.message));
      if (proxy && refused)
        throw new StepError(
          `the proxy ${proxy.url} (${proxy.from}) refused the tunnel to ${server} (HTTP ${refused[1]})`,
          refused[1] === "407"
            ? "the proxy wants credentials: give them in the proxy URL (http://USER:PASSWORD@HOST:PORT)"
            : "ask for the API server's host to be allowed through the proxy, or list it in NO_PROXY if it needs no proxy",
        );
      const network = networkFailure(error);
      if (network) throw Object.assign(new Error(network.code), { networkFailure: network });
      const cause =
        (error as { cause?: { code?: string }; code?: string }).cause?.code ??
        (error as { code?: string }).code;
      if (
        cause ||
        /fetch failed|ECONNREFUSED|ENOTFOUND|socket hang up/i.test(String((error as Error).message))
      ) {
        throw new StepError(
          `Kubernetes API unreachable at ${server}${via} (${cause ?? "connection failed"})`,
          unreachableHint,
        );
      }
      throw new StepError(
        `Kubernetes request to ${server} failed: ${String((error as Error).message ?? error).split("\n")[0]}`,
        "check the kubeconfig's cluster entry (server, TLS settings) and the current context",
      );
    }
  }

  const isNotFound = (e: unknown) => e instanceof KubeApiError && e.status === 404;

  return {
    server,
    proxy,
    context: kc.getCurrentContext(),

    /** Versions of an API group the cluster serves; undefined when the group is absent. */
    async servedVersions(
      group: string,
    ): Promise<{ versions: string[]; preferred: string | undefined } | undefined> {
      const list = await call("list", "API groups", "/apis", () => apis.getAPIVersions());
      const g = list.groups.find((x) => x.name === group);
      if (!g) return undefined;
      return { versions: g.versions.map((v) => v.version), preferred: g.preferredVersion?.version };
    },

    async read<T extends KubeObject>(
      apiVersion: string,
      kind: string,
      namespace: string | undefined,
      name: string,
    ): Promise<T | undefined> {
      try {
        return (await call("get", kind, `${namespace ? `${namespace}/` : ""}${name}`, () =>
          objects.read({
            apiVersion,
            kind,
            metadata: { name, ...(namespace ? { namespace } : {}) },
          }),
        )) as T;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async create<T extends KubeObject>(obj: T, fieldManager: string): Promise<T> {
      return (await call(
        "create",
        obj.kind!,
        `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name}`,
        () => objects.create(obj, undefined, undefined, fieldManager),
      )) as T;
    },

    async replace<T extends KubeObject>(obj: T, fieldManager: string): Promise<T> {
      return (await call(
        "update",
        obj.kind!,
        `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name}`,
        () => objects.replace(obj, undefined, undefined, fieldManager),
      )) as T;
    },

    async delete(
      apiVersion: string,
      kind: string,
      namespace: string | undefined,
      name: string,
    ): Promise<void> {
      await call("delete", kind, `${namespace ?? ""}/${name}`, () =>
        objects.delete({
          apiVersion,
          kind,
          metadata: { name, ...(namespace ? { namespace } : {}) },
        }),
      );
    },

    /** Server-side apply as `fieldManager`; `force` takes over fields other managers own. */
    async apply<T extends KubeObject>(obj: T, fieldManager: string, force: boolean): Promise<T> {
      return (await call(
        "apply",
        obj.kind!,
        `${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata?.name}`,
        () =>
          objects.patch(
            obj,
            undefined,
            undefined,
            fieldManager,
            force,
            client.PatchStrategy.ServerSideApply,
          ),
      )) as T;
    },

    async readSecret(namespace: string, name: string): Promise<SecretRead | undefined> {
      const s = await this.read<k8s.V1Secret & KubeObject>("v1", "Secret", namespace, name);
      if (!s) return undefined;
      const data: Record<string, string> = {};
      const binaryKeys: string[] = [];
      for (const [k, v] of Object.entries(s.data ?? {})) {
        try {
          data[k] = utf8.decode(Buffer.from(v, "base64"));
        } catch {
          binaryKeys.push(k);
        }
      }
      return {
        name,
        namespace,
        resourceVersion: s.metadata?.resourceVersion ?? "",
        immutable: s.immutable === true,
        labels: s.metadata?.labels ?? {},
        annotations: s.metadata?.annotations ?? {},
        data,
        binaryKeys,
        raw: s,
      };
    },
  };
}

export type Kube = Awaited<ReturnType<typeof createKube>>;
