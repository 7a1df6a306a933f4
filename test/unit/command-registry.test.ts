/**
 * The command table is the one source of what each command is called and says it
 * does: the umbrella's list, each command's own --help and package.json's bins must
 * not drift apart.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { REPO } from "../helpers/cli.js";

/** Commands only the umbrella runs: their names are too generic for node_modules/.bin. */
const UMBRELLA_ONLY = new Set(["init", "sandbox", "why", "wait"]);
const bins = (
  JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { bin: Record<string, string> }
).bin;

describe("the command table", () => {
  it.each(COMMANDS.map((c) => [c.name, c.summary] as const))(
    "%s: its module's spec has the table's name and summary",
    async (name, summary) => {
      const mod = (await import(`../../src/bin/${name}.ts`)) as {
        command: { name: string; summary: string };
      };
      expect(mod.command.name).toBe(name);
      expect(mod.command.summary).toBe(summary);
    },
  );

  it("package.json's bins are the table's commands, each at dist/bin/<command>.js", () => {
    const expected: Record<string, string> = { "dev-bootstrap": "dist/bin/dev-bootstrap.js" };
    for (const { name } of COMMANDS) {
      if (UMBRELLA_ONLY.has(name)) continue;
      const bin = Object.keys(bins).find((b) => b === name || b === `dev-bootstrap-${name}`);
      expect(bin, `no bin for ${name}`).toBeDefined();
      expected[bin!] = `dist/bin/${name}.js`;
    }
    expect(bins).toEqual(expected);
  });
});
