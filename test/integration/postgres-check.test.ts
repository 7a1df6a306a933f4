import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../src/sandbox/world.js";
import { cleanEnv, runCli, runInProcess, setUpWith } from "../helpers/cli.js";
import { virtualClock } from "../helpers/clock.js";
import { dbPartsFixtures, makeWorkspace, type Workspace } from "../helpers/workspace.js";

let world: World;
let ws: Workspace;
const cli = (args: string[]) => runCli(args, { cwd: ws.dir, env: cleanEnv(world.env) });
// The failure cases run the command in-process (runInProcess, on a clock that records
// its backoffs); the login test runs the built CLI.
const pw = (path: string) => String(world.vault.read("secret", path)?.DB_PASSWORD);

beforeAll(async () => {
  world = await startWorld({ postgres: true });
  const port = world.postgres!.port;
  ws = makeWorkspace({
    "dev-bootstrap.yaml": "vault:\n  readyTimeoutSeconds: 2\neso:\n  readyTimeoutSeconds: 30\n",
    "vault/fixtures/db.yaml": dbPartsFixtures(port),
  });
  // set-up, in-process (throws on failure)
  await setUpWith(["ensure-local-secrets"], { cwd: ws.dir, env: cleanEnv(world.env) });
  await setUpWith(["bootstrap-db-migrations-secret"], { cwd: ws.dir, env: cleanEnv(world.env) });
  await world.postgres!.ensureDatabases([
    { name: "platform", owner: "platform", password: pw("platform/db") },
    { name: "agents", owner: "agents", password: pw("agents/db") },
  ]);
}, 120_000);
afterAll(async () => world?.stop());

describe("check-db-migrations-secret --connect against a real PostgreSQL", () => {
  it("logs in to every database with the secret's credentials", async () => {
    const r = await cli(["check-db-migrations-secret", "--connect"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/every login works/);
    expect(r.stdout).toMatch(
      /platform\s+ok\s+jdbc:postgresql:\/\/127\.0\.0\.1:\d+\/platform as platform/,
    );
    expect(r.stdout + r.stderr).not.toContain(pw("platform/db"));
  });

  it("names the database and user whose password is wrong, exit 5 (FAULTS 32)", async () => {
    await world.postgres!.ensureDatabases([
      { name: "agents", owner: "agents", password: "rotated-elsewhere" },
    ]);
    const clock = virtualClock();
    const r = await runInProcess(["check-db-migrations-secret", "--connect", "--json"], {
      cwd: ws.dir,
      env: cleanEnv(world.env),
      clock,
    });
    expect(r.code).toBe(5);
    // A wrong password stays wrong: no retry, so no backoff (an unreachable server gets four).
    expect(clock.sleeps).toEqual([]);
    const json = JSON.parse(r.stdout);
    expect(json.databases[0].status).toBe("ok");
    expect(json.databases[1]).toMatchObject({ status: "cannot-connect" });
    expect(json.databases[1].problems[0]).toMatch(
      /^database agents: password authentication failed for user "agents" at 127\.0\.0\.1:\d+$/,
    );
    expect(r.stdout + r.stderr).not.toContain(pw("agents/db"));
    await world.postgres!.ensureDatabases([
      { name: "agents", owner: "agents", password: pw("agents/db") },
    ]);
  });

  it("retries an unreachable server a bounded number of times, then says so (FAULTS 31)", async () => {
    await world.postgres!.stop();
    // Nothing comes back while it retries: its backoffs are recorded, not spent.
    const clock = virtualClock();
    const r = await runInProcess(["check-db-migrations-secret", "--connect"], {
      cwd: ws.dir,
      env: cleanEnv(world.env),
      clock,
    });
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(
      /database platform: PostgreSQL unreachable at 127\.0\.0\.1:\d+ \(ECONNREFUSED\) after retries/,
    );
    // bounded: 5 attempts per database, so 4 growing backoffs for each of the two
    expect(clock.sleeps).toHaveLength(8);
    for (const backoffs of [clock.sleeps.slice(0, 4), clock.sleeps.slice(4)])
      expect(backoffs).toEqual([...backoffs].sort((a, b) => a - b));
  });
});
