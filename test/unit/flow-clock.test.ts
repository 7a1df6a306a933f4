/**
 * Flows tell time only through the Host's clock. A flow that reads the system's
 * time, sets a Node timer or sleeps with core/retry's `sleep` runs on real time
 * even where a test (or the sandbox) passes a clock: its waits cannot be
 * recorded, its timers cannot be driven, and a run that should take no time waits.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const FLOWS = join(REPO, "src", "flows");
const ADAPTERS = join(REPO, "src", "adapters");

/** Each place in `text` that uses real time rather than a clock handed in, with its line. */
function realTime(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const at = (node: ts.Node, what: string) =>
    found.push(`${what} (line ${source.getLineAndCharacterOfPosition(node.getStart()).line + 1})`);
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "Date" &&
      node.name.text === "now"
    )
      at(node, "Date.now");
    else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "Date" &&
      (node.arguments?.length ?? 0) === 0
    )
      at(node, "new Date()");
    else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      ["setTimeout", "setInterval", "clearTimeout", "clearInterval"].includes(node.expression.text)
    )
      at(node, node.expression.text);
    else if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text.endsWith("/core/retry.js") &&
      node.importClause?.namedBindings &&
      ts.isNamedImports(node.importClause.namedBindings) &&
      node.importClause.namedBindings.elements.some((e) => e.name.text === "sleep")
    )
      at(node, "sleep from core/retry");
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("flows tell time only through the Host's clock", () => {
  const files = readdirSync(FLOWS).filter((f) => f.endsWith(".ts"));

  it.each(files)("%s", (name) => {
    expect(realTime(name, readFileSync(join(FLOWS, name), "utf8"))).toEqual([]);
  });

  it("the check sees each way to real time, and not the clock's own", () => {
    const text = [
      'import { backoffDelay, sleep } from "../core/retry.js";',
      "const now = options.now ?? Date.now;",
      "const stamp = new Date();",
      "const t = setTimeout(run, 20);",
      "await (options.sleep ?? sleep)(100);",
      "const fine = [host.clock.now(), new Date(host.clock.now()), host.clock.after(5, run)];",
    ].join("\n");
    expect(realTime("x.ts", text)).toEqual([
      "sleep from core/retry (line 1)",
      "Date.now (line 2)",
      "new Date() (line 3)",
      "setTimeout (line 4)",
    ]);
  });
});

/**
 * Adapters wait and time on the clock they are handed. Where real time is the point,
 * the file says why, and this list names what it may use (test/integration/adapter-clock
 * drives the waits themselves).
 */
const REAL_TIME_ADAPTERS: Record<string, string[]> = {
  // The real clock itself.
  "clock.ts": ["Date.now", "sleep from core/retry", "setTimeout", "clearTimeout"],
  // A limit that holds whatever the garbage collector does, on a socket's real silence.
  "time-limit.ts": ["setTimeout", "clearTimeout"],
  // A child process's time limit and kill grace: the child runs on real time.
  "proc.ts": ["Date.now", "Date.now", "setTimeout", "setTimeout", "clearTimeout", "clearTimeout"],
  "process-tree.ts": Array(9).fill("Date.now").concat(["setTimeout"]),
  // A lock file's age is measured against its mtime, the system's time.
  "lock.ts": ["Date.now"],
};

describe("adapters tell time only through the clock handed in", () => {
  const files = readdirSync(ADAPTERS).filter((f) => f.endsWith(".ts"));

  it.each(files)("%s", (name) => {
    const found = realTime(name, readFileSync(join(ADAPTERS, name), "utf8")).map((w) =>
      w.replace(/ \(line \d+\)$/, ""),
    );
    expect(found.sort()).toEqual([...(REAL_TIME_ADAPTERS[name] ?? [])].sort());
  });
});
