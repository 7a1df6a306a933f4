import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { freePort } from "../../src/sandbox/postgres.js";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { FakeTilt } from "../helpers/fake-tilt.js";
import { loadedBy } from "../helpers/loaded-modules.js";
import { DB_URL_FIXTURES, FAST_CONFIG, makeWorkspace } from "../helpers/workspace.js";

// What each command loads decides how fast it starts (the Kubernetes client alone is
// most of a cold start). These assert what a command does NOT load, by package.
const KUBE = "@kubernetes/client-node";
// Our Vault client has no package of its own: it is seen by its source file. It is part
// of every command's bundle (a few kilobytes of ours, evaluated on first use), so only
// a command that talks to Vault is asked to show it.
const VAULT_CLIENT = "src/adapters/vault-http.ts";
// Libraries that start child processes.
const SPAWNING = ["execa", "cross-spawn"];
const UNREACHABLE_DBS = {
  DATABASE_URL: "postgresql://u:p@127.0.0.1:1/db",
  AGENTS_DATABASE_URL: "postgresql://u:p@127.0.0.1:1/db",
};

describe("--help loads no dependency", () => {
  it("dev-bootstrap --help", async () => {
    const r = await loadedBy(["--help"]);
    expect(r.code).toBe(0);
    expect([...r.packages]).toEqual([]);
  });

  it.each(COMMANDS.map((c) => c.name))("%s --help", async (name) => {
    const r = await loadedBy([name, "--help"]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain(`dev-bootstrap ${name}`);
    expect([...r.packages]).toEqual([]);
  });
});

describe("commands that do not talk to Kubernetes load no Kubernetes client", () => {
  it("flyway-status --from env", async () => {
    const r = await loadedBy(["flyway-status", "--from", "env"], { env: UNREACHABLE_DBS });
    // It does run: it reaches the database step (and fails there, nothing listens).
    expect(r.output).toMatch(/platform|agents/);
    expect(r.packages).toContain("pg");
    expect(r.packages).not.toContain(KUBE);
  });

  it("summary", async () => {
    const r = await loadedBy(["summary"]);
    expect(r.output).toContain("no runs recorded");
    expect(r.packages).not.toContain(KUBE);
  });

  it("ensure-local-secrets --skip-eso loads no Kubernetes client", async () => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": FAST_CONFIG,
      "vault/fixtures/db.yaml": DB_URL_FIXTURES,
    });
    const r = await loadedBy(["ensure-local-secrets", "--skip-eso"], {
      cwd: ws.dir,
      env: { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "x-token" },
    });
    expect(r.output).toContain("vault:health");
    expect([...r.ownSources]).toContain(VAULT_CLIENT);
    expect(r.packages).not.toContain(KUBE);
  });

  it("the trace does see the Kubernetes client when a command uses it", async () => {
    const r = await loadedBy(["check-db-migrations-secret"]);
    expect(r.packages).toContain(KUBE);
  });
});

describe("post-start against the stand-ins", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    tilt.stopAll();
    await world.stop();
  });

  // A tilt that serves its API as the real one does (post-start waits for it to answer).
  const tilt = new FakeTilt();
  const postStart = async (args: string[], files: Record<string, string> = {}) => {
    const ws = makeWorkspace({ "vault/fixtures/db.yaml": DB_URL_FIXTURES, ...files });
    return loadedBy(["post-start", ...args], {
      cwd: ws.dir,
      env: {
        ...world.env,
        PATH: tilt.path(),
        HOME: tilt.home,
        TILT_PORT: String(await freePort()),
      },
    });
  };

  it("--no-tilt loads no process-spawning library", async () => {
    const r = await postStart(["--no-tilt"]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("Tilt not started (--no-tilt)");
    for (const lib of SPAWNING) expect(r.packages).not.toContain(lib);
  });

  it("starting Tilt does load one (the trace sees it)", async () => {
    const r = await postStart([], { Tiltfile: "# empty\n" });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Tilt started in the background/);
    expect(r.packages).toContain("execa");
  });
});

describe("stack traces under DEBUG", () => {
  it("name src/ files: source maps are on for DEBUG=dev-bootstrap, and only then", async () => {
    const debug = await loadedBy(["summary"], { env: { DEBUG: "dev-bootstrap" } });
    expect(debug.sourceMaps).toBe(true);
    // the loaded bundles map back to our sources
    expect([...debug.ownSources]).toContain("src/flows/summary.ts");
    expect((await loadedBy(["summary"])).sourceMaps).toBe(false);
  });
});
