/**
 * A child is stopped with its whole tree — also what left its process group or
 * session — and each process receives the stop signal once. The run waits for the
 * child, never for output a detached grandchild keeps open.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runTool } from "../../src/adapters/proc.js";
import { StepError } from "../../src/core/errors.js";
import { killLeftBehind, MARK_VAR, newMark } from "../helpers/marked.js";
import { alive } from "../helpers/standin.js";
import { until } from "../helpers/wait.js";

let mark = newMark();
let pidsToClean: number[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  killLeftBehind(mark, pidsToClean);
  mark = newMark();
  pidsToClean = [];
});

/** A stand-in `tree` on PATH: the script, given its own directory. */
function tool(script: (dir: string) => string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), "proc-signals-"));
  writeFileSync(join(dir, "tree"), `#!/bin/sh\n${script(dir)}`);
  chmodSync(join(dir, "tree"), 0o755);
  return { dir, env: { PATH: `${dir}:${process.env.PATH}`, [MARK_VAR]: mark } };
}

const pidIn = (file: string) => Number(readFileSync(file, "utf8"));

describe("runTool's stop signal", () => {
  it("reaches the direct child once and its background child too", async () => {
    // A background child that records its SIGTERM; then the child says it is ready.
    const t = tool(
      (
        dir,
      ) => `sh -c 'trap "echo term > ${dir}/grandchild; exit 0" TERM; echo $$ > ${dir}/grandchild.pid; while :; do sleep 0.05; done' &
until [ -s ${dir}/grandchild.pid ]; do sleep 0.01; done
trap 'exit 0' TERM
echo "ready $$"
while :; do sleep 0.05; done
`,
    );
    const sent: Array<{ target: number; signal: unknown }> = [];
    const processKill = process.kill.bind(process);
    vi.spyOn(process, "kill").mockImplementation((pid, signal) => {
      sent.push({ target: pid, signal });
      return processKill(pid, signal);
    });
    let childPid = 0;
    const stop = new AbortController();
    const result = await runTool({
      tool: "tree",
      args: [],
      baseEnv: t.env,
      timeoutMs: 60_000,
      signal: stop.signal,
      onLine: (line) => {
        const ready = /^ready (\d+)$/.exec(line);
        if (!ready) return;
        childPid = Number(ready[1]);
        stop.abort(new Error("stopped by the test"));
      },
    });
    expect(result.interrupted).toBe(true);
    await until(() => existsSync(join(t.dir, "grandchild")), "the background child's SIGTERM");
    expect(readFileSync(join(t.dir, "grandchild"), "utf8").trim()).toBe("term");
    const grandchild = pidIn(join(t.dir, "grandchild.pid"));
    const terms = sent.filter((s) => s.signal === "SIGTERM");
    expect(childPid).toBeGreaterThan(0);
    // once to the direct child, whether by pid or by its group (-pid)
    expect(terms.filter((s) => s.target === childPid || s.target === -childPid)).toHaveLength(1);
    expect(terms.filter((s) => s.target === grandchild)).toHaveLength(1);
  });

  it("ends at the time limit when the child ignores SIGTERM and a grandchild in a new session, its environment cleared, keeps the output open", async () => {
    const t = tool(
      (dir) => `trap '' TERM
env -i setsid sleep 300 &
echo $! > ${dir}/detached.pid
echo started
sleep 300
`,
    );
    const lines: string[] = [];
    const result = await runTool({
      tool: "tree",
      args: [],
      baseEnv: t.env,
      timeoutMs: 500,
      killGraceMs: 300,
      onLine: (line) => {
        lines.push(line);
        // Known before the run returns, so a hung run's sleep is cleaned up too.
        if (line === "started") pidsToClean.push(pidIn(join(t.dir, "detached.pid")));
      },
    });
    const detached = pidIn(join(t.dir, "detached.pid"));
    expect(lines).toEqual(["started"]);
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    // The limit plus the grace plus the stop, not the 300 s the tree would take.
    expect(result.durationMs).toBeLessThan(10_000);
    expect(alive(detached)).toBe(false);
  });

  it("stops and names what a child that exited 0 left running", async () => {
    const t = tool(
      (dir) => `sleep 300 >/dev/null 2>&1 &
echo $! > ${dir}/job.pid
exit 0
`,
    );
    const result = await runTool({
      tool: "tree",
      args: [],
      baseEnv: t.env,
      timeoutMs: 60_000,
    });
    const job = pidIn(join(t.dir, "job.pid"));
    pidsToClean.push(job);
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
    // Named as it was seen: a job caught between fork and exec still bears the script's name.
    expect(result.leftovers).toHaveLength(1);
    expect(["sleep", "tree"]).toContain(result.leftovers[0]);
    expect(alive(job)).toBe(false);
  });

  it("a child that leaves nothing behind has no leftovers", async () => {
    const t = tool(() => "echo done\n");
    const result = await runTool({
      tool: "tree",
      args: [],
      baseEnv: t.env,
      timeoutMs: 60_000,
    });
    expect(result).toMatchObject({ exitCode: 0, leftovers: [], tail: ["done"] });
  });

  it("a run started inside another run's child keeps the outer run's mark on what it starts", async () => {
    const t = tool(() => 'echo "$DEV_BOOTSTRAP_PROCESS_TREE"\n');
    const outer = { ...t.env, DEV_BOOTSTRAP_PROCESS_TREE: "outer-run-id" };
    const result = await runTool({ tool: "tree", args: [], baseEnv: outer, timeoutMs: 60_000 });
    expect(result.tail[0]).toMatch(/^outer-run-id,[0-9a-f-]{36}$/);
  });

  it("a tool the system cannot start (a wrong interpreter line) is one clear error, not 'exited undefined'", async () => {
    const t = tool(() => "");
    writeFileSync(join(t.dir, "tree"), "#!/nonexistent/interpreter\n");
    const error = await runTool({
      tool: "tree",
      args: [],
      baseEnv: t.env,
      timeoutMs: 60_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toMatch(/^tree could not be started: .*ENOENT/);
    expect((error as StepError).hint).toMatch(/is an executable file/);
  });
});
