/**
 * run-helm-layer: the shared runner for Helmfile layers. Our own steps first
 * (layer 15: ensure-local-secrets; layer 42: the migrations secret bootstrap),
 * then `helmfile sync` for the layer, then the layer's `helm test` gates. Each
 * child streams into the pane with its step prefix and runs under a timeout that
 * ends its whole process tree; a failed phase skips the later ones.
 */
import type { ResolvedConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import { LEFTOVER_HINT, leftoverNote } from "../core/leftovers.js";
import { maskedTail } from "../core/tail.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import type { Host } from "./host.js";
import { bootstrapMigrationsSecret, type Handoff } from "./migrations-secret.js";
import { ensureLocalSecretsStep } from "./phases.js";
import { type Phase, runPipeline } from "./pipeline.js";
import { step } from "./step.js";

interface HelmLayerOptions {
  layer: string;
  stdout: Output;
  /** Skip the layer's own steps (a caller that already ran them, like smoke). */
  skipBefore?: boolean;
}

/**
 * `helm test --logs` fetches each test pod's log after the suite; when the pod
 * is already gone that fetch fails although every test passed. That race is a
 * warning, not a failure.
 */
function isBenignLogRace(output: readonly string[]): boolean {
  const text = output.join("\n");
  const passed = /Phase:\s+Succeeded/.test(text) && !/Phase:\s+Failed/.test(text);
  const logGone =
    /unable to get pod logs|error getting logs|pods? "[^"]+" not found|container .* not found/i.test(
      text,
    );
  return passed && logGone;
}

export async function runHelmLayer(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: HelmLayerOptions,
): Promise<void> {
  const layer = resolved.config.helm.layers[options.layer];
  if (!layer) {
    throw new StepError(
      `no layer ${options.layer} in helm.layers (have: ${Object.keys(resolved.config.helm.layers).join(", ")})`,
      "add it to dev-bootstrap.yaml under helm.layers",
    );
  }
  const ns = resolved.config.namespace;
  const prefix = `layer:${options.layer}`;
  // Runs one child as the step's work; a time-out is the step's failure.
  const child = async (name: string, tool: string, args: string[]) => {
    // Stryker disable next-line ArrayDeclaration: the lines feed the log-race check only, which a line without "Phase:" or "not found" cannot change
    const lines: string[] = [];
    const result = await host.proc.run({
      tool,
      args,
      cwd: resolved.root,
      timeoutMs: layer.timeoutSeconds * 1000,
      tailLines: 200,
      onLine: (line) => {
        lines.push(line);
        options.stdout.write(`[${name}] ${host.masker.mask(line)}\n`);
      },
    });
    if (result.timedOut) {
      throw new StepError(
        `${tool} did not finish within ${layer.timeoutSeconds} s; it and its children were stopped`,
        `raise helm.layers.${options.layer}.timeoutSeconds, or look for a stuck hook`,
      );
    }
    return { result, lines };
  };

  const phases: Phase[] = [];
  // The bootstrap is handed what the seed before it knows (credentials, Vault's values).
  let handoff: Handoff | undefined;
  for (const before of options.skipBefore ? [] : layer.before) {
    phases.push({
      step: before === "ensure-local-secrets" ? "vault:seed" : "db-migrations-secret",
      run: async () => {
        if (before === "ensure-local-secrets")
          ({ handoff } = await ensureLocalSecretsStep(host, resolved, log));
        else await bootstrapMigrationsSecret(host, resolved, log, handoff ? { handoff } : {});
      },
    });
  }
  const helmfileStep = `${prefix}:helmfile`;
  const helmfileArgs = [
    "--file",
    resolved.path(layer.helmfile),
    "--environment",
    layer.environment,
    "sync",
  ];
  phases.push({
    step: helmfileStep,
    run: () =>
      step(log, helmfileStep, `helmfile ${helmfileArgs.join(" ")}`, async (handle) => {
        const { result } = await child(helmfileStep, "helmfile", helmfileArgs);
        if (result.exitCode !== 0) {
          throw new StepError(
            `helmfile sync for layer ${options.layer} exited ${result.exitCode ?? result.signal}: ${maskedTail(result, host.masker)}`,
            `fix the release, then rerun 'dev-bootstrap run-helm-layer ${options.layer}'`,
          );
        }
        const done = `helmfile sync for layer ${options.layer} done`;
        if (result.leftovers.length)
          return handle.warn(`${done}; ${leftoverNote(result.leftovers)}`, LEFTOVER_HINT);
        handle.ok(done);
      }),
  });
  for (const release of layer.tests) {
    const name = `${prefix}:test:${release}`;
    const args = [
      "test",
      release,
      "--namespace",
      ns,
      "--logs",
      "--timeout",
      `${layer.timeoutSeconds}s`,
    ];
    phases.push({
      step: name,
      run: () =>
        step(log, name, `helm ${args.join(" ")}`, async (handle) => {
          const { result, lines } = await child(name, "helm", args);
          if (result.exitCode === 0 && result.leftovers.length)
            return handle.warn(
              `helm test ${release} passed; ${leftoverNote(result.leftovers)}`,
              LEFTOVER_HINT,
            );
          if (result.exitCode === 0) return handle.ok(`helm test ${release} passed`);
          if (isBenignLogRace(lines)) {
            return handle.warn(
              `helm test ${release} passed; its pod's log was already gone (a known benign race)`,
              "nothing to do; 'helm test' itself succeeded",
            );
          }
          throw new StepError(
            `helm test ${release} failed (exit ${result.exitCode ?? result.signal}): ${maskedTail(result, host.masker)}`,
            `inspect: kubectl -n ${ns} get pods -l helm.sh/chart; rerun 'dev-bootstrap run-helm-layer ${options.layer}'`,
          );
        }),
    });
  }
  const { failed } = await runPipeline(phases, log);
  if (failed) throw failed.error;
}
