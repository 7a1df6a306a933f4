import { describe, expect, it } from "vitest";
import { runDoneMessage, runStartMessage } from "../../src/core/watch-run.js";

describe("what a watcher run says", () => {
  const start = { retry: 0, attempts: 6, files: [], removed: [], fullRun: false };

  it("names the cause of the run: a retry, saved and deleted files, a config change, the first sync", () => {
    expect(runStartMessage({ ...start, retry: 2, files: ["a.yaml"] })).toBe(
      "retry 2 of 6 after a failed run",
    );
    expect(runStartMessage({ ...start, files: ["a.yaml"], removed: ["b.yaml"] })).toBe(
      "fixtures changed: a.yaml, b.yaml (deleted)",
    );
    expect(runStartMessage({ ...start, fullRun: true })).toBe(
      "config changed: syncing every fixture path",
    );
    expect(runStartMessage(start)).toBe("initial sync of the fixtures");
    expect(runStartMessage({ ...start, files: ["a.yaml"], fullRun: true })).toBe(
      "fixtures changed: a.yaml",
    );
    expect(runStartMessage({ ...start, removed: ["b.yaml"] })).toBe(
      "fixtures changed: b.yaml (deleted)",
    );
  });

  it("counts what was written, not what was compared", () => {
    expect(runDoneMessage(3, ["app/x"], false)).toBe(
      "1 path(s) written: app/x; 2 already up to date in Vault",
    );
    expect(runDoneMessage(2, [], false)).toBe("0 path(s) written; 2 already up to date in Vault");
    expect(runDoneMessage(0, [], true)).toBe(
      "no value changed; the migrations secret was brought up to date",
    );
    expect(runDoneMessage(0, [], false)).toBe("no value changed");
    expect(runDoneMessage(2, ["app/x", "app/y"], false)).toBe("2 path(s) written: app/x, app/y");
  });
});
