/**
 * The command-line habits developers bring from kubectl, git and npm: the same flags
 * mean the same thing, `help <command>` and `--version` work everywhere, a near miss
 * gets a "did you mean", and colour follows the terminal conventions of the shell.
 * Each runs the built entrypoint as its own process, as a developer would.
 */
import { execFile, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { COMMANDS } from "../../src/cli/commands.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, REPO, runCli } from "../helpers/cli.js";
import { kubectlBinary } from "../helpers/helm.js";
import { runCliOnTerminal } from "../helpers/tty.js";
import { makeWorkspace } from "../helpers/workspace.js";

const VERSION = (
  JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }
).version;

/** A loopback port nothing listens on (a cluster that is gone). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("kubectl's --context and -n", () => {
  let world: World;
  let kubeconfig: string;
  beforeAll(async () => {
    world = await startWorld({ tls: true });
    // The current context names a cluster that is gone: only `--context standin`
    // reaches the stand-in, so a request there proves which context was used.
    const config = parse(readFileSync(world.kubeconfig, "utf8"));
    config.clusters.push({
      name: "gone",
      cluster: {
        server: `https://127.0.0.1:${await closedPort()}`,
        "insecure-skip-tls-verify": true,
      },
    });
    config.contexts.push({ name: "gone", context: { cluster: "gone", user: "standin" } });
    config["current-context"] = "gone";
    kubeconfig = join(makeWorkspace().dir, "kubeconfig");
    writeFileSync(kubeconfig, stringify(config), { mode: 0o600 });
  });
  afterAll(async () => world.stop());

  const secretReads = (namespace: string) =>
    world.kube.requests.filter(
      (r) => r.path.split("?")[0] === `/api/v1/namespaces/${namespace}/secrets/db-migrations-local`,
    ).length;

  it("select the context and namespace they select for kubectl, on the same kubeconfig", async () => {
    // Asynchronously: the stand-in answers from this process.
    const kubectl = await new Promise<string>((resolve) =>
      execFile(
        kubectlBinary(),
        ["--context", "standin", "-n", "other", "get", "secret", "db-migrations-local"],
        { env: { PATH: process.env.PATH, HOME: makeWorkspace().dir, KUBECONFIG: kubeconfig } },
        (_error, _stdout, stderr) => resolve(stderr),
      ),
    );
    expect(kubectl).toMatch(/NotFound|not found/);
    expect(secretReads("other")).toBe(1);

    const ws = makeWorkspace({ "dev-bootstrap.yaml": "" });
    const env = cleanEnv({ KUBECONFIG: kubeconfig });
    const ours = await runCli(
      ["check-db-migrations-secret", "--context", "standin", "-n", "other"],
      { cwd: ws.dir, env },
    );
    expect(ours.stderr).not.toMatch(/Unknown option/);
    expect(ours.code, ours.stdout + ours.stderr).toBe(3);
    expect(ours.stdout).toMatch(/secret other\/db-migrations-local does not exist/);
    expect(secretReads("other")).toBe(2);
    expect(secretReads("ameide")).toBe(0);

    // The long spellings, with '=', mean the same.
    const long = await runCli(
      ["check-db-migrations-secret", "--kube-context=standin", "--namespace=other"],
      { cwd: ws.dir, env },
    );
    expect(long.code, long.stdout + long.stderr).toBe(3);
    expect(secretReads("other")).toBe(3);
  });

  it("--help lists them next to the long names", async () => {
    const { stdout } = await runCli(["check-db-migrations-secret", "--help"]);
    expect(stdout).toMatch(/-n, --namespace NAME/);
    expect(stdout).toMatch(/--kube-context, --context NAME/);
    expect(stdout).toMatch(/-V, --version/);
  });
});

describe("help <command>", () => {
  it("prints the command's own help, exactly as <command> --help does, and exits 0", async () => {
    for (const c of COMMANDS) {
      const [viaHelp, viaFlag] = await Promise.all([
        runCli(["help", c.name]),
        runCli([c.name, "--help"]),
      ]);
      expect(viaHelp.code, c.name).toBe(0);
      expect(viaHelp.stdout).toContain(`Usage: dev-bootstrap ${c.name}`);
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
    }
  });

  it("'help' alone and 'help help' print the list of commands", async () => {
    for (const args of [["help"], ["help", "help"]]) {
      const { code, stdout } = await runCli(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Commands:$/m);
    }
  });

  it("refuses an unknown command with exit 2 and the near miss", async () => {
    const { code, stdout, stderr } = await runCli(["help", "post-strat"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "dev-bootstrap: error: unknown command 'post-strat'\n  hint: did you mean 'post-start'? (run 'dev-bootstrap --help' for the list)\n",
    );
  });
});

describe("--version", () => {
  it("prints the package's version and exits 0 on every command, also run on its own", async () => {
    for (const c of COMMANDS) {
      // run-helm-layer needs a layer, except for --help and --version.
      const { code, stdout, stderr } = await runCli([c.name, "--version"]);
      expect(code, `${c.name}: ${stderr}`).toBe(0);
      expect(stdout).toBe(`${VERSION}\n`);
    }
    const alone = spawnSync(process.execPath, [join(REPO, "dist/bin/post-start.js"), "-V"], {
      encoding: "utf8",
    });
    expect(alone.status).toBe(0);
    expect(alone.stdout).toBe(`${VERSION}\n`);
  });
});

describe("did you mean", () => {
  it("names the command a typo was close to", async () => {
    const { code, stderr } = await runCli(["post-strat"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /unknown command 'post-strat'\n {2}hint: did you mean 'post-start'\? \(run 'dev-bootstrap --help' for the list\)/,
    );
  });

  it("names the flag a typo was close to, and where the flags are listed", async () => {
    const { code, stderr } = await runCli(["summary", "--comand", "smoke"]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "dev-bootstrap summary: error: Unknown option '--comand'\n  hint: did you mean '--command'? (run 'dev-bootstrap summary --help' for its options)\n",
    );
  });

  it("reads a single-dash long flag (the vault CLI's style) as the word typed", async () => {
    const { code, stderr } = await runCli(["summary", "-context", "kind-dev"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /Unknown option '-c' \(in '-context'\)\n {2}hint: did you mean '--context'\?/,
    );
  });

  it("suggests nothing for a word close to none, and still says where the list is", async () => {
    const { code, stderr } = await runCli(["frobnicate"]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "dev-bootstrap: error: unknown command 'frobnicate'\n  hint: run 'dev-bootstrap --help' for the list\n",
    );
  });

  it("tells options before the command where they go", async () => {
    const early = await runCli(["--context", "kind-dev", "post-start"]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(
      /unknown option '--context'\n {2}hint: options go after the command/,
    );
    const typo = await runCli(["--verison"]);
    expect(typo.stderr).toMatch(/hint: did you mean '--version'\?/);
  });
});

describe("colour on a terminal", () => {
  // A run that prints checkpoint lines without any server: the fixtures validate, then
  // the run stops for want of a Vault token (HOME is empty: no token file, no helper).
  const ws = makeWorkspace({
    "dev-bootstrap.yaml": "",
    "vault/fixtures/app.yaml": "paths:\n  app/x:\n    K: v\n",
  });
  const run = (extra: Record<string, string>) =>
    runCliOnTerminal(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, HOME: ws.dir, TERM: "xterm-256color", ...extra },
    });
  const ESC = "\u001b[";

  it("is on for a plain terminal (the pseudo-terminal works)", async () => {
    const { output } = await run({});
    expect(output).toMatch(/\[vault:fixtures\]/);
    expect(output).toContain(ESC);
  });

  it.each([
    ["TERM=dumb", { TERM: "dumb" }],
    ["FORCE_COLOR=0", { FORCE_COLOR: "0" }],
    ["FORCE_COLOR=false", { FORCE_COLOR: "false" }],
    ["NO_COLOR=1", { NO_COLOR: "1" }],
  ])("is off for %s", async (_, extra) => {
    const { output } = await run(extra);
    expect(output).toMatch(/\[vault:fixtures\] ✔/);
    expect(output).not.toContain(ESC);
  });

  it("is decided by the stream the lines go to: with --json they go to stderr, and a file gets none", async () => {
    // No kubeconfig: the check fails at once with a checkpoint line, on stderr under --json.
    const { code, output, stderr } = await runCliOnTerminal(
      ["check-db-migrations-secret", "--json"],
      {
        cwd: ws.dir,
        env: { PATH: process.env.PATH, HOME: ws.dir, TERM: "xterm-256color" },
        stderr: "pipe",
      },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/\[check-db-migrations-secret\] ✖ /);
    expect(stderr).not.toContain(ESC);
    expect(output).not.toContain(ESC);
  });
});
