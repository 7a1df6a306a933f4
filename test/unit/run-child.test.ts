import { describe, expect, it } from "vitest";
import { runChild } from "../helpers/run-child.js";

describe("runChild", () => {
  it("gives the child its input and returns its status and both streams", async () => {
    const r = await runChild("sh", ["-c", "cat; echo err >&2; exit 3"], { input: "in\n" });
    expect(r).toEqual({ status: 3, signal: null, stdout: "in\n", stderr: "err\n" });
  });

  it("reports a command that cannot start as spawnSync does: no status, the error", async () => {
    const r = await runChild("/nonexistent/dev-bootstrap-tool", []);
    expect(r.status).toBeNull();
    expect(r.error?.message).toContain("ENOENT");
  });

  it("kills a child that ignores TERM at the limit and names the command", async () => {
    const started = Date.now();
    await expect(
      runChild("sh", ["-c", "trap '' TERM; while :; do sleep 1; done"], {
        timeout: 300,
      }),
    ).rejects.toThrow(/^sh -c trap .* did not finish within 0\.3s and was killed/);
    // Killed, not waited for, and not held by the `sleep` still holding the pipes.
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
