/**
 * Which Tilt answers on TILT_PORT and whose Tiltfile it serves, from `tilt get
 * session Tiltfile -o json` (the Session object every `tilt up` creates): post-start
 * reuses that Tilt only when it serves this workspace's Tiltfile.
 */
import { describe, expect, it } from "vitest";
import {
  parseTiltSession,
  servesTiltfile,
  TILT_DEFAULT_PORT,
  TILT_SESSION_ARGS,
  tiltPort,
} from "../../src/core/tilt-session.js";

const session = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: "tilt.dev/v1alpha1",
    kind: "Session",
    metadata: { name: "Tiltfile" },
    spec: { tiltfilePath: "/workspaces/app/Tiltfile", exitCondition: "manual" },
    status: { pid: 4242, startTime: "2026-12-07T04:00:00Z" },
    ...extra,
  });

describe("parseTiltSession", () => {
  it("reads the served Tiltfile and Tilt's pid from a Session", () => {
    expect(parseTiltSession(session())).toEqual({
      tiltfilePath: "/workspaces/app/Tiltfile",
      pid: 4242,
    });
    expect(parseTiltSession(`${session()}\n`)).toEqual({
      tiltfilePath: "/workspaces/app/Tiltfile",
      pid: 4242,
    });
  });

  it.each([
    ["not JSON (tilt's own error text)", "Error: No tilt apiserver found: tilt-default"],
    ["empty output", ""],
    ["null", "null"],
    ["a string", '"Session"'],
    ["another kind", session({ kind: "Cmd" })],
    ["no kind", session({ kind: undefined })],
    ["no spec", session({ spec: undefined })],
    ["no Tiltfile path", session({ spec: {} })],
    ["an empty Tiltfile path", session({ spec: { tiltfilePath: "" } })],
    ["a Tiltfile path that is not a string", session({ spec: { tiltfilePath: 7 } })],
  ])("is undefined for %s", (_what, stdout) => {
    expect(parseTiltSession(stdout)).toBeUndefined();
  });

  it.each([
    ["no status", { status: undefined }],
    ["no pid", { status: {} }],
    ["pid 0", { status: { pid: 0 } }],
    ["a negative pid", { status: { pid: -1 } }],
    ["a fractional pid", { status: { pid: 1.5 } }],
    ["a pid as text", { status: { pid: "4242" } }],
  ])("keeps the Session but no pid for %s", (_what, extra) => {
    expect(parseTiltSession(session(extra))).toEqual({
      tiltfilePath: "/workspaces/app/Tiltfile",
      pid: undefined,
    });
  });

  it("takes pid 1 (Tilt as a container's first process)", () => {
    expect(parseTiltSession(session({ status: { pid: 1 } }))?.pid).toBe(1);
  });
});

describe("servesTiltfile", () => {
  const serving = { tiltfilePath: "/workspaces/app/Tiltfile", pid: 1 };

  it("is true for the same file, however the path is spelled", () => {
    expect(servesTiltfile(serving, "/workspaces/app/Tiltfile")).toBe(true);
    expect(servesTiltfile(serving, "/workspaces/app/./sub/../Tiltfile")).toBe(true);
    expect(
      servesTiltfile(
        { tiltfilePath: "/workspaces//app/Tiltfile/", pid: 1 },
        "/workspaces/app/Tiltfile",
      ),
    ).toBe(true);
  });

  it("is false for another workspace's Tiltfile", () => {
    expect(servesTiltfile(serving, "/workspaces/other/Tiltfile")).toBe(false);
    expect(servesTiltfile(serving, "/workspaces/app/Tiltfile.dev")).toBe(false);
  });
});

describe("tiltPort", () => {
  it("is TILT_PORT as Tilt reads it, trimmed, else 10350", () => {
    expect(tiltPort({ TILT_PORT: "10351" })).toBe("10351");
    expect(tiltPort({ TILT_PORT: " 10352 " })).toBe("10352");
    expect(tiltPort({})).toBe("10350");
    expect(tiltPort({ TILT_PORT: "" })).toBe("10350");
    expect(tiltPort({ TILT_PORT: "  " })).toBe("10350");
    expect(TILT_DEFAULT_PORT).toBe(10350);
  });

  it("asks for the Session named Tiltfile as JSON", () => {
    expect(TILT_SESSION_ARGS).toEqual(["get", "session", "Tiltfile", "-o", "json"]);
  });
});
