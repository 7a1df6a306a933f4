/**
 * post-start: what the devcontainer runs after every start. Vault seeding and
 * ESO wiring, then the migrations secret, then Tilt in the background (when a
 * Tiltfile and tilt exist), then the summary of this run. A failed step shows
 * with its hint and the later ones as skipped.
 */
import { join } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import { STALE_FEATURE_HINT, staleFeature } from "./feature-copy.js";
import type { Host } from "./host.js";
import { bootstrapStep, ensureLocalSecretsStep, runSummarised } from "./phases.js";
import type { Phase } from "./pipeline.js";

export interface PostStartOptions {
  stdout: Output;
  /** Do not start Tilt even when it is available. */
  noTilt: boolean;
  /** Extra phases after the bootstrap (the sandbox adds the health check and flyway-status). */
  extraPhases?: Phase[];
  /** The installed package's root: a copied Feature older than its Feature is warned about. */
  packageRoot?: string;
}

/**
 * The pid of the Tilt we started, when it still runs. Its identity (boot id and
 * start time) is kept beside the pid, so a pid reused after a restart by an
 * unrelated process does not count as Tilt.
 */
export function tiltRunning(host: Pick<Host, "fs" | "proc">, pidFile: string): number | undefined {
  const { fs, proc } = host;
  // Read as run state: a named pipe in their place is refused, never waited on.
  const pid = Number(fs.readState(pidFile)?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const started = fs.readState(`${pidFile}.start`)?.trim();
  return proc.sameProcess(pid, started || undefined) ? pid : undefined;
}

/** Starts `tilt up` detached, its output in <stateDir>/tilt.log, so the editor is not blocked. */
export async function startTilt(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
): Promise<void> {
  const { fs, proc } = host;
  const step = "tilt";
  const tiltfile = join(resolved.root, "Tiltfile");
  if (!fs.exists(tiltfile)) {
    log.checkpoint(step, "skip", "no Tiltfile in the workspace; Tilt not started");
    return;
  }
  // The process library loads only when Tilt may start: not with --no-tilt.
  const tilt = await proc.which("tilt");
  if (!tilt) {
    log.checkpoint(step, "skip", "tilt not found on PATH; Tilt not started", {
      hint: "install Tilt (docs.tilt.dev/install.html), then run 'tilt up'",
    });
    return;
  }
  const stateDir = resolved.path(resolved.config.stateDir);
  const pidFile = join(stateDir, "tilt.pid");
  const running = tiltRunning(host, pidFile);
  if (running) {
    log.checkpoint(step, "ok", `Tilt already running (pid ${running})`);
    return;
  }
  const logFile = join(stateDir, "tilt.log");
  // Tilt's log may hold another tool's secrets: created 0600 (an older one tightened)
  // before Tilt appends to it, and refused when it is not a plain file.
  fs.ensurePrivateFile(logFile);
  // Detached: Tilt must outlive this process, unlike the children proc.run manages.
  const pid = await proc.startDetached({
    file: tilt,
    args: ["up", "--file", tiltfile],
    cwd: resolved.root,
    logFile,
  });
  fs.writeState(pidFile, String(pid ?? ""));
  const started = pid ? proc.identity(pid) : undefined;
  if (started) fs.writeState(`${pidFile}.start`, started);
  else fs.remove(`${pidFile}.start`);
  log.checkpoint(step, "ok", `Tilt started in the background (pid ${pid}); its log: ${logFile}`);
}

export async function postStart(
  host: Host,
  resolved: ResolvedConfig,
  log: CheckpointLogger,
  options: PostStartOptions,
): Promise<{ failed: boolean; error?: unknown }> {
  // A warning, never a failure: the stale copy still starts the container.
  const stale = options.packageRoot && staleFeature(host.fs, resolved.root, options.packageRoot);
  if (stale) log.checkpoint("feature", "warn", stale, { hint: STALE_FEATURE_HINT });
  const phases: Phase[] = [
    { step: "vault:seed", run: () => ensureLocalSecretsStep(host, resolved, log) },
    { step: "db-migrations-secret", run: () => bootstrapStep(host, resolved, log) },
    ...(options.extraPhases ?? []),
    {
      step: "tilt",
      run: async () => {
        if (options.noTilt) log.checkpoint("tilt", "skip", "Tilt not started (--no-tilt)");
        else await startTilt(host, resolved, log);
      },
    },
  ];
  return runSummarised(host, resolved, log, phases, options.stdout, { connect: false });
}
