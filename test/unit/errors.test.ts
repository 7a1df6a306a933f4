import { describe, expect, it } from "vitest";
import {
  ConfigError,
  describeError,
  ExitCode,
  FindingsError,
  InputError,
  InterruptedError,
  isBootstrapError,
  StepError,
  throwIfInterrupted,
  UsageError,
} from "../../src/core/errors.js";

describe("the errors a command ends with: message, hint and exit code", () => {
  it("exit codes are the documented ones", () => {
    expect(ExitCode).toEqual({
      ok: 0,
      stepFailed: 1,
      usage: 2,
      missing: 3,
      invalid: 4,
      cannotConnect: 5,
      interrupted: 130,
      terminated: 143,
    });
  });

  it("usage and config errors exit 2 with a default hint; a step failure exits 1", () => {
    const usage = new UsageError("unknown flag --x");
    expect([usage.name, usage.message, usage.exitCode]).toEqual([
      "UsageError",
      "unknown flag --x",
      2,
    ]);
    expect(usage.hint).toBe("run with --help to see the usage");
    const config = new ConfigError("bad value");
    expect([config.name, config.exitCode, config.hint]).toEqual([
      "ConfigError",
      2,
      "fix the value, or remove it to use the default",
    ]);
    expect(new ConfigError("x", "use 5").hint).toBe("use 5");
    const step = new StepError("Vault sealed", "unseal it");
    expect([step.name, step.exitCode, step.hint]).toEqual(["StepError", 1, "unseal it"]);
    expect(new StepError("m", "h", ExitCode.cannotConnect).exitCode).toBe(5);
    expect(isBootstrapError(step)).toBe(true);
    expect(isBootstrapError(new Error("plain"))).toBe(false);
  });

  it("an input error leads with its first problem and counts the others", () => {
    const one = new InputError(["a.yaml:1:1: bad"], "fix it");
    expect(one.message).toBe("a.yaml:1:1: bad");
    expect(one.exitCode).toBe(2);
    const three = new InputError(["first", "second", "third"], "fix them");
    expect(three.message).toBe("first (and 2 more)");
    expect(three.problems).toEqual(["first", "second", "third"]);
    expect(three.exitCode).toBe(2);
    expect(new InputError([], "h").message).toBe("invalid input");
  });

  it("problems found in the cluster fail the step (exit 1), listed like input problems", () => {
    const found = new FindingsError(
      ["secret a missing", "secret b missing"],
      "let ESO deliver them",
    );
    expect([found.name, found.exitCode, found.message]).toEqual([
      "FindingsError",
      1,
      "secret a missing (and 1 more)",
    ]);
    expect(found.problems).toEqual(["secret a missing", "secret b missing"]);
    expect(found).toBeInstanceOf(StepError);
    expect(found).not.toBeInstanceOf(InputError);
  });

  it("an interruption exits 128 + the signal number", () => {
    const int = new InterruptedError("SIGINT");
    expect([int.message, int.exitCode, int.hint]).toEqual([
      "interrupted (SIGINT)",
      130,
      "nothing further was started; rerun when ready",
    ]);
    expect(new InterruptedError("SIGTERM").exitCode).toBe(143);
  });
});

describe("throwIfInterrupted", () => {
  it("does nothing until the signal fires, then throws its reason", () => {
    expect(() => throwIfInterrupted(undefined)).not.toThrow();
    const controller = new AbortController();
    expect(() => throwIfInterrupted(controller.signal)).not.toThrow();
    const reason = new InterruptedError("SIGTERM");
    controller.abort(reason);
    expect(() => throwIfInterrupted(controller.signal)).toThrow(reason);
  });

  it("a reason that is not an Error becomes one", () => {
    const controller = new AbortController();
    controller.abort("bye");
    expect(() => throwIfInterrupted(controller.signal)).toThrow("aborted");
  });
});

describe("describeError", () => {
  it("the first line of anything thrown", () => {
    expect(describeError(new Error("first\nsecond"))).toBe("first");
    expect(describeError("text\nmore")).toBe("text");
    expect(describeError(42)).toBe("42");
  });
});
