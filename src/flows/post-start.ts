/**
 * post-start: what the devcontainer runs after every start. Vault seeding and
 * ESO wiring, then the migrations secret, then Tilt in the background (when a
 * Tiltfile and tilt exist), then the summary of this run. A failed step shows
 * with its hint and the later ones as skipped.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { processIdentity, sameProcess } from "../adapters/process-identity.js";
import type { Output } from "../log/logger.js";
import type { Phase } from "./pipeline.js";
import { bootstrapStep, ensureLocalSecretsStep, runSummarised, type StepContext } from "./steps.js";

export interface PostStartOptions extends StepContext {
  stdout: Output;
  /** Do not start Tilt even when it is available. */
  noTilt: boolean;
  /** Extra phases after the bootstrap (the sandbox adds the health check and flyway-status). */
  extraPhases?: Phase[];
}

/**
 * The pid of the Tilt we started, when it still runs. Its identity (boot id and
 * start time) is kept beside the pid, so a pid reused after a restart by an
 * unrelated process does not count as Tilt.
 */
export function tiltRunning(pidFile: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    const started = existsSync(`${pidFile}.start`)
      ? readFileSync(`${pidFile}.start`, "utf8").trim()
      : undefined;
    return sameProcess(pid, started || undefined) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts `tilt up` detached, its output in <stateDir>/tilt.log, so the editor is not blocked. */
export async function startTilt(ctx: StepContext): Promise<void> {
  const { resolved, log } = ctx;
  // The process helpers (and execa) load only when Tilt may start: not with --no-tilt.
  const { findOnPath } = await import("../adapters/proc.js");
  const step = "tilt";
  const tiltfile = join(resolved.root, "Tiltfile");
  if (!existsSync(tiltfile)) {
    log.checkpoint(step, "skip", "no Tiltfile in the workspace; Tilt not started");
    return;
  }
  if (!findOnPath("tilt", ctx.env)) {
    log.checkpoint(step, "skip", "tilt not found on PATH; Tilt not started", {
      hint: "install Tilt (docs.tilt.dev/install.html), then run 'tilt up'",
    });
    return;
  }
  const stateDir = resolved.path(resolved.config.stateDir);
  const pidFile = join(stateDir, "tilt.pid");
  const running = tiltRunning(pidFile);
  if (running) {
    log.checkpoint(step, "ok", `Tilt already running (pid ${running})`);
    return;
  }
  mkdirSync(dirname(pidFile), { recursive: true });
  const logFile = join(stateDir, "tilt.log");
  const out = openSync(logFile, "a");
  // A plain detached spawn: Tilt must outlive this process, unlike the children runTool manages.
  const child = spawn(findOnPath("tilt", ctx.env)!, ["up", "--file", tiltfile], {
    cwd: resolved.root,
    env: ctx.env,
    detached: true,
    stdio: ["ignore", out, out],
  });
  child.on("error", () => {});
  child.unref();
  closeSync(out);
  writeFileSync(pidFile, String(child.pid ?? ""));
  const started = child.pid ? processIdentity(child.pid) : undefined;
  if (started) writeFileSync(`${pidFile}.start`, started);
  else rmSync(`${pidFile}.start`, { force: true });
  log.checkpoint(
    step,
    "ok",
    `Tilt started in the background (pid ${child.pid}); its log: ${logFile}`,
  );
}

export async function postStart(
  options: PostStartOptions,
): Promise<{ failed: boolean; error?: unknown }> {
  const { log } = options;
  const phases: Phase[] = [
    { step: "vault:seed", run: () => ensureLocalSecretsStep(options) },
    { step: "db-migrations-secret", run: () => bootstrapStep(options) },
    ...(options.extraPhases ?? []),
    {
      step: "tilt",
      run: async () => {
        if (options.noTilt) log.checkpoint("tilt", "skip", "Tilt not started (--no-tilt)");
        else await startTilt(options);
      },
    },
  ];
  return runSummarised(options, phases, options.stdout);
}
