/**
 * What Tilt's API says about the Tilt serving a port. `tilt get session Tiltfile -o
 * json` asks the API server of the Tilt on TILT_PORT (default 10350) for its Session
 * object, which every `tilt up` creates when it starts, before its Tiltfile loads:
 * `spec.tiltfilePath` is the absolute path `tilt up` was given (or found in its
 * working directory) and `status.pid` is Tilt's own process
 * (pkg/apis/core/v1alpha1/session_types.go, internal/store/sessions/object.go).
 * So one call both proves the API answers and tells whose Tiltfile it serves,
 * however that Tilt was started.
 */
import { resolve } from "node:path";

/** Tilt's default web/API port (`tilt up --port`, TILT_PORT). */
export const TILT_DEFAULT_PORT = 10350;

/** The argv that asks the Tilt on TILT_PORT for its session. */
export const TILT_SESSION_ARGS = ["get", "session", "Tiltfile", "-o", "json"] as const;

export interface TiltSession {
  /** The Tiltfile the answering Tilt serves (absolute). */
  tiltfilePath: string;
  /** The answering Tilt's pid, when it said. */
  pid: number | undefined;
}

/** The Session from `tilt get session Tiltfile -o json`'s stdout; undefined unless it is one. */
export function parseTiltSession(stdout: string): TiltSession | undefined {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as {
    kind?: unknown;
    spec?: { tiltfilePath?: unknown };
    status?: { pid?: unknown };
  };
  const path = o.spec?.tiltfilePath;
  if (o.kind !== "Session" || typeof path !== "string" || path === "") return undefined;
  const pid = o.status?.pid;
  return {
    tiltfilePath: path,
    pid: typeof pid === "number" && Number.isInteger(pid) && pid > 0 ? pid : undefined,
  };
}

/** Whether the session serves `tiltfile` (both absolute; compared after normalising). */
export function servesTiltfile(session: TiltSession, tiltfile: string): boolean {
  return resolve(session.tiltfilePath) === resolve(tiltfile);
}

/** The port Tilt uses here: TILT_PORT as Tilt reads it, else the default. */
export function tiltPort(env: NodeJS.ProcessEnv): string {
  const port = env.TILT_PORT?.trim();
  return port ? port : String(TILT_DEFAULT_PORT);
}
