/**
 * The Host of ports: clients built once per run and only when asked for, and flows
 * that run against fake ports (no process, no file system touched).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { StepError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { FsPort, Host, ProcPort } from "../../src/flows/host.js";
import { startTilt } from "../../src/flows/post-start.js";
import type { CheckpointLogger } from "../../src/log/logger.js";
import { virtualClock } from "../helpers/clock.js";
import { makeWorkspace } from "../helpers/workspace.js";

const hostIn = (dir: string, env: NodeJS.ProcessEnv) =>
  createHost({
    resolved: resolveConfig({ cwd: dir, env }),
    masker: new SecretMasker(),
    env,
    clock: virtualClock(),
  });

describe("createHost", () => {
  it("finds the Vault token once per run, and registers it for masking", () => {
    const ws = makeWorkspace({ "dev-bootstrap.yaml": "" });
    const tokenFile = ws.write("token", "first-token\n");
    const env = { VAULT_TOKEN_FILE: tokenFile };
    const masker = new SecretMasker();
    const host = createHost({
      resolved: resolveConfig({ cwd: ws.dir, env }),
      masker,
      env,
      clock: virtualClock(),
    });
    expect(host.vaultToken()).toBe("first-token");
    ws.write("token", "second-token\n");
    expect(host.vaultToken()).toBe("first-token");
    expect(masker.mask("token first-token")).not.toContain("first-token");
    // A new run (a new host) reads it again.
    expect(hostIn(ws.dir, env).vaultToken()).toBe("second-token");
  });

  it("builds the Vault and Kubernetes clients once, on first use", async () => {
    const ws = makeWorkspace({ "dev-bootstrap.yaml": "" });
    const kubeconfig = ws.write(
      "kubeconfig",
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{ name: c, cluster: { server: 'http://127.0.0.1:1', insecure-skip-tls-verify: true } }]",
        "users: [{ name: u, user: { token: t } }]",
        "contexts: [{ name: x, context: { cluster: c, user: u } }]",
        "current-context: x",
        "",
      ].join("\n"),
    );
    const host = hostIn(ws.dir, { VAULT_TOKEN: "a-token", KUBECONFIG: kubeconfig });
    const [v1, v2] = await Promise.all([host.vault(), host.vault()]);
    expect(v1).toBe(v2);
    const [k1, k2] = await Promise.all([host.kube(), host.kube()]);
    expect(k1).toBe(k2);
    expect(k1.server).toBe("http://127.0.0.1:1");
  });
});

/** An in-memory file system with just what startTilt uses. */
function memoryFs(files: Record<string, string>): FsPort {
  const unsupported = () => {
    throw new Error("not used here");
  };
  return {
    readText: (p) => {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT ${p}`), { code: "ENOENT" });
      return files[p]!;
    },
    writeText: (p, text) => {
      files[p] = text;
    },
    exists: (p) => p in files,
    readState: (p) => files[p],
    writeState: (p, text) => {
      files[p] = text;
    },
    ensurePrivateFile: (p) => {
      files[p] ??= "";
    },
    mkdirp: () => {},
    remove: (p) => {
      delete files[p];
    },
    readBytes: unsupported,
    readRegular: (p) => (p in files ? { bytes: Buffer.from(files[p]!) } : { kind: "missing" }),
    createExclusive: unsupported,
    symlink: unsupported,
    readdir: unsupported,
    list: unsupported,
    listTree: unsupported,
  };
}

describe("post-start's Tilt step over fake ports", () => {
  /**
   * `answers`: whether the started Tilt's API answers `tilt get session`; `lives`:
   * whether its process keeps running. No Tilt answers before one is started.
   */
  const setUp = (files: Record<string, string>, tilt: { answers: boolean; lives: boolean }) => {
    const ws = makeWorkspace({ "dev-bootstrap.yaml": "" });
    const resolved = resolveConfig({ cwd: ws.dir, env: {} });
    const started: Array<{ file: string; args: string[]; logFile: string }> = [];
    const probes: string[][] = [];
    const proc: ProcPort = {
      run: async (o) => {
        probes.push(o.args);
        const answering = started.length > 0 && tilt.answers && tilt.lives;
        if (answering) {
          const session = {
            kind: "Session",
            spec: { tiltfilePath: join(ws.dir, "Tiltfile") },
            status: { pid: 4242 },
          };
          o.onLine?.(JSON.stringify(session), "stdout");
        } else o.onLine?.("No tilt apiserver found: tilt-default", "stderr");
        return {
          exitCode: answering ? 0 : 1,
          signal: undefined,
          timedOut: false,
          interrupted: false,
          tail: [],
          durationMs: 5,
          leftovers: [],
        };
      },
      which: async (tool) => (tool === "tilt" ? "/opt/bin/tilt" : undefined),
      startDetached: async (o) => {
        started.push(o);
        fsFiles[o.logFile] = "Tilt started on http://localhost:10350/\nsome line\nthe last line\n";
        return 4242;
      },
      identity: (pid) => `boot:${pid}`,
      sameProcess: (pid, identity) => tilt.lives && identity === `boot:${pid}`,
    };
    const fsFiles: Record<string, string> = {};
    for (const [k, v] of Object.entries(files)) fsFiles[join(ws.dir, k)] = v;
    const lines: string[] = [];
    const log = {
      checkpoint: (step: string, status: string, message: string) =>
        lines.push(`${step} ${status} ${message}`),
    } as unknown as CheckpointLogger;
    const clock = virtualClock();
    const host = {
      fs: memoryFs(fsFiles),
      proc,
      env: {},
      clock,
      masker: new SecretMasker(),
      signal: undefined,
    } as unknown as Host;
    return { ws, resolved, host, log, lines, started, fsFiles, probes, clock };
  };

  it("starts `tilt up --file <Tiltfile>` detached, records its pid and identity, and waits for its API", async () => {
    const t = setUp({ Tiltfile: "# empty\n" }, { answers: true, lives: true });
    await startTilt(t.host, t.resolved, t.log);
    expect(t.started).toEqual([
      {
        file: "/opt/bin/tilt",
        args: ["up", "--file", join(t.ws.dir, "Tiltfile")],
        cwd: t.ws.dir,
        logFile: join(t.ws.dir, ".dev-bootstrap/tilt.log"),
      },
    ]);
    expect(t.fsFiles[join(t.ws.dir, ".dev-bootstrap/tilt.pid")]).toBe("4242");
    expect(t.fsFiles[join(t.ws.dir, ".dev-bootstrap/tilt.pid.start")]).toBe("boot:4242");
    // Asked before starting (none answered), then once more: up.
    expect(t.probes).toEqual([
      ["get", "session", "Tiltfile", "-o", "json"],
      ["get", "session", "Tiltfile", "-o", "json"],
    ]);
    expect(t.lines.at(-1)).toMatch(
      /^tilt ok Tilt started in the background and answering \(pid 4242, http:\/\/localhost:10350\)/,
    );
    // The second start finds it serving this Tiltfile and starts nothing.
    await startTilt(t.host, t.resolved, t.log);
    expect(t.started).toHaveLength(1);
    expect(t.lines.at(-1)).toBe(
      "tilt ok Tilt already serving this Tiltfile (pid 4242, http://localhost:10350)",
    );
  });

  it("a Tilt that runs but never answers fails at the deadline with its log's tail, and is left running", async () => {
    const t = setUp({ Tiltfile: "# empty\n" }, { answers: false, lives: true });
    const error = await startTilt(t.host, t.resolved, t.log).catch((e: unknown) => e);
    expect((error as StepError).message).toBe(
      "Tilt (pid 4242) runs but its API did not answer on port 10350 within 30 s: Tilt started on http://localhost:10350/ | some line | the last line",
    );
    expect((error as StepError).hint).toMatch(/^it was left running; see \S+tilt\.log/);
    expect(t.clock.elapsed()).toBe(30_000);
    expect(t.fsFiles[join(t.ws.dir, ".dev-bootstrap/tilt.pid")]).toBe("4242");
    // The next run waits for the same Tilt again rather than starting a second.
    await startTilt(t.host, t.resolved, t.log).catch(() => {});
    expect(t.started).toHaveLength(1);
  });

  it("a Tilt that exits before answering fails with its log's tail and forgets its pid", async () => {
    const t = setUp({ Tiltfile: "# empty\n" }, { answers: true, lives: false });
    const error = await startTilt(t.host, t.resolved, t.log).catch((e: unknown) => e);
    expect((error as StepError).message).toBe(
      "tilt up (pid 4242) exited before its API answered: Tilt started on http://localhost:10350/ | some line | the last line",
    );
    expect(t.clock.elapsed()).toBe(0);
    expect(t.fsFiles[join(t.ws.dir, ".dev-bootstrap/tilt.pid")]).toBeUndefined();
  });

  it("starts nothing without a Tiltfile", async () => {
    const t = setUp({}, { answers: true, lives: true });
    await startTilt(t.host, t.resolved, t.log);
    expect(t.started).toEqual([]);
    expect(t.lines).toEqual(["tilt skip no Tiltfile in the workspace; Tilt not started"]);
  });
});
