/**
 * No import cycle inside src, `import type` included. A type cycle costs nothing
 * at run time, but it is two modules that each need the other to be read: the
 * shared shape belongs in the lower one (or a small types module), so that each
 * floor can be understood, tested and moved without the one above it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const SRC = join(REPO, "src");

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every source file `file` names in an import, a re-export or an `import("…")` — types too. */
function sourceImports(file: string, text = readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    } else if (
      // `typeof import("./x.js")` and `import("./x.js").T` in a type position.
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      specifiers.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers
    .filter((s) => s.startsWith("."))
    .map((s) => join(dirname(file), s).replace(/\.js$/, ".ts"));
}

/**
 * The cycles of a graph, one per strongly connected component of more than one
 * module (or a module importing itself), each shown as one closed path through it.
 */
function importCycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iterative: src is deep enough to make recursion a risk.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; edge: number }> = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!;
        if (!graph.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => closedPath(graph, new Set(component)));
}

/** A shortest path from the component's first module (by name) back to itself. */
function closedPath(graph: Map<string, string[]>, members: Set<string>): string[] {
  const start = [...members].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (previous.has(to)) continue;
      previous.set(to, node);
      queue.push(to);
    }
  }
  return [start, start];
}

describe("src has no import cycle (type-only imports count)", () => {
  const files = sourcesUnder(SRC);
  const graph = new Map(files.map((f) => [f, sourceImports(f)]));

  it("reads the whole tree", () => {
    expect(files.length).toBeGreaterThan(100);
    // A type-only import is an edge: host.ts names the ports' types and nothing else from there.
    expect(graph.get(join(SRC, "flows", "host.ts"))).toContain(join(SRC, "adapters", "ports.ts"));
  });

  it("finds none", () => {
    const shown = importCycles(graph).map((cycle) =>
      cycle.map((f) => relative(SRC, f)).join(" → "),
    );
    expect(shown, "import cycles inside src").toEqual([]);
  });
});

describe("the cycle finder itself", () => {
  const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

  it("finds a two-module cycle made of type-only imports", () => {
    const a = join(SRC, "a.ts");
    const text = 'import type { B } from "./b.js";\nexport type A = B;\n';
    expect(sourceImports(a, text)).toEqual([join(SRC, "b.ts")]);
    expect(importCycles(g({ a: ["b"], b: ["a"] }))).toEqual([["a", "b", "a"]]);
  });

  it('sees `import("…")` in a type position and a re-export', () => {
    const a = join(SRC, "a.ts");
    const text =
      'export { x } from "./c.js";\nexport type T = typeof import("./d.js");\nconst m = () => import("./e.js");\n';
    expect(sourceImports(a, text)).toEqual(["c.ts", "d.ts", "e.ts"].map((name) => join(SRC, name)));
  });

  it("finds a longer cycle and a self-import, and no cycle in a chain or a diamond", () => {
    expect(importCycles(g({ a: ["b"], b: ["c"], c: ["a"], d: ["d"] }))).toEqual([
      ["a", "b", "c", "a"],
      ["d", "d"],
    ]);
    expect(importCycles(g({ a: ["b", "c"], b: ["d"], c: ["d"], d: [] }))).toEqual([]);
  });
});
