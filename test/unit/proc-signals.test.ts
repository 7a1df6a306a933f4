/**
 * A child is stopped with its whole process group, and each process in the group
 * receives the stop signal once: execa signals the direct child, we signal the rest.
 */
import { ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runTool } from "../../src/adapters/proc.js";
import { until } from "../helpers/wait.js";

afterEach(() => vi.restoreAllMocks());

describe("runTool's stop signal", () => {
  it("reaches the direct child once and its background child too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "proc-signals-"));
    const tool = join(dir, "tree");
    // The child starts a background child that records its SIGTERM, then says it is ready.
    writeFileSync(
      tool,
      `#!/bin/sh
sh -c 'trap "echo term > ${dir}/grandchild; exit 0" TERM; echo $$ > ${dir}/grandchild.pid; while :; do sleep 0.05; done' &
until [ -s ${dir}/grandchild.pid ]; do sleep 0.01; done
trap 'exit 0' TERM
echo ready
while :; do sleep 0.05; done
`,
    );
    chmodSync(tool, 0o755);
    const sent: Array<{ target: number; signal: unknown }> = [];
    const processKill = process.kill.bind(process);
    vi.spyOn(process, "kill").mockImplementation((pid, signal) => {
      sent.push({ target: pid, signal });
      return processKill(pid, signal);
    });
    const childKill = ChildProcess.prototype.kill;
    let childPid = 0;
    vi.spyOn(ChildProcess.prototype, "kill").mockImplementation(function (
      this: ChildProcess,
      signal,
    ) {
      childPid = this.pid ?? 0;
      sent.push({ target: childPid, signal: signal ?? "SIGTERM" });
      return childKill.call(this, signal);
    });
    const stop = new AbortController();
    const result = await runTool({
      tool: "tree",
      args: [],
      baseEnv: { PATH: `${dir}:${process.env.PATH}` },
      timeoutMs: 60_000,
      signal: stop.signal,
      onLine: (line) => {
        if (line === "ready") stop.abort(new Error("stopped by the test"));
      },
    }).catch((error) => error);
    await until(() => existsSync(join(dir, "grandchild")), "the background child's SIGTERM");
    expect(readFileSync(join(dir, "grandchild"), "utf8").trim()).toBe("term");
    const grandchild = Number(readFileSync(join(dir, "grandchild.pid"), "utf8"));
    const terms = sent.filter((s) => s.signal === "SIGTERM");
    expect(childPid).toBeGreaterThan(0);
    // once to the direct child, whether by pid or by its group (-pid)
    expect(terms.filter((s) => s.target === childPid || s.target === -childPid)).toHaveLength(1);
    expect(terms.filter((s) => s.target === grandchild)).toHaveLength(1);
    expect(result).toBeDefined();
  });
});
