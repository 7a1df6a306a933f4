/**
 * The Host of ports: clients built once per run and only when asked for, and flows
 * that run against fake ports (no process, no file system touched).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createHost } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { SecretMasker } from "../../src/core/mask.js";
import type { FsPort, Host, ProcPort } from "../../src/flows/host.js";
import { startTilt } from "../../src/flows/post-start.js";
import type { CheckpointLogger } from "../../src/log/logger.js";
import { makeWorkspace } from "../helpers/workspace.js";

const hostIn = (dir: string, env: NodeJS.ProcessEnv) =>
  createHost({ resolved: resolveConfig({ cwd: dir, env }), masker: new SecretMasker(), env });

describe("createHost", () => {
  it("finds the Vault token once per run, and registers it for masking", () => {
    const ws = makeWorkspace({ "dev-bootstrap.yaml": "" });
    const tokenFile = ws.write("token", "first-token\n");
    const env = { VAULT_TOKEN_FILE: tokenFile };
    const masker = new SecretMasker();
    const host = createHost({ resolved: resolveConfig({ cwd: ws.dir, env }), masker, env });
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
    readRegular: unsupported,
    createExclusive: unsupported,
    symlink: unsupported,
    readdir: unsupported,
    list: unsupported,
    listTree: unsupported,
  };
}

describe("post-start's Tilt step over fake ports", () => {
  const setUp = (files: Record<string, string>, alive: boolean) => {
    const ws = makeWorkspace({ "dev-bootstrap.yaml": "" });
    const resolved = resolveConfig({ cwd: ws.dir, env: {} });
    const started: Array<{ file: string; args: string[]; logFile: string }> = [];
    const proc: ProcPort = {
      run: () => Promise.reject(new Error("not used here")),
      which: async (tool) => (tool === "tilt" ? "/opt/bin/tilt" : undefined),
      startDetached: async (o) => {
        started.push(o);
        return 4242;
      },
      identity: (pid) => `boot:${pid}`,
      sameProcess: (pid, identity) => alive && identity === `boot:${pid}`,
    };
    const fsFiles: Record<string, string> = {};
    for (const [k, v] of Object.entries(files)) fsFiles[join(ws.dir, k)] = v;
    const lines: string[] = [];
    const log = {
      checkpoint: (step: string, status: string, message: string) =>
        lines.push(`${step} ${status} ${message}`),
    } as unknown as CheckpointLogger;
    const host = { fs: memoryFs(fsFiles), proc } as unknown as Host;
    return { ws, resolved, host, log, lines, started, fsFiles };
  };

  it("starts `tilt up --file <Tiltfile>` detached and records its pid and identity", async () => {
    const t = setUp({ Tiltfile: "# empty\n" }, true);
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
    expect(t.lines.at(-1)).toMatch(/^tilt ok Tilt started in the background \(pid 4242\)/);
    // The second start finds it running and starts nothing.
    await startTilt(t.host, t.resolved, t.log);
    expect(t.started).toHaveLength(1);
    expect(t.lines.at(-1)).toBe("tilt ok Tilt already running (pid 4242)");
  });

  it("starts nothing without a Tiltfile", async () => {
    const t = setUp({}, true);
    await startTilt(t.host, t.resolved, t.log);
    expect(t.started).toEqual([]);
    expect(t.lines).toEqual(["tilt skip no Tiltfile in the workspace; Tilt not started"]);
  });
});
