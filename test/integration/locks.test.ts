/**
 * FAULTS.md 30, 43 and 47: the workspace lock. Two runs serialise; a lock whose
 * holder is gone — dead, or its pid reused by an unrelated process after a
 * restart — is taken over at once and atomically; a live holder makes the
 * other run wait, then fail naming the holder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/adapters/clock.js";
import { withLock } from "../../src/adapters/lock.js";
import { processIdentity } from "../../src/adapters/process-identity.js";
import { nodeFs, processPort } from "../../src/cli/host.js";
import { StepError } from "../../src/core/errors.js";
import { tiltRunning } from "../../src/flows/post-start.js";
import { bundleForChild } from "../helpers/bundle.js";

const dir = () => mkdtempSync(join(tmpdir(), "locks-"));
const holderFile = (pid: number, runId: string, started?: string) =>
  JSON.stringify({
    pid,
    runId,
    since: "2026-01-01T00:00:00.000Z",
    ...(started ? { started } : {}),
  });

describe("the workspace lock", () => {
  it("a lock naming a live but unrelated process (pid reused after a restart) is stale: taken over at once", async () => {
    const lock = join(dir(), "dev-bootstrap.lock");
    // pid 1 is alive, but it is not the process that wrote this lock before the restart.
    writeFileSync(lock, holderFile(1, "before-restart", "another-boot:12345"));
    let waited = false;
    const seen = await withLock(
      lock,
      {
        runId: "now",
        timeoutMs: 120_000,
        env: {},
        clock: systemClock,
        onWait: () => (waited = true),
      },
      async () => JSON.parse(readFileSync(lock, "utf8")) as { runId: string; started?: string },
    );
    expect(waited).toBe(false);
    expect(seen.runId).toBe("now");
    expect(seen.started).toBe(processIdentity(process.pid));
    expect(existsSync(lock)).toBe(false);
  });

  it("a live holder makes the next run wait, then fail naming it (lock timeout)", async () => {
    const lock = join(dir(), "dev-bootstrap.lock");
    writeFileSync(lock, holderFile(process.pid, "holder", processIdentity(process.pid)));
    let waited = false;
    const error = await withLock(
      lock,
      {
        runId: "second",
        timeoutMs: 300,
        env: {},
        clock: systemClock,
        onWait: () => (waited = true),
      },
      async () => "ran",
    ).catch((e: unknown) => e);
    expect(waited).toBe(true);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toMatch(
      new RegExp(
        `another run holds the lock .*dev-bootstrap\\.lock \\(pid ${process.pid}, run holder, since `,
      ),
    );
    expect(readFileSync(lock, "utf8")).toContain('"holder"');
  });

  it("six processes racing for a stale lock: each holds it alone, one at a time", async () => {
    const d = dir();
    const lock = join(d, "dev-bootstrap.lock");
    const trace = join(d, "trace.log");
    // Left by a process that has exited.
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ["-e", ""]);
      child.on("close", () => resolve(child.pid!));
    });
    writeFileSync(lock, holderFile(dead, "stale"));
    const lockModule = await bundleForChild("src/adapters/lock.ts");
    const script = `
      const { withLock } = await import(${JSON.stringify(lockModule)});
      const { appendFileSync } = await import("node:fs");
      await withLock(${JSON.stringify(lock)}, { runId: String(process.pid), timeoutMs: 60000, env: {}, clock: { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) } }, async () => {
        appendFileSync(${JSON.stringify(trace)}, "enter " + process.pid + "\\n");
        await new Promise((r) => setImmediate(r));
        appendFileSync(${JSON.stringify(trace)}, "exit " + process.pid + "\\n");
      });`;
    const runs = Array.from(
      { length: 6 },
      () =>
        new Promise<number>((resolve) =>
          spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" }).on(
            "close",
            (code) => resolve(code ?? -1),
          ),
        ),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0, 0, 0]);
    const lines = readFileSync(trace, "utf8").trim().split("\n");
    expect(lines).toHaveLength(12);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]!.split(" ")[1];
      expect([lines[i], lines[i + 1]]).toEqual([`enter ${pid}`, `exit ${pid}`]);
    }
    expect(existsSync(lock)).toBe(false);
  });
});

describe("lock takeover keeps its deadline on every path", () => {
  const sleepers: ChildProcess[] = [];
  afterEach(() => {
    for (const c of sleepers.splice(0)) c.kill("SIGKILL");
  });
  /** A live process that has nothing to do with dev-bootstrap (a pid reused after a restart). */
  const unrelated = () => {
    const child = spawn("sleep", ["600"], { stdio: "ignore" });
    sleepers.push(child);
    return child.pid!;
  };
  const deadPid = () =>
    new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ["-e", ""]);
      child.on("close", () => resolve(child.pid!));
    });

  it("a fresh takeover guard naming a live, unrelated pid: the run fails at its deadline, saying so", async () => {
    const lock = join(dir(), "dev-bootstrap.lock");
    writeFileSync(lock, holderFile(await deadPid(), "stale"));
    writeFileSync(`${lock}.takeover`, String(unrelated()));
    const started = Date.now();
    const error = await withLock(
      lock,
      { runId: "now", timeoutMs: 1000, env: {}, clock: systemClock },
      async () => "ran",
    ).catch((e: unknown) => e);
    // Bounded by its deadline (1 s), with room for a busy machine; it used to spin for ever.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toBe(
      `could not take over the stale lock ${lock}: a takeover by another run (${lock}.takeover) did not finish`,
    );
    expect((error as StepError).hint).toContain(`remove ${lock}.takeover`);
  });

  it("a guard recording its owner's identity is stale as soon as that pid is someone else: taken over at once", async () => {
    const lock = join(dir(), "dev-bootstrap.lock");
    writeFileSync(lock, holderFile(await deadPid(), "stale"));
    writeFileSync(
      `${lock}.takeover`,
      JSON.stringify({ pid: unrelated(), started: "another-boot:12345" }),
    );
    let waited = false;
    const ran = await withLock(
      lock,
      { runId: "now", timeoutMs: 5000, env: {}, clock: systemClock, onWait: () => (waited = true) },
      async () => JSON.parse(readFileSync(lock, "utf8")).runId as string,
    );
    expect(ran).toBe("now");
    expect(waited).toBe(false);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(`${lock}.takeover`)).toBe(false);
  });

  it("'held by' says when the holder could not be read", async () => {
    const lock = join(dir(), "dev-bootstrap.lock");
    writeFileSync(lock, "not json"); // just written: not yet old enough to be stale
    const error = await withLock(
      lock,
      { runId: "now", timeoutMs: 300, env: {}, clock: systemClock },
      async () => "ran",
    ).catch((e: unknown) => e);
    expect((error as StepError).message).toBe(
      `another run holds the lock ${lock} (its holder could not be read: the file does not name a run)`,
    );
  });
});

describe("tilt.pid", () => {
  it("a pid reused by an unrelated process does not count as a running Tilt", () => {
    const ports = { fs: nodeFs, proc: processPort(process.env) };
    const pidFile = join(dir(), "tilt.pid");
    writeFileSync(pidFile, "1");
    writeFileSync(`${pidFile}.start`, "another-boot:12345");
    expect(tiltRunning(ports, pidFile)).toBeUndefined();
    writeFileSync(pidFile, String(process.pid));
    writeFileSync(`${pidFile}.start`, processIdentity(process.pid)!);
    expect(tiltRunning(ports, pidFile)).toBe(process.pid);
  });
});
