/**
 * FAULTS.md 45: every entry point, post-start included, ends in bounded time against
 * a Kubernetes API that accepts connections and never answers, and against an
 * exec-credential plugin that never returns; the bound holds when the garbage
 * collector runs (the child collects every 20 ms), so it cannot rest on a weakly
 * held timer. The plugin and what it started do not survive the run.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import {
  type HungCluster,
  type HungServer,
  kubeconfigFor,
  spawnCli,
  startHungCluster,
} from "../helpers/spawned.js";
import type { Workspace } from "../helpers/workspace.js";

const COLLECT_OFTEN = [
  "--expose-gc",
  "--import",
  join(REPO, "test/helpers/collect-garbage-often.mjs"),
];
/** The request limit and attempts the workspace sets: a hang shows as a run far past them. */
const CONFIG =
  "vault:\n  readyTimeoutSeconds: 2\nkube:\n  requestTimeoutSeconds: 2\n  requestAttempts: 1\n";
/** Generous for a busy machine, and far below "for ever". */
const BOUND_MS = 20_000;

let cluster: HungCluster;
let hung: HungServer;
let ws: Workspace;
beforeEach(async () => {
  cluster = await startHungCluster(CONFIG);
  ({ hung, ws } = cluster);
});
afterEach(() => cluster.close());

const env = () => cluster.env();

async function runBounded(args: string[]) {
  const started = Date.now();
  const run = spawnCli(args, { cwd: ws.dir, env: env(), nodeArgs: COLLECT_OFTEN });
  const guard = setTimeout(() => run.child.kill("SIGKILL"), BOUND_MS);
  const code = await run.exited;
  clearTimeout(guard);
  return { code, ms: Date.now() - started, output: run.output() };
}

const lockFile = () => join(ws.dir, ".dev-bootstrap/dev-bootstrap.lock");

describe("a Kubernetes API that accepts connections and never answers", () => {
  it("post-start fails at eso:detect in bounded time, twice in a row, and releases the lock", async () => {
    for (const round of [1, 2]) {
      const r = await runBounded(["post-start", "--no-tilt"]);
      expect(r.code, `round ${round}: ${r.output}`).toBe(1);
      expect(r.ms).toBeLessThan(BOUND_MS);
      expect(r.output).toMatch(/\[eso:detect\] ✖ Kubernetes API at .* did not answer within 2 s/);
      expect(r.output).toMatch(/db-migrations-secret\s+skipped/);
      expect(existsSync(lockFile())).toBe(false);
    }
    expect(hung.connections).toBeGreaterThanOrEqual(2);
  });

  it("ensure-local-secrets ends at eso:detect in bounded time", async () => {
    const r = await runBounded(["ensure-local-secrets"]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/did not answer within 2 s \(1 attempts; list API groups/);
  });
});

/** A kubeconfig whose user gets its credential from `command` (client.authentication.k8s.io/v1). */
function execKubeconfig(server: string, command: string): string {
  return kubeconfigFor(server).replace(
    "      token: not-a-real-token",
    [
      "      exec:",
      "        apiVersion: client.authentication.k8s.io/v1",
      `        command: ${command}`,
      "        interactiveMode: Never",
      "        installHint: install the example-login plugin",
    ].join("\n"),
  );
}

/** Alive and not a zombie (a zombie has ended; only its parent has not reaped it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("an exec-credential plugin", () => {
  it("that never returns is stopped at the request's limit, with what it started", async () => {
    // The plugin records its own pid and its background child's, then waits for ever.
    ws.write(
      "plugin.sh",
      `#!/bin/sh\ntrap '' TERM\nsleep 300 &\necho "$$ $!" > "${ws.dir}/plugin.pids"\nwait\n`,
    );
    ws.write("kubeconfig", execKubeconfig(hung.url, join(ws.dir, "plugin.sh")));
    const { chmodSync } = await import("node:fs");
    chmodSync(join(ws.dir, "plugin.sh"), 0o755);
    const r = await runBounded(["post-start", "--no-tilt"]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(
      /\[eso:detect\] ✖ kubeconfig user 'hung': exec credential plugin '.*plugin\.sh' did not return within 2 s \(it was stopped\)/,
    );
    expect(r.output).toMatch(/hint: run '.*plugin\.sh' by hand/);
    const pids = ws.read("plugin.pids").trim().split(" ").map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(hung.connections).toBe(0);
  });

  it("that is missing is named as the plugin, not as an unreachable API", async () => {
    ws.write("kubeconfig", execKubeconfig(hung.url, "example-login-not-installed"));
    const r = await runBounded(["bootstrap-db-migrations-secret"]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(
      /exec credential plugin 'example-login-not-installed' not found \(.*\) — hint: install the example-login plugin/,
    );
    expect(r.output).not.toMatch(/unreachable/);
  });

  it("that fails says so with the first line it printed", async () => {
    ws.write(
      "plugin.sh",
      "#!/bin/sh\necho 'error: token expired, run example-login' >&2\nexit 3\n",
    );
    ws.write("kubeconfig", execKubeconfig(hung.url, join(ws.dir, "plugin.sh")));
    const { chmodSync } = await import("node:fs");
    chmodSync(join(ws.dir, "plugin.sh"), 0o755);
    const r = await runBounded(["bootstrap-db-migrations-secret"]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(
      /exec credential plugin '.*plugin\.sh' failed \(exit 3\): error: token expired, run example-login/,
    );
  });
});
