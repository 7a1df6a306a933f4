/**
 * run-helm-layer in-process: our own steps first, then `helmfile sync`, then each
 * `helm test` gate, with a process port that answers as the tools would (exit code,
 * output lines, a time-out, processes left behind). What a user relies on: the
 * tools' exact argv and time limit, their output streamed under the step's prefix
 * and masked, a failed phase skipping the later ones with a reason, the exit code
 * and a masked tail of the output on failure (FAULTS 26), a hung child reported as
 * stopped (FAULTS 27), and helm's log race after a passing test taken as a warning.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunToolResult } from "../../src/adapters/proc.js";
import { createHost, systemClock } from "../../src/cli/host.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { StepError } from "../../src/core/errors.js";
import { LEFTOVER_HINT } from "../../src/core/leftovers.js";
import { SecretMasker } from "../../src/core/mask.js";
import { runHelmLayer } from "../../src/flows/helm-layer.js";
import type { Clock, Host, ProcPort } from "../../src/flows/host.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { virtualClock } from "../helpers/clock.js";
import { captureLog, partialHost } from "../helpers/flow-run.js";
import { finishedRun } from "../helpers/tool-run.js";
import { DB_URL_FIXTURES, makeWorkspace } from "../helpers/workspace.js";

type Call = Parameters<ProcPort["run"]>[0];
interface Answer extends Partial<RunToolResult> {
  /** Lines the tool prints (streamed, and kept as the tail). */
  lines?: string[];
}

/** A process port that answers each tool from `plan` (a list: one answer per call). */
function scriptedProc(plan: Record<string, Answer[]> = {}) {
  const calls: Call[] = [];
  const run: ProcPort["run"] = async (options) => {
    calls.push(options);
    const answer = plan[options.tool]?.shift() ?? {};
    return finishedRun(options, answer.lines, answer);
  };
  return { calls, proc: { run } as ProcPort };
}

const LAYERS = `helm:
  layers:
    "42":
      helmfile: helmfile/42-db-migrations.yaml
      before: []
      tests: [db-migrations, agents-db]
      timeoutSeconds: 30
`;

/** One run of a layer with the process port given; the Host has no Vault or cluster. */
async function runLayer(
  layer: string,
  plan: Record<string, Answer[]> = {},
  options: { config?: string; secret?: string; skipBefore?: boolean } = {},
) {
  const ws = makeWorkspace({ "dev-bootstrap.yaml": options.config ?? LAYERS });
  const resolved = resolveConfig({ cwd: ws.dir, env: {} });
  const clock = virtualClock();
  const { calls, proc } = scriptedProc(plan);
  const host = partialHost({ clock, proc });
  if (options.secret) host.masker.register(options.secret);
  const capture = captureLog({ command: "run-helm-layer", clock, masker: host.masker });
  let stdout = "";
  let error: unknown;
  try {
    await runHelmLayer(host, resolved, capture.log, {
      layer,
      stdout: { write: (text: string) => (stdout += text) },
      ...(options.skipBefore ? { skipBefore: true } : {}),
    });
  } catch (e) {
    error = e;
  }
  const lines = capture
    .records()
    .filter((r) => r.status !== undefined)
    .map((r) => `${r.step} ${r.status} ${r.message}`);
  return { ws, calls, stdout, error, lines, capture };
}

