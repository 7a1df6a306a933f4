/**
 * A command reads each flag typed from its spec: a boolean is true or false, a
 * repeatable flag a list, a flag with choices one of them, a number a checked number.
 * Parsing refuses a value the spec does not allow, so no command checks again; and a
 * flag's configKey must name a config key (a typo is a type error, checked by tsc).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { type CommandContext, defineCommand, type OptionSpec } from "../../src/cli/command.js";
import { FROM_OPTION } from "../../src/cli/options.js";
import { runCommand } from "../../src/cli/run.js";
import { REPO } from "../helpers/cli.js";

const probe = defineCommand({
  name: "probe",
  summary: "reads its flags",
  usage: "",
  description: "",
  options: {
    plan: { type: "boolean", description: "a switch" },
    path: { type: "string", multiple: true, description: "repeatable" },
    database: { type: "string", description: "one value" },
    from: FROM_OPTION,
    timeout: {
      type: "number",
      min: 0,
      default: 300,
      expects: "a number of seconds",
      description: "",
    },
    runs: {
      type: "number",
      integer: true,
      min: 1,
      expects: "a positive whole number",
      description: "",
    },
    fixtures: { type: "string", configKey: "vault.fixturesDir", description: "sets a config key" },
  },
  journal: false,
  async run(ctx) {
    seen.push(ctx);
    return "ok";
  },
});
let seen: Array<CommandContext<typeof probe.options>> = [];

const dir = mkdtempSync(join(tmpdir(), "command-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  seen = [];
  let stderr = "";
  const code = await runCommand(probe, {
    argv,
    env: { PATH: process.env.PATH },
    cwd: dir,
    stdout: { write: () => true },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stderr, ctx: seen[0] };
}

describe("option values typed from the spec", () => {
  it("flags not given: false, an empty list, undefined, or the declared default", async () => {
    const { code, ctx } = await run([]);
    expect(code).toBe(0);
    expect(ctx?.values).toMatchObject({
      plan: false,
      path: [],
      database: undefined,
      from: "cluster",
      timeout: 300,
      runs: undefined,
      help: false,
      namespace: undefined,
    });
  });

  it("flags given: true, every value in order, the value, a number", async () => {
    const { ctx } = await run([
      "--plan",
      "--path=a",
      "--path",
      "b",
      "--database",
      "app",
      "--from",
      "env",
      "--timeout",
      "2.5",
      "--runs",
      "3",
    ]);
    expect(ctx?.values).toMatchObject({
      plan: true,
      path: ["a", "b"],
      database: "app",
      from: "env",
      timeout: 2.5,
      runs: 3,
    });
  });

  it.each([
    [["--from", "kube"], "--from expects cluster or env"],
    [["--timeout", "soon"], "--timeout expects a number of seconds"],
    [["--timeout=-1"], "--timeout expects a number of seconds"],
    [["--timeout="], "--timeout expects a number of seconds"],
    [["--runs", "0"], "--runs expects a positive whole number"],
    [["--runs", "1.5"], "--runs expects a positive whole number"],
  ])("%j is refused as usage (exit 2) before the command runs", async (argv, message) => {
    const { code, stderr, ctx } = await run(argv);
    expect(code).toBe(2);
    expect(ctx).toBeUndefined();
    expect(stderr).toBe(
      `dev-bootstrap probe: error: ${message}\n  hint: run with --help to see the usage\n`,
    );
  });

  it("with --help a value the command would refuse is no error: the help is shown", async () => {
    const { code, stderr, ctx } = await run(["--timeout", "soon", "--from", "kube", "--help"]);
    expect([code, stderr, ctx]).toEqual([0, "", undefined]);
  });

  it("a flag with a configKey sets that key, and the command sees which keys the flags set", async () => {
    const { ctx } = await run(["--fixtures", "elsewhere", "-n", "team"]);
    expect(ctx?.config.vault.fixturesDir).toBe("elsewhere");
    expect(ctx?.flagSettings).toEqual({ "vault.fixturesDir": "elsewhere", namespace: "team" });
  });

  it("the types follow the spec", () => {
    type Values = CommandContext<typeof probe.options>["values"];
    expectTypeOf<Values["plan"]>().toEqualTypeOf<boolean>();
    expectTypeOf<Values["path"]>().toEqualTypeOf<string[]>();
    expectTypeOf<Values["database"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Values["from"]>().toEqualTypeOf<"cluster" | "env">();
    expectTypeOf<Values["timeout"]>().toEqualTypeOf<number>();
    expectTypeOf<Values["runs"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Values["namespace"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Values["help"]>().toEqualTypeOf<boolean>();
    // A configKey names a key of the config schema.
    const good: OptionSpec = { type: "string", configKey: "vault.addr", description: "" };
    // @ts-expect-error: no config key 'vault.adr'
    const typo: OptionSpec = { type: "string", configKey: "vault.adr", description: "" };
    expect([good.type, typo.type]).toEqual(["string", "string"]);
  });
});

describe("the commands read their flags as typed", () => {
  const bins = readdirSync(join(REPO, "src/bin")).filter((f) => f.endsWith(".ts"));
  it.each(bins)("src/bin/%s checks no flag's type again", (file) => {
    const text = readFileSync(join(REPO, "src/bin", file), "utf8");
    const rechecks = text.match(
      /ctx\.values(?:\.[\w]+|\["[\w-]+"\])\s*===\s*(?:true|false)|typeof ctx\.values|Array\.isArray\(ctx\.values|ctx\.values(?:\.[\w]+|\["[\w-]+"\]) as /g,
    );
    expect(rechecks).toBeNull();
  });
});
