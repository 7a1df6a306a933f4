/**
 * FAULTS 27 and 46: a child's time limit holds however the child behaves, and no
 * process it started survives the run — through the built entry point, with stand-in
 * tools written as shell scripts that ignore SIGTERM, detach with `setsid` (with and
 * without their environment), keep the output pipe open, or exit 0 leaving jobs behind.
 *
 * The test finds what survived by a mark of its own, not the implementation's: a
 * variable in the CLI's environment that everything it starts inherits. (A process
 * that clears its environment is followed by the pid its script wrote down.)
 * Such a process is found by the output pipe it holds, which the runner reads from
 * the child's descriptors: the test keeps that child alive (the time-limit case),
 * since one that exits within a millisecond of starting shows no descriptors.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { killLeftBehind, MARK_VAR, marked as markedBy, newMark } from "../helpers/marked.js";
import { spawnCli } from "../helpers/spawned.js";
import { alive } from "../helpers/standin.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

const TIMEOUT_S = 3;
/** SIGTERM to SIGKILL: the runner's default grace period. */
const GRACE_S = 5;
/** Generous room for a node start and a busy machine; a hang is unbounded. */
const SLACK_S = 12;
/** A hung run is killed here, inside the test's own 30 s, so it fails on its assertions. */
const RUN_LIMIT_MS = 25_000;

let ws: Workspace;
let bin: string;
let mark: string;

const config = `helm:
  layers:
    "42":
      helmfile: helmfile/42-db-migrations.yaml
      before: []
      tests: []
      timeoutSeconds: ${TIMEOUT_S}
`;

function helmfile(script: string): void {
  writeFileSync(join(bin, "helmfile"), `#!/bin/sh\n${script}`);
  chmodSync(join(bin, "helmfile"), 0o755);
}

const env = () => cleanEnv({ PATH: `${bin}:/usr/bin:/bin`, [MARK_VAR]: mark });

const marked = () => markedBy(mark);

/** Pids the stand-in wrote down (processes that cleared their environment). */
function recordedPids(): number[] {
  return readdirSync(bin)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => Number(readFileSync(join(bin, f), "utf8")));
}

beforeEach(() => {
  ws = makeWorkspace({ "dev-bootstrap.yaml": config, "helmfile/42-db-migrations.yaml": "" });
  bin = mkdtempSync(join(tmpdir(), "child-tree-"));
  mark = newMark();
});

afterEach(() => killLeftBehind(mark, recordedPids()));

describe("run-helm-layer stops a child's whole tree (FAULTS 27, 46)", () => {
  it("a helmfile that ignores SIGTERM while setsid grandchildren (one with its environment cleared) keep its output open ends at its time limit, and nothing it started survives", async () => {
    helmfile(`trap '' TERM
setsid sleep 300 &
env -i setsid sleep 300 &
echo $! > "${bin}/detached.pid"
sleep 300 &
echo started
sleep 300
`);
    const started = Date.now();
    const r = await runCli(["run-helm-layer", "42"], {
      cwd: ws.dir,
      env: env(),
      timeoutMs: RUN_LIMIT_MS,
    });
    const elapsedS = (Date.now() - started) / 1000;
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(
      /\[layer:42:helmfile\] ✖ helmfile did not finish within 3 s; it and its children were stopped/,
    );
    expect(elapsedS).toBeLessThan(TIMEOUT_S + GRACE_S + SLACK_S);
    expect(marked()).toEqual([]);
    const detached = recordedPids();
    expect(detached).toHaveLength(1);
    expect(alive(detached[0]!)).toBe(false);
  });

  it("a helmfile that exits 0 leaving background jobs (one in a new session, holding the output) passes with a warning naming them; none survives", async () => {
    helmfile(`sleep 300 >/dev/null 2>&1 &
setsid sleep 300 &
echo synced
exit 0
`);
    const started = Date.now();
    const r = await runCli(["run-helm-layer", "42"], {
      cwd: ws.dir,
      env: env(),
      timeoutMs: RUN_LIMIT_MS,
    });
    const elapsedS = (Date.now() - started) / 1000;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("[layer:42:helmfile] synced");
    expect(r.stdout, r.stdout).toMatch(
      /\[layer:42:helmfile\] ⚠ helmfile sync for layer 42 done; it left 2 processes running \([^)]+\); they were stopped/,
    );
    // Not the time limit: the run ended when the child did (plus the stop).
    expect(elapsedS).toBeLessThan(TIMEOUT_S + SLACK_S);
    expect(marked()).toEqual([]);
  });

  it("a helmfile that exits 0 with nothing left behind is a plain success", async () => {
    helmfile("echo synced\n");
    const r = await runCli(["run-helm-layer", "42"], { cwd: ws.dir, env: env() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[layer:42:helmfile\] ✔ helmfile sync for layer 42 done/);
  });

  it("SIGTERM to the run while a TERM-ignoring helmfile holds a setsid grandchild: exit 143 within the interrupt bound, nothing survives", async () => {
    helmfile(`trap '' TERM
setsid sleep 300 &
echo started
sleep 300
`);
    const run = spawnCli(["run-helm-layer", "42"], { cwd: ws.dir, env: env() });
    await run.waitFor(/\[layer:42:helmfile\] started/);
    const signalled = Date.now();
    run.child.kill("SIGTERM");
    const code = await run.exited;
    const elapsedS = (Date.now() - signalled) / 1000;
    expect(code, run.output()).toBe(143);
    // The run's own bound is 2 s (FAULTS 37); room for a busy machine.
    expect(elapsedS).toBeLessThan(2 + 5);
    expect(marked()).toEqual([]);
  });
});