describe("run-helm-layer's children", () => {
  it("runs helmfile sync, then each helm test, with their argv, directory and time limit", async () => {
    const r = await runLayer("42");
    expect(r.error).toBeUndefined();
    expect(r.calls.map((c) => [c.tool, c.args, c.cwd, c.timeoutMs])).toEqual([
      [
        "helmfile",
        ["--file", `${r.ws.dir}/helmfile/42-db-migrations.yaml`, "--environment", "local", "sync"],
        r.ws.dir,
        30_000,
      ],
      [
        "helm",
        ["test", "db-migrations", "--namespace", "ameide", "--logs", "--timeout", "30s"],
        r.ws.dir,
        30_000,
      ],
      [
        "helm",
        ["test", "agents-db", "--namespace", "ameide", "--logs", "--timeout", "30s"],
        r.ws.dir,
        30_000,
      ],
    ]);
    expect(r.lines).toEqual([
      `layer:42:helmfile start helmfile --file ${r.ws.dir}/helmfile/42-db-migrations.yaml --environment local sync`,
      "layer:42:helmfile ok helmfile sync for layer 42 done",
      "layer:42:test:db-migrations start helm test db-migrations --namespace ameide --logs --timeout 30s",
      "layer:42:test:db-migrations ok helm test db-migrations passed",
      "layer:42:test:agents-db start helm test agents-db --namespace ameide --logs --timeout 30s",
      "layer:42:test:agents-db ok helm test agents-db passed",
    ]);
  });

  it("streams each child's lines under its step, masked", async () => {
    const r = await runLayer(
      "42",
      {
        helmfile: [{ lines: ["Upgrading release=db-migrations", "password=s3cr3t-value"] }],
        helm: [{ lines: ["Phase: Succeeded"] }],
      },
      { secret: "s3cr3t-value" },
    );
    expect(r.stdout).toBe(
      [
        "[layer:42:helmfile] Upgrading release=db-migrations",
        "[layer:42:helmfile] password=***",
        "[layer:42:test:db-migrations] Phase: Succeeded",
        "",
      ].join("\n"),
    );
  });

  it("a failed helmfile sync names its exit code and the masked last lines, and skips the tests (FAULTS 26)", async () => {
    const output = ["one", "two", "three", "four", "five", "six: s3cr3t-value"];
    const r = await runLayer(
      "42",
      { helmfile: [{ exitCode: 3, lines: output }] },
      { secret: "s3cr3t-value" },
    );
    expect(r.error).toBeInstanceOf(StepError);
    const fail = r.capture.checkpoint("layer:42:helmfile", "fail")!;
    expect(fail.message).toBe(
      "helmfile sync for layer 42 exited 3: two | three | four | five | six: ***",
    );
    expect(fail.hint).toBe("fix the release, then rerun 'dev-bootstrap run-helm-layer 42'");
    expect(r.lines.slice(-2)).toEqual([
      "layer:42:test:db-migrations skip skipped: layer:42:helmfile failed",
      "layer:42:test:agents-db skip skipped: layer:42:helmfile failed",
    ]);
    expect(r.calls.map((c) => c.tool)).toEqual(["helmfile"]);
    expect(r.capture.text()).not.toContain("s3cr3t-value");
  });

  it("a child ended by a signal is reported with the signal, and one that printed nothing says so", async () => {
    const r = await runLayer("42", { helmfile: [{ exitCode: undefined, signal: "SIGKILL" }] });
    expect(r.capture.checkpoint("layer:42:helmfile", "fail")!.message).toBe(
      "helmfile sync for layer 42 exited SIGKILL: (no output)",
    );
    const t = await runLayer("42", { helm: [{ exitCode: undefined, signal: "SIGTERM" }] });
    expect(t.capture.checkpoint("layer:42:test:db-migrations", "fail")!.message).toBe(
      "helm test db-migrations failed (exit SIGTERM): (no output)",
    );
  });

  it("a child past its time limit is reported as stopped, with the setting to raise (FAULTS 27)", async () => {
    const r = await runLayer("42", {
      helmfile: [{ timedOut: true, exitCode: undefined, signal: "SIGKILL" }],
    });
    const fail = r.capture.checkpoint("layer:42:helmfile", "fail")!;
    expect(fail.message).toBe(
      "helmfile did not finish within 30 s; it and its children were stopped",
    );
    expect(fail.hint).toBe("raise helm.layers.42.timeoutSeconds, or look for a stuck hook");
    expect(r.calls).toHaveLength(1);

    const t = await runLayer("42", { helm: [{ timedOut: true, exitCode: undefined }] });
    expect(t.capture.checkpoint("layer:42:test:db-migrations", "fail")!.message).toBe(
      "helm did not finish within 30 s; it and its children were stopped",
    );
    expect(t.lines.at(-1)).toBe(
      "layer:42:test:agents-db skip skipped: layer:42:test:db-migrations failed",
    );
  });

  it("processes a child left running are named in a warning; the layer goes on", async () => {
    const r = await runLayer("42", {
      helmfile: [{ leftovers: ["sleep"] }],
      helm: [{ leftovers: ["kubectl", "kubectl"] }, {}],
    });
    expect(r.error).toBeUndefined();
    const helmfile = r.capture.checkpoint("layer:42:helmfile", "warn")!;
    expect(helmfile.message).toBe(
      "helmfile sync for layer 42 done; it left 1 process running (sleep); it was stopped",
    );
    expect(helmfile.hint).toBe(LEFTOVER_HINT);
    const test = r.capture.checkpoint("layer:42:test:db-migrations", "warn")!;
    expect(test.message).toBe(
      "helm test db-migrations passed; it left 2 processes running (kubectl); they were stopped",
    );
    expect(test.hint).toBe(LEFTOVER_HINT);
    expect(r.lines.at(-1)).toBe("layer:42:test:agents-db ok helm test agents-db passed");
  });

  it("a failed helm test fails the layer with its exit code, its tail and where to look", async () => {
    const r = await runLayer("42", {
      helm: [{ exitCode: 1, lines: ["Phase: Failed"], leftovers: ["sleep"] }],
    });
    expect(r.error).toBeInstanceOf(StepError);
    const fail = r.capture.checkpoint("layer:42:test:db-migrations", "fail")!;
    expect(fail.message).toBe("helm test db-migrations failed (exit 1): Phase: Failed");
    expect(fail.hint).toBe(
      "inspect: kubectl -n ameide get pods -l helm.sh/chart; rerun 'dev-bootstrap run-helm-layer 42'",
    );
    expect(r.lines.at(-1)).toBe(
      "layer:42:test:agents-db skip skipped: layer:42:test:db-migrations failed",
    );
  });
});

