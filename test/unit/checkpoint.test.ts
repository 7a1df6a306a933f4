import { describe, expect, it } from "vitest";
import {
  formatDuration,
  isCheckpoint,
  renderCheckpointLine,
  renderNoteLine,
  shouldColour,
} from "../../src/core/checkpoint.js";

describe("renderCheckpointLine", () => {
  it("prefixes the step and shows the duration, without colour", () => {
    expect(
      renderCheckpointLine(
        {
          step: "infra:42-db-migrations",
          status: "ok",
          message: "db-migrations Flyway secret ensured",
          durationMs: 41,
        },
        { colour: false },
      ),
    ).toBe("[infra:42-db-migrations] ✔ db-migrations Flyway secret ensured (41 ms)");
  });

  it("shows the hint on the same line for failures", () => {
    const line = renderCheckpointLine(
      {
        step: "vault",
        status: "fail",
        message: "Vault sealed at http://v:8200",
        durationMs: 1500,
        hint: "unseal it",
      },
      { colour: false },
    );
    expect(line).toBe("[vault] ✖ Vault sealed at http://v:8200 (1.5 s) — hint: unseal it");
    expect(line.split("\n")).toHaveLength(1);
  });

  it("keeps multi-line messages on one line", () => {
    const line = renderCheckpointLine(
      { step: "s", status: "warn", message: "a\nb" },
      { colour: false },
    );
    expect(line).toBe("[s] ⚠ a ⏎ b");
  });

  it("uses ANSI colour only when asked", () => {
    const line = renderCheckpointLine({ step: "s", status: "ok", message: "m" }, { colour: true });
    expect(line).toContain("\u001b[32m");
    expect(
      renderCheckpointLine({ step: "s", status: "ok", message: "m" }, { colour: false }),
    ).not.toContain("\u001b");
  });

  it("decides colour from NO_COLOR and the TTY", () => {
    expect(shouldColour({}, true)).toBe(true);
    expect(shouldColour({}, false)).toBe(false);
    expect(shouldColour({ NO_COLOR: "1" }, true)).toBe(false);
    expect(shouldColour({}, undefined)).toBe(false);
  });

  it.each([
    // [env, on a terminal?, colour?]
    [{ NO_COLOR: "" }, true, true], // no-color.org: an empty NO_COLOR is unset
    [{ NO_COLOR: "0" }, true, false], // any other value, "0" included, turns colour off
    [{ TERM: "dumb" }, true, false],
    [{ TERM: "xterm-256color" }, true, true],
    [{ FORCE_COLOR: "0" }, true, false], // Node: a value other than 1/2/3/true/"" turns it off
    [{ FORCE_COLOR: "false" }, true, false],
    [{ FORCE_COLOR: "no" }, true, false],
    [{ FORCE_COLOR: "1" }, false, true], // forced on off a terminal (Tilt's pane, CI logs)
    [{ FORCE_COLOR: "" }, false, true],
    [{ FORCE_COLOR: "true" }, false, true],
    [{ FORCE_COLOR: "3" }, false, true],
    [{ FORCE_COLOR: "1", TERM: "dumb" }, false, true],
    [{ FORCE_COLOR: "1", NO_COLOR: "1" }, true, false], // NO_COLOR always wins
  ] as const)("%j on a terminal: %s → colour %s", (env, isTTY, expected) => {
    expect(shouldColour(env, isTTY)).toBe(expected);
  });

  it("formats durations for people", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(999)).toBe("999 ms");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(125_000)).toBe("2m 05s");
  });
});

describe("checkpoint lines at their edges", () => {
  it("durations switch unit at 1 s and at 1 min", () => {
    expect(formatDuration(999)).toBe("999 ms");
    expect(formatDuration(1000)).toBe("1.0 s");
    expect(formatDuration(59_999)).toBe("60.0 s");
    expect(formatDuration(60_000)).toBe("1m 00s");
    expect(formatDuration(125_400)).toBe("2m 05s");
  });

  it("a hint shows on fail and warn lines only", () => {
    const line = (status: "ok" | "fail" | "warn" | "start" | "skip") =>
      renderCheckpointLine({ step: "s", status, message: "m", hint: "do x" }, { colour: false });
    expect(line("fail")).toBe("[s] ✖ m — hint: do x");
    expect(line("warn")).toMatch(/ m — hint: do x$/);
    for (const status of ["ok", "start", "skip"] as const)
      expect(line(status)).not.toContain("hint");
  });

  it("a note line is indented under its step, dimmed in colour, escaped", () => {
    expect(renderNoteLine("vault:seed", "re-reading\u001b[2J", { colour: false })).toBe(
      "[vault:seed]   re-reading\\x1b[2J",
    );
    expect(renderNoteLine("s", "m", { colour: true })).toBe("\u001b[2m[s]\u001b[0m   m");
  });

  it("isCheckpoint: a journal line with run id, step, message and a known status", () => {
    const cp = { runId: "r", step: "s", message: "m", status: "ok" };
    expect(isCheckpoint(cp)).toBe(true);
    for (const key of ["runId", "step", "message", "status"] as const) {
      expect(isCheckpoint({ ...cp, [key]: undefined }), `without ${key}`).toBe(false);
      expect(isCheckpoint({ ...cp, [key]: 1 }), `${key} not a string`).toBe(false);
    }
    expect(isCheckpoint({ ...cp, status: "done" })).toBe(false);
    for (const value of [null, undefined, "line", 42]) expect(isCheckpoint(value)).toBe(false);
  });
});
