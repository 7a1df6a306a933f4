// Helpers for the benchmark: clean child environments, paired and alternated timing
// against `node -e 0`, the budget table.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * A child's environment: only what is given, never the caller's NODE_OPTIONS or
 * NODE_EXTRA_CA_CERTS (the latter adds ~50 ms to every Node start on some machines,
 * and a devcontainer does not set it). The baseline gets the same treatment.
 */
export function cleanEnv(extra = {}) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...extra };
  delete env.NODE_OPTIONS;
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      ...options,
      env: options.env ?? cleanEnv(),
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0 && !options.allowFailure)
        reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${out.slice(-2000)}`));
      else resolve({ ms, code, out });
    });
  });
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `node -e 0` with a clean environment: the unit every budget is measured in. */
export const baseline = () => run(process.execPath, ["-e", "0"]).then((r) => r.ms);

/**
 * Times `measure` against `reference` (default: `node -e 0`) in `pairs` pairs whose
 * order alternates (A B, B A, …), after one warm-up of each, so drift in machine load
 * hits both sides alike. The figure is the median of the per-pair ratios.
 * `measure` (and `reference`) resolve to milliseconds.
 */
export async function paired(pairs, measure, reference = baseline) {
  await reference();
  await measure();
  const ratios = [];
  const a = [];
  const b = [];
  for (let i = 0; i < pairs; i++) {
    let ms;
    let ref;
    if (i % 2 === 0) {
      ref = await reference();
      ms = await measure();
    } else {
      ms = await measure();
      ref = await reference();
    }
    a.push(ms);
    b.push(ref);
    ratios.push(ms / ref);
  }
  return { ratio: median(ratios), ms: median(a), refMs: median(b), pairs };
}

const made = [];
process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory, removed when the bench exits. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function writeFiles(dir, files) {
  for (const [rel, text] of Object.entries(files)) {
    const file = join(dir, rel);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, text);
  }
}

/** Bundles bench/support.ts (stand-ins, PostgreSQL helpers from src/) and imports it. */
export async function loadSupport(repo) {
  const { build } = await import("esbuild");
  const outfile = join(repo, "node_modules/.cache/dev-bootstrap-bench/support.mjs");
  await build({
    entryPoints: [join(repo, "bench/support.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}

/** Prints one line per row and returns the rows that missed their budget. */
export function report(rows) {
  const cells = rows.map((r) => [
    r.id ?? "",
    r.name,
    r.figure,
    r.budget === undefined ? "(no budget)" : `≤ ${r.budgetText ?? `${r.budget}×`}`,
    r.budget === undefined ? "" : r.value <= r.budget ? "pass" : "FAIL",
    r.detail,
  ]);
  const head = ["id", "what", "measured", "budget", "verdict", "detail"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) =>
    c
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  console.log(line(head));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const c of cells) console.log(line(c));
  return rows.filter((r) => r.budget !== undefined && !(r.value <= r.budget));
}

/**
 * Times several commands and `node -e 0` in rounds, each round in a rotated order, so
 * drift in machine load hits all alike. Each figure: the median of its milliseconds
 * and the median of its per-round ratio to that round's `node -e 0`.
 * `measures`: name → () => Promise<ms>.
 */
export async function rounds(count, measures) {
  const all = [["node -e 0", baseline], ...Object.entries(measures)];
  for (const [, m] of all) await m();
  const ms = Object.fromEntries(all.map(([n]) => [n, []]));
  const ratios = Object.fromEntries(all.map(([n]) => [n, []]));
  for (let i = 0; i < count; i++) {
    const order = all.map((_, j) => all[(i + j) % all.length]);
    const got = {};
    for (const [name, m] of order) got[name] = await m();
    for (const [name] of all) {
      ms[name].push(got[name]);
      ratios[name].push(got[name] / got["node -e 0"]);
    }
  }
  return Object.fromEntries(
    all.map(([n]) => [n, { ms: median(ms[n]), ratio: median(ratios[n]), rounds: count }]),
  );
}

/**
 * A `sandbox --keep` of `bin` (stand-ins + real PostgreSQL, its first run done) and the
 * environment that points a command at it; stop() ends it.
 */
export async function keptSandbox(repo, bin) {
  const state = tempDir("bench-sandbox-");
  const sandbox = spawn(process.execPath, [bin, "sandbox", "--keep"], {
    cwd: repo,
    env: cleanEnv({ DEV_BOOTSTRAP_STATE_DIR: state }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => sandbox.on("close", resolve));
  const stop = async () => {
    sandbox.kill("SIGINT");
    await exited;
  };
  let out = "";
  try {
    await new Promise((resolve, reject) => {
      sandbox.stdout.on("data", (d) => {
        out += d;
        if (out.includes("Ctrl-C stops everything")) resolve();
      });
      sandbox.stderr.on("data", (d) => (out += d));
      exited.then(() => reject(new Error(`sandbox --keep exited early:\n${out.slice(-2000)}`)));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const env = cleanEnv({ DEV_BOOTSTRAP_STATE_DIR: tempDir("bench-rerun-state-") });
  // The banner's exports; its PATH line (a dev-bootstrap shim) is for shells, not this.
  for (const [, k, v] of out.matchAll(/\b([A-Z_]+)=(\S+)/g)) if (k !== "PATH") env[k] = v;
  return { env, stop };
}

/**
 * P5's world: a throwaway PostgreSQL with 2 databases whose history holds 150 of the
 * 200 migrations in a directory of its own. Returns that directory (the cwd to run
 * flyway-status in), the environment naming the databases, and stop().
 */
export async function flywayWorld(support) {
  const pg = (await import("pg")).default;
  const server = new support.ThrowawayPostgres();
  await server.start();
  try {
    const dbs = ["platform", "agents"];
    await server.ensureDatabases(
      dbs.map((name) => ({ name, owner: name, password: `${name}-bench-pw` })),
    );
    const dir = tempDir("bench-flyway-");
    for (const db of dbs) {
      const files = {};
      for (let i = 1; i <= 200; i++)
        files[`sql/${db}/V${i}__Step_${i}.sql`] = `-- step ${i}\nSELECT ${i};\n`;
      writeFiles(dir, files);
      const client = new pg.Client({
        host: server.host,
        port: server.port,
        user: db,
        password: `${db}-bench-pw`,
        database: db,
      });
      await client.connect();
      await client.query(support.historyTableDdl());
      for (let i = 1; i <= 150; i++) {
        await client.query(
          "insert into flyway_schema_history values ($1,$2,$3,'SQL',$4,$5,current_user,now(),1,true)",
          [
            i,
            String(i),
            `Step ${i}`,
            `V${i}__Step_${i}.sql`,
            support.flywayChecksum(`-- step ${i}\nSELECT ${i};\n`),
          ],
        );
      }
      await client.end();
    }
    writeFiles(dir, { "dev-bootstrap.yaml": "migrations:\n  sqlDir: sql\n" });
    const env = cleanEnv({
      DATABASE_URL: `postgresql://platform:platform-bench-pw@127.0.0.1:${server.port}/platform`,
      AGENTS_DATABASE_URL: `postgresql://agents:agents-bench-pw@127.0.0.1:${server.port}/agents`,
    });
    return { dir, env, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** What P5 expects flyway-status to print for flywayWorld. */
export const FLYWAY_WORLD_SUMMARY =
  /platform: version 150, 50 pending; agents: version 150, 50 pending/;
