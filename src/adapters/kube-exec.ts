/**
 * Exec-credential plugins (kubeconfig `users[].exec`: aws, gke-gcloud-auth-plugin,
 * kubelogin…). client-node spawns them with no time limit and, when one is missing
 * or fails, surfaces a bare spawn error that reads like a network failure. Here each
 * plugin runs on the request's signal (so it is killed at the request's deadline or
 * on Ctrl-C), and its failure becomes a message about the plugin, not the API.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import type * as k8s from "@kubernetes/client-node";
import { StepError } from "../core/errors.js";
import { printable } from "../core/printable.js";
import { TimeLimitError } from "./time-limit.js";

/** One Kubernetes request attempt, as the middleware and the plugin runner see it. */
export interface CallState {
  signal: AbortSignal;
  /** The request left for the server (authentication, and so any plugin, had finished). */
  sent: boolean;
  plugin?: {
    command: string;
    spawnError?: NodeJS.ErrnoException;
    exitCode?: number | null;
    stderr: string;
  };
}

type ExecFn = (command: string, args: string[], options: SpawnOptions) => ChildProcess;

/** Routes client-node's ExecAuth through a spawn that honours the current call's signal. */
export function limitExecPlugins(kc: k8s.KubeConfig, currentCall: () => CallState | undefined) {
  // KubeConfig keeps its authenticators in a private field; ExecAuth is the one with execFn.
  const authenticators = (kc as unknown as { authenticators?: Array<{ execFn?: ExecFn }> })
    .authenticators;
  const execAuth = authenticators?.find((a) => typeof a.execFn === "function");
  if (!execAuth) return;
  execAuth.execFn = (command, args, options) => {
    const call = currentCall();
    // Its own process group, so the whole plugin (a shell script and what it started)
    // is stopped together. client-node gives it pipes, never the terminal, so leaving
    // the terminal's session costs the plugin nothing.
    const child = spawn(command, args ?? [], { ...options, detached: true });
    if (call) {
      const stop = () => {
        try {
          // SIGKILL: a plugin waiting on a browser login may ignore SIGTERM.
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {}
      };
      if (call.signal.aborted) stop();
      else call.signal.addEventListener("abort", stop, { once: true });
      child.on("close", () => call.signal.removeEventListener("abort", stop));
      const plugin: NonNullable<CallState["plugin"]> = { command, stderr: "" };
      call.plugin = plugin;
      child.on("error", (error: NodeJS.ErrnoException) => {
        if (error.name !== "AbortError") plugin.spawnError = error;
      });
      child.stderr?.on("data", (d: Buffer | string) => {
        if (plugin.stderr.length < 4096) plugin.stderr += String(d);
      });
      child.on("close", (code) => {
        plugin.exitCode = code;
      });
    }
    return child;
  };
}

/**
 * The plugin's failure as one line with a hint, when the attempt failed while its
 * credential plugin ran (before the request was sent); undefined otherwise.
 */
export function execPluginError(
  call: CallState,
  error: unknown,
  timeoutMs: number,
  user: k8s.User | null | undefined,
): StepError | undefined {
  const plugin = call.plugin;
  if (!plugin || call.sent) return undefined;
  const who = `kubeconfig user '${printable(user?.name ?? "?")}': exec credential plugin '${printable(plugin.command)}'`;
  const installHint = (user?.exec as { installHint?: string } | undefined)?.installHint;
  const install = installHint
    ? printable(installHint.trim().split("\n")[0] ?? "")
    : "install it, or fix users[].exec.command in the kubeconfig";
  const code = plugin.spawnError?.code;
  if (code === "ENOENT") return new StepError(`${who} not found`, install);
  if (code === "EACCES")
    return new StepError(`${who} is not executable`, "check the file's permissions (chmod +x)");
  if (error instanceof TimeLimitError)
    return new StepError(
      `${who} did not return within ${Math.round(timeoutMs / 1000)} s (it was stopped)`,
      `run '${printable(plugin.command)}' by hand to see what it waits for (a login?), or raise kube.requestTimeoutSeconds`,
    );
  if (plugin.exitCode !== undefined && plugin.exitCode !== 0) {
    const said = printable(plugin.stderr.trim().split("\n")[0]?.slice(0, 200) ?? "");
    return new StepError(
      `${who} failed (exit ${plugin.exitCode ?? "by signal"})${said ? `: ${said}` : ""}`,
      "run 'kubectl get --raw /version' to see the plugin's full output, then log in again",
    );
  }
  return new StepError(
    `${who} printed no valid ExecCredential JSON`,
    "run 'kubectl get --raw /version' to see what the plugin prints",
  );
}