/**
 * helm (pkg/action/release_testing.go, GetPodLogs) fetches each test pod's log after
 * the suite and fails with "unable to get pod logs for <pod>: …" when the pod is
 * gone (a hook-delete-policy of hook-succeeded deletes it as soon as it passed).
 */
describe("helm's pod-log race after a passing test", () => {
  const raced = (...lines: string[]) =>
    runLayer("42", { helm: [{ exitCode: 1, lines }] }).then((r) => ({
      warn: r.capture.checkpoint("layer:42:test:db-migrations", "warn"),
      fail: r.capture.checkpoint("layer:42:test:db-migrations", "fail"),
      r,
    }));

  it.each([
    'Error: unable to get pod logs for db-migrations-validate: pods "db-migrations-validate" not found',
    "Error: error getting logs for pod db-migrations-validate",
    'Error: pods "db-migrations-validate" not found',
    'Error: pod "db-migrations-validate" not found',
    "Error: container validate not found in pod db-migrations-validate",
    "Error: UNABLE TO GET POD LOGS",
  ])("is a warning when every test passed: %s", async (error) => {
    const { warn, fail, r } = await raced(
      "TEST SUITE:     db-migrations-validate",
      "Phase:          Succeeded",
      error,
    );
    expect(fail).toBeUndefined();
    expect(warn).toMatchObject({
      message:
        "helm test db-migrations passed; its pod's log was already gone (a known benign race)",
      hint: "nothing to do; 'helm test' itself succeeded",
    });
    expect(r.error).toBeUndefined();
  });

  it("is a failure when a test failed too, when none is known to have passed, or when the error is another", async () => {
    const gone = 'Error: unable to get pod logs for x: pods "x" not found';
    for (const output of [
      ["Phase:          Succeeded", "Phase:          Failed", gone],
      ["Phase:          Running", gone],
      [gone],
      ["Phase:          Succeeded", "Error: timed out waiting for the condition"],
      ["Phase:          Succeeded", 'Error: pods "" not found'],
      // "container" and "not found" on different lines are two unrelated messages.
      ["Phase:          Succeeded", "Error: container validate terminated", 'secret "x" not found'],
    ]) {
      const { warn, fail } = await raced(...output);
      expect(warn, output.join(" / ")).toBeUndefined();
      expect(fail?.message, output.join(" / ")).toMatch(
        /^helm test db-migrations failed \(exit 1\)/,
      );
    }
  });
});

describe("layers and the steps before them", () => {
  it("an unknown layer names the ones there are", async () => {
    const r = await runLayer("99");
    expect(r.error).toBeInstanceOf(StepError);
    expect((r.error as StepError).message).toBe("no layer 99 in helm.layers (have: 15, 42)");
    expect((r.error as StepError).hint).toBe("add it to dev-bootstrap.yaml under helm.layers");
    expect(r.calls).toEqual([]);
  });

  it("a layer without tests runs helmfile only; skipBefore leaves out its own steps", async () => {
    // Layer 15 seeds Vault first: the Host here has no Vault, so skipBefore must skip it.
    const r = await runLayer("15", {}, { config: "{}\n", skipBefore: true });
    expect(r.error).toBeUndefined();
    expect(r.calls.map((c) => [c.tool, c.args.at(-1), c.timeoutMs])).toEqual([
      ["helmfile", "sync", 900_000],
    ]);
    expect(r.lines.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
      "layer:15:helmfile start",
      "layer:15:helmfile ok",
    ]);
  });
});

