/**
 * The bundles ship source maps (with a createRequire banner above every bundle's code):
 * they must point every function of ours at the src/ line declaring it, or a stack
 * trace under DEBUG would name the wrong lines.
 */
import { readdirSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const DIST = join(REPO, "dist");
// The entrypoints and the commands' bundles: the code of ours (dist/vendor holds libraries).
const outputs = ["bin", "run"].flatMap((dir) =>
  readdirSync(join(DIST, dir))
    .filter((f) => f.endsWith(".js"))
    .map((f) => join(DIST, dir, f)),
);

describe("the built bundles", () => {
  it("map every function of ours to the src/ line that declares it", () => {
    let checked = 0;
    const wrong: string[] = [];
    for (const file of outputs) {
      const text = readFileSync(file, "utf8");
      const map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
      for (const m of text.matchAll(/function ([A-Za-z_$][\w$]{3,})\(/g)) {
        const before = text.slice(0, m.index);
        const line = before.split("\n").length - 1;
        const column = m.index - before.lastIndexOf("\n") - 1 + "function ".length;
        const entry = map.findEntry(line, column) as {
          originalSource?: string;
          originalLine?: number;
        };
        if (!entry.originalSource?.startsWith("../../src/")) continue; // a dependency's
        const source = readFileSync(join(file, "..", entry.originalSource), "utf8");
        checked++;
        // A command's bundle holds every module it needs in one scope: esbuild renames a
        // function whose name another module uses too by appending digits (ipv4 → ipv42).
        const declared = source.split("\n")[entry.originalLine!] ?? "";
        const names = [m[1]!];
        while (/\d$/.test(names.at(-1)!)) names.push(names.at(-1)!.slice(0, -1));
        if (!names.some((name) => new RegExp(`\\b${name}\\b`).test(declared)))
          wrong.push(`${file}: ${m[1]} → ${entry.originalSource}:${entry.originalLine! + 1}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});
