/**
 * The layer rule over the whole import graph: `src/core` is pure logic and
 * `src/flows` does its I/O through the Host's ports, so neither may load an I/O
 * module — not directly (Biome's noRestrictedImports checks that) and not through
 * a module it imports (an error class imported from an adapter loads the
 * adapter's client with it). This walks every import a module's code keeps at
 * run time, transitively, and names the chain that reaches an I/O module.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

/**
 * Modules that reach outside the process: files, sockets, child processes, the
 * machine's identity, loading code at run time, and the clients built on them.
 * pino is here because it writes to file descriptors (its transports start worker
 * threads); node:os because what it answers depends on the machine, not the input.
 */
const IO = new Set([
  "node:fs",
  "node:fs/promises",
  "node:http",
  "node:https",
  "node:http2",
  "node:net",
  "node:tls",
  "node:dgram",
  "node:dns",
  "node:dns/promises",
  "node:child_process",
  "node:worker_threads",
  "node:cluster",
  "node:readline",
  "node:os",
  "node:module",
  "node:inspector",
  "node:process",
  "pg",
  "@kubernetes/client-node",
  "execa",
  "cross-spawn",
  "chokidar",
  "pino",
  "node-vault",
]);

/**
 * Modules known to compute only. Every external module the walk meets must be in
 * one list or the other: a new dependency is classified on purpose, not by default.
 */
const PURE = new Set([
  "node:path",
  "node:url",
  "node:util",
  "node:crypto",
  "node:events",
  "node:zlib",
  "node:async_hooks",
  "node:assert",
  "node:buffer",
  "node:string_decoder",
  "yaml",
  "zod",
  "smol-toml",
]);

const SRC = join(REPO, "src");

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/**
 * Specifiers a module loads at run time: static imports and re-exports that are
 * not `import type`/`export type` (with verbatimModuleSyntax, `import { type A }`
 * still loads the module), and `import("…")` with a literal specifier.
 */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      if (ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

type Target = { kind: "source"; path: string } | { kind: "external"; name: string };

function resolve(from: string, specifier: string): Target {
  if (specifier.startsWith(".")) {
    const path = join(dirname(from), specifier).replace(/\.js$/, ".ts");
    return { kind: "source", path };
  }
  if (builtinModules.includes(specifier.replace(/^node:/, "")))
    return {
      kind: "external",
      name: specifier.startsWith("node:") ? specifier : `node:${specifier}`,
    };
  // A package by its name: "pg/lib/client.js" is pg, "zod/mini" is zod.
  const parts = specifier.split("/");
  return {
    kind: "external",
    name: specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!,
  };
}

interface Finding {
  chain: string[];
  module: string;
}

/** Every I/O or unclassified module `entry` reaches, each with one import chain that reaches it. */
function reachedFrom(entry: string): { io: Finding[]; unknown: Finding[] } {
  const io: Finding[] = [];
  const unknown: Finding[] = [];
  const seen = new Set<string>([entry]);
  const queue: Array<{ path: string; chain: string[] }> = [
    { path: entry, chain: [relative(REPO, entry)] },
  ];
  while (queue.length > 0) {
    const { path, chain } = queue.shift()!;
    for (const specifier of runtimeImports(path)) {
      const target = resolve(path, specifier);
      if (target.kind === "external") {
        if (IO.has(target.name)) io.push({ chain, module: target.name });
        else if (!PURE.has(target.name)) unknown.push({ chain, module: target.name });
        continue;
      }
      if (seen.has(target.path)) continue;
      seen.add(target.path);
      queue.push({ path: target.path, chain: [...chain, relative(REPO, target.path)] });
    }
  }
  return { io, unknown };
}

const describeChain = ({ chain, module }: Finding) => `${[...chain, module].join(" → ")}`;

describe("src/core and src/flows load no I/O module, directly or through what they import", () => {
  const modules = [...sourcesUnder(join(SRC, "core")), ...sourcesUnder(join(SRC, "flows"))];

  it("finds the modules it checks", () => {
    expect(modules.length).toBeGreaterThan(50);
    expect(modules.map((m) => relative(REPO, m))).toContain("src/flows/seed-vault.ts");
  });

  it.each(modules.map((m) => [relative(REPO, m), m]))("%s", (_name, module) => {
    const { io, unknown } = reachedFrom(module);
    expect(io.map(describeChain), "reaches an I/O module").toEqual([]);
    expect(
      unknown.map(describeChain),
      "reaches a module neither listed as I/O nor as pure in test/unit/layers.test.ts",
    ).toEqual([]);
  });
});

describe("the import walk itself", () => {
  it("follows an import through another source file to a package", () => {
    // The adapters load their clients: the walk must see that, or it proves nothing.
    const { io } = reachedFrom(join(SRC, "adapters", "postgres.ts"));
    expect(io.map((f) => f.module)).toContain("pg");
  });

  it("skips imports erased at build time", () => {
    const imports = runtimeImports(join(SRC, "flows", "host.ts"));
    const source = readFileSync(join(SRC, "flows", "host.ts"), "utf8");
    // host.ts only names the ports' types; `import type` lines must not count.
    expect(source).toMatch(/import type .* from "\.\.\/adapters\/ports\.js"/);
    expect(imports).not.toContain("../adapters/ports.js");
  });
});