describe("the steps before helmfile, against the stand-ins", () => {
  let world: World;
  afterEach(async () => world?.stop());

  async function runWithWorld(before: string[], clock: Clock, prepare?: (world: World) => void) {
    world = await startWorld();
    world.eso.delayMs = 0;
    prepare?.(world);
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": `vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 30\nhelm:\n  layers:\n    "7":\n      helmfile: helmfile/7.yaml\n      before: [${before.join(", ")}]\n      tests: [t]\n`,
      "vault/fixtures/db.yaml": DB_URL_FIXTURES,
    });
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...world.env };
    const resolved = resolveConfig({ cwd: ws.dir, env });
    const masker = new SecretMasker();
    const { calls, proc } = scriptedProc();
    const host: Host = { ...createHost({ resolved, masker, env, clock }), proc };
    const capture = captureLog({ command: "run-helm-layer", clock, masker });
    let error: unknown;
    await runHelmLayer(host, resolved, capture.log, {
      layer: "7",
      stdout: { write: () => true },
    }).catch((e: unknown) => {
      error = e;
    });
    const lines = capture
      .records()
      .filter((r) => r.status === "skip" || r.status === "ok" || r.status === "fail")
      .map((r) => `${r.step} ${r.status}${r.status === "skip" ? ` ${r.message}` : ""}`);
    return { calls, error, lines, capture };
  }

  it("seeds Vault, then builds the migrations secret, then syncs", async () => {
    const r = await runWithWorld(
      ["ensure-local-secrets", "bootstrap-db-migrations-secret"],
      systemClock,
    );
    expect(r.error).toBeUndefined();
    expect(world.vault.read("secret", "platform/db")?.DB_USERNAME).toBe("platform");
    expect(world.kube.secretData("ameide", "db-migrations-local")?.FLYWAY_USER).toBe("platform");
    const order = r.lines.filter((l) =>
      /^(vault:seed|db-migrations-secret|layer:7:helmfile|layer:7:test:t) ok/.test(l),
    );
    expect(order).toEqual([
      "vault:seed ok",
      "db-migrations-secret ok",
      "layer:7:helmfile ok",
      "layer:7:test:t ok",
    ]);
  });

  it("a seed that fails skips the bootstrap, helmfile and the tests, each saying why", async () => {
    const r = await runWithWorld(
      ["ensure-local-secrets", "bootstrap-db-migrations-secret"],
      virtualClock(),
      (w) => {
        w.vault.faults.sealed = true;
      },
    );
    expect(r.error).toBeDefined();
    const failed = r.lines.find((l) => l.endsWith(" fail"))!.split(" ")[0];
    expect(r.lines.filter((l) => l.includes(" skip "))).toEqual([
      `db-migrations-secret skip skipped: ${failed} failed`,
      `layer:7:helmfile skip skipped: ${failed} failed`,
      `layer:7:test:t skip skipped: ${failed} failed`,
    ]);
    expect(r.calls).toEqual([]);
    expect(world.kube.secretData("ameide", "db-migrations-local")).toBeUndefined();
  });

  it("a bootstrap that fails first skips the seed after it", async () => {
    const r = await runWithWorld(
      ["bootstrap-db-migrations-secret", "ensure-local-secrets"],
      virtualClock(),
      (w) => {
        w.kube.deny.push({ verb: "get", resource: "secrets", namespace: "ameide" });
      },
    );
    expect(r.error).toBeDefined();
    const failed = r.lines.find((l) => l.endsWith(" fail"))!.split(" ")[0];
    expect(r.lines.filter((l) => l.includes(" skip "))[0]).toBe(
      `vault:seed skip skipped: ${failed} failed`,
    );
    // The seed never ran: Vault holds nothing.
    expect(world.vault.read("secret", "platform/db")).toBeUndefined();
    expect(r.calls).toEqual([]);
  });
});
