/**
 * A failure is reported once: one fail checkpoint, under the step it ended, and one
 * error line — which, in human format, the fail line is. Neither the step, the
 * pipeline around it nor the CLI repeats it, whichever of them saw it first.
 */
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type HungCluster,
  type HungServer,
  spawnCli,
  startHungCluster,
} from "../helpers/spawned.js";
import type { Workspace } from "../helpers/workspace.js";

let cluster: HungCluster;
let hung: HungServer;
let ws: Workspace;
beforeEach(async () => {
  cluster = await startHungCluster("vault:\n  readyTimeoutSeconds: 2\n");
  ({ hung, ws } = cluster);
});
afterEach(() => cluster.close());

const env = (extra: Record<string, string> = {}) => cluster.env(extra);

/** The human fail lines (✖) and the JSON fail records in a run's output. */
const failLines = (output: string) =>
  output.split("\n").filter((l) => /^\S+ +✖ /.test(l) || /"status":"fail"/.test(l));
const errorLines = (output: string, command: string) =>
  output.split("\n").filter((l) => l.startsWith(`dev-bootstrap ${command}: error: `));

describe("one failure, one report", () => {
  it.each([
    ["human", []],
    ["json", ["--log-format", "json"]],
  ] as const)("a step that fails (%s): one fail line, one error line", async (format, flags) => {
    ws.write(
      "dev-bootstrap.yaml",
      "vault:\n  readyTimeoutSeconds: 2\nkube:\n  requestTimeoutSeconds: 1\n  requestAttempts: 1\n",
    );
    const run = spawnCli(["bootstrap-db-migrations-secret", ...flags], {
      cwd: ws.dir,
      env: env(),
    });
    expect(await run.exited, run.output()).toBe(1);
    const fails = failLines(run.output());
    expect(fails, run.output()).toHaveLength(1);
    expect(fails[0]).toMatch(/did not answer within 1 s/);
    // In human format the fail line is the error line; in JSON the CLI adds one for people.
    expect(errorLines(run.output(), "bootstrap-db-migrations-secret")).toHaveLength(
      format === "json" ? 1 : 0,
    );
  });

  it.each([
    ["human", []],
    ["json", ["--log-format", "json"]],
  ] as const)("an interrupted step (%s): one fail line, one error line", async (format, flags) => {
    const run = spawnCli(["ensure-local-secrets", ...flags], { cwd: ws.dir, env: env() });
    await hung.connected();
    run.child.kill("SIGINT");
    expect(await run.exited, run.output()).toBe(130);
    const fails = failLines(run.output());
    expect(fails, run.output()).toHaveLength(1);
    expect(fails[0]).toMatch(/interrupted \(SIGINT\)/);
    expect(errorLines(run.output(), "ensure-local-secrets")).toHaveLength(
      format === "json" ? 1 : 0,
    );
  });

  it("the watcher's run that fails outside any step says why, once (not 'at a step above')", async () => {
    const run = spawnCli(["watch-vault-fixtures"], {
      cwd: ws.dir,
      env: env({ KUBECONFIG: join(ws.dir, "no-such-kubeconfig") }),
    });
    await run.waitFor(/\[watch:retry\]/);
    run.child.kill("SIGINT");
    expect(await run.exited, run.output()).toBe(0);
    const fails = failLines(run.output().slice(0, run.output().indexOf("[watch:retry]")));
    expect(fails, run.output()).toHaveLength(1);
    expect(fails[0]).toMatch(
      /^\[watch:fixtures\] ✖ no kubeconfig: .*no-such-kubeconfig.* — hint: point KUBECONFIG at/,
    );
  });
});
