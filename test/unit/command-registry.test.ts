/**
 * The command table is the one source of what each command is called and says it
 * does: the umbrella's list, each command's own --help, package.json's bins, the
 * README's command list and the command reference must not drift apart; nor may the
 * exit codes the umbrella and the README state drift from the table that picks them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CommandSpec } from "../../src/cli/command.js";
import { COMMANDS } from "../../src/cli/commands.js";
import { exitCodeTable } from "../../src/cli/exit-codes.js";
import { COMMON_OPTIONS } from "../../src/cli/options.js";
import { REPO, runCli } from "../helpers/cli.js";

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

const readme = readFileSync(join(REPO, "README.md"), "utf8");
const reference = readFileSync(join(REPO, "docs/reference/commands.md"), "utf8");
const names = COMMANDS.map((c) => c.name).sort();

/** The lines of `text` from the heading `## title` to the next `## ` heading. */
function section(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  expect(start, `no '## ${title}' section`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf("\n## ", start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

describe("the documented commands", () => {
  it("the README's command table lists every command once, and no other", () => {
    const rows = [...section(readme, "Commands").matchAll(/^\| `([a-z0-9-]+)[^`]*` \|/gm)].map(
      (m) => m[1]!,
    );
    expect([...rows].sort()).toEqual(names);
  });

  it("the command reference has a section per command, and none for a command that is not", () => {
    const headings = [...reference.matchAll(/^### `([a-z0-9-]+)`$/gm)].map((m) => m[1]!);
    expect([...headings].sort()).toEqual(names);
  });

  it.each(names)("the reference's section on %s names every flag it takes", async (name) => {
    const start = reference.indexOf(`\n### \`${name}\`\n`);
    const end = reference.indexOf("\n### ", start + 1);
    const text = reference.slice(start, end === -1 ? undefined : end);
    const { command } = (await import(`../../src/bin/${name}.ts`)) as { command: CommandSpec };
    const flags = Object.keys(command.options).map((f) => `--${f}`);
    expect(flags.filter((f) => !new RegExp(`${f}(?![\\w-])`).test(text))).toEqual([]);
  });

  it("the README names every common option", () => {
    const text = section(readme, "Commands");
    const flags = Object.entries(COMMON_OPTIONS).flatMap(([n, o]) => [
      `--${n}`,
      ...("aliases" in o ? o.aliases.map((a) => `--${a}`) : []),
    ]);
    expect(flags.filter((f) => !new RegExp(`${f}(?![\\w-])`).test(text))).toEqual([]);
  });
});

describe("the documented exit codes", () => {
  const specs = async () =>
    Promise.all(
      COMMANDS.map(
        async (c) =>
          ((await import(`../../src/bin/${c.name}.ts`)) as { command: CommandSpec }).command,
      ),
    );

  it("the README's and the reference's tables hold every code a command exits with, and no other", async () => {
    const codes = new Set((await specs()).flatMap((s) => exitCodeTable(s).map(([c]) => c)));
    for (const doc of [readme, reference]) {
      const table = section(doc, "Exit codes");
      const listed = [...table.matchAll(/^\| ([0-9][0-9, ]*) \|/gm)].flatMap((m) =>
        m[1]!.split(",").map((c) => Number(c.trim())),
      );
      expect([...listed].sort((a, b) => a - b)).toEqual([...codes].sort((a, b) => a - b));
    }
  });

  it("dev-bootstrap --help states the codes every command shares, as the table has them", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    const text = r.stdout.slice(r.stdout.indexOf("Exit codes:")).replace(/\s+/g, " ");
    for (const [code, meaning] of exitCodeTable({}))
      expect(text).toContain(`${code} ${meaning.replace(/ \(see the hint\)$/, "")}`);
  });
});
