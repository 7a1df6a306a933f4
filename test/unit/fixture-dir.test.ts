/** FAULTS.md 41: only regular files are read from the fixture directory. */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";
import { InputError } from "../../src/core/errors.js";
import { readFixtureSources } from "../../src/flows/fixtures.js";
import { makeWorkspace } from "../helpers/workspace.js";

const GOOD = "paths:\n  app/x:\n    A: b\n";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("the fixture directory", () => {
  it("a named pipe called x.yaml is refused at once, never opened", () => {
    const ws = makeWorkspace({ "vault/fixtures/a.yaml": GOOD });
    execFileSync("mkfifo", [join(ws.dir, "vault/fixtures/x.yaml")]);
    // Opening a FIFO with no writer blocks forever: reaching the assertion proves it was not opened.
    const problems = problemsOf(() =>
      readFixtureSources(join(ws.dir, "vault/fixtures"), ws.dir, nodeFs),
    );
    expect(problems).toEqual([
      "vault/fixtures/x.yaml: not a regular file (a named pipe); fixtures must be plain files",
    ]);
  });

  it("a directory named *.yaml gets a clear error", () => {
    const ws = makeWorkspace({ "vault/fixtures/a.yaml": GOOD });
    mkdirSync(join(ws.dir, "vault/fixtures/more.yaml"));
    const problems = problemsOf(() =>
      readFixtureSources(join(ws.dir, "vault/fixtures"), ws.dir, nodeFs),
    );
    expect(problems).toEqual([
      "vault/fixtures/more.yaml: not a regular file (a directory); fixtures must be plain files",
    ]);
  });

  it("a symlink to a regular file is read", () => {
    const ws = makeWorkspace({
      "vault/fixtures/a.yaml": GOOD,
      "elsewhere/b.yaml": GOOD.replace("app/x", "app/y"),
    });
    execFileSync("ln", [
      "-s",
      join(ws.dir, "elsewhere/b.yaml"),
      join(ws.dir, "vault/fixtures/b.yaml"),
    ]);
    const sources = readFixtureSources(join(ws.dir, "vault/fixtures"), ws.dir, nodeFs);
    expect(sources.map((s) => s.file)).toEqual(["vault/fixtures/a.yaml", "vault/fixtures/b.yaml"]);
  });
});
