// `npm run bench`: speed budgets as ratios to `node -e 0`, measured in this run.
// Every figure is the median of paired, alternated runs (see paired() in lib.mjs).
// Prints each budget with its verdict and exits 1 when one is missed. Timings are
// not tests: `npm test` never runs this.
import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  cleanEnv,
  FLYWAY_WORLD_SUMMARY,
  flywayWorld,
  keptSandbox,
  loadSupport,
  paired,
  report,
  run,
  tempDir,
  writeFiles,
} from "./lib.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const bin = join(repo, "dist/bin/dev-bootstrap.js");
const node = process.execPath;
const only = process.argv.slice(2); // e.g. `npm run bench -- P2 P2b`
const wanted = (id) => only.length === 0 || only.includes(id);
const support = await loadSupport(repo);
const rows = [];
const x = (r) => `${r.ratio.toFixed(2)}×`;
const vs = (r) => `${r.ms.toFixed(0)} ms vs ${r.refMs.toFixed(1)} ms, median of ${r.pairs} pairs`;

console.log(
  `node ${process.version}, ${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);

// P1: `--help` of every command (every dist/bin/<name>.js; the umbrella as itself).
if (wanted("P1")) {
  const names = readdirSync(join(repo, "dist/bin"))
    .filter((f) => f.endsWith(".js"))
    .map((f) => basename(f, ".js"))
    .sort((a, b) => (a === "dev-bootstrap" ? -1 : b === "dev-bootstrap" ? 1 : a.localeCompare(b)));
  for (const name of names) {
    const args = name === "dev-bootstrap" ? [bin, "--help"] : [bin, name, "--help"];
    const r = await paired(15, async () => (await run(node, args)).ms);
    rows.push({
      id: "P1",
      name: `${name === "dev-bootstrap" ? "dev-bootstrap" : `dev-bootstrap ${name}`} --help`,
      figure: x(r),
      value: r.ratio,
      budget: 2,
      detail: vs(r),
    });
  }
}

// P2 / P2b: post-start --no-tilt as its own process, as a devcontainer runs it.
const postStart = (env, cwd = repo) => run(node, [bin, "post-start", "--no-tilt"], { cwd, env });
const counts = (out) => ({
  vault: Number(/Vault sync success \(written (\d+)/.exec(out)?.[1]),
  eso: Number(/applied (\d+), unchanged/.exec(out)?.[1]),
});

if (wanted("P2") || wanted("P2c")) {
  // A kept sandbox (stand-ins + real PostgreSQL, its own first run done): each
  // post-start here is a rerun with nothing to write.
  const sandbox = await keptSandbox(repo, bin);
  try {
    const { env } = sandbox;
    if (wanted("P2")) {
      const r = await paired(15, async () => {
        const p = await postStart(env);
        const c = counts(p.out);
        if (c.vault !== 0 || c.eso !== 0)
          throw new Error(`a rerun wrote something (Vault ${c.vault}, ESO ${c.eso}):\n${p.out}`);
        return p.ms;
      });
      rows.push({
        id: "P2",
        name: "post-start --no-tilt, rerun (nothing to write)",
        figure: x(r),
        value: r.ratio,
        budget: 12,
        detail: vs(r),
      });
    }
    if (wanted("P2c")) {
      // P2c: `why` walks the whole chain (fixtures → migrations secret) of the kept sandbox.
      const r = await paired(15, async () => {
        const p = await run(node, [bin, "why"], { cwd: repo, env });
        if (!p.out.includes("no broken link"))
          throw new Error(`why found a broken link in the kept sandbox:\n${p.out}`);
        return p.ms;
      });
      rows.push({
        id: "P2c",
        name: "why, a healthy chain (fixtures → migrations-secret)",
        figure: x(r),
        value: r.ratio,
        budget: 12,
        detail: vs(r),
      });
    }
  } finally {
    await sandbox.stop();
  }
}

if (wanted("P2b")) {
  // A first run writes everything: fresh stand-ins for every sample (started before
  // the clock starts), the same fixtures and config as the sandbox.
  const r = await paired(9, async () => {
    const world = await support.startWorld();
    try {
      const env = cleanEnv({ ...world.env, DEV_BOOTSTRAP_STATE_DIR: tempDir("bench-first-") });
      const p = await postStart(env);
      const c = counts(p.out);
      if (!(c.vault > 0 && c.eso > 0))
        throw new Error(`a first run wrote nothing (Vault ${c.vault}, ESO ${c.eso}):\n${p.out}`);
      return p.ms;
    } finally {
      await world.stop();
    }
  });
  rows.push({
    id: "P2b",
    name: "post-start --no-tilt, first run (writes everything)",
    figure: x(r),
    value: r.ratio,
    budget: 20,
    detail: vs(r),
  });
}

// P3: a completed fixture save → the new value readable in Vault, with the default
// debounce; the figure is (latency − debounce) in units of `node -e 0`.
if (wanted("P3")) {
  const debounceMs = 300;
  const vault = new support.VaultStandIn();
  const addr = await vault.listen();
  const dir = tempDir("bench-watch-");
  const fixture = (n) =>
    `paths:\n  platform/db:\n    DB_NAME: v${n}\n    DB_PASSWORD: { derive: true }\n`;
  writeFiles(dir, { "vault/fixtures/db.yaml": fixture(0) });
  const child = spawn(node, [bin, "watch-vault-fixtures", "--skip-eso"], {
    cwd: dir,
    env: cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: vault.rootToken }),
    stdio: ["ignore", "pipe", "ignore"],
  });
  const exited = new Promise((resolve) => child.on("close", resolve));
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  // Polls the stand-in in this process (a bench may spin; a test may not).
  const until = async (check) => {
    const started = Date.now();
    while (!check()) {
      if (Date.now() - started > 20_000) throw new Error(`watcher bench timed out:\n${out}`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  try {
    await until(
      () => vault.read("secret", "platform/db")?.DB_NAME === "v0" && /watching/.test(out),
    );
    let n = 0;
    const r = await paired(9, async () => {
      n += 1;
      const runsBefore = out.split("Vault sync success").length;
      writeFileSync(join(dir, "vault/fixtures/db.yaml"), fixture(n));
      const t0 = process.hrtime.bigint();
      await until(() => vault.read("secret", "platform/db")?.DB_NAME === `v${n}`);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // Let the watcher's run finish (its checkpoint), so the next save starts a new one.
      await until(() => out.split("Vault sync success").length > runsBefore);
      return ms - debounceMs;
    });
    rows.push({
      id: "P3",
      name: "fixture save → new value readable in Vault",
      figure: `debounce + ${x(r)}`,
      value: r.ratio,
      budget: 2,
      budgetText: "debounce + 2×",
      detail: `${(r.ms + debounceMs).toFixed(0)} ms with a ${debounceMs} ms debounce; node -e 0 ${r.refMs.toFixed(1)} ms; ${r.pairs} pairs`,
    });
  } finally {
    child.kill("SIGTERM");
    await exited;
    await vault.close();
  }
}

// P4: seeding 1,000 fixture paths vs 10 paths (fresh Vault stand-in each time).
if (wanted("P4")) {
  const fixtures = (n) => {
    const lines = ["paths:"];
    for (let i = 0; i < n; i++) {
      lines.push(
        `  bench/p${i}:`,
        "    USER: app",
        "    PASS: { derive: { length: 32 } }",
        "    URL: { template: 'postgresql://${USER}:${PASS | urlencode}@h/db' }",
      );
    }
    return `${lines.join("\n")}\n`;
  };
  const seedOnce = async (n) => {
    const vault = new support.VaultStandIn();
    const addr = await vault.listen();
    const dir = tempDir("bench-seed-");
    writeFiles(dir, {
      "dev-bootstrap.yaml": "vault:\n  concurrency: 16\n",
      "vault/fixtures/bench.yaml": fixtures(n),
    });
    const env = cleanEnv({ VAULT_ADDR: addr, VAULT_TOKEN: vault.rootToken });
    try {
      const { ms } = await run(node, [bin, "ensure-local-secrets", "--skip-eso"], {
        cwd: dir,
        env,
      });
      if (vault.totalVersions() !== n)
        throw new Error(`expected ${n} versions, got ${vault.totalVersions()}`);
      return ms;
    } finally {
      await vault.close();
    }
  };
  const r = await paired(
    5,
    () => seedOnce(1000),
    () => seedOnce(10),
  );
  rows.push({
    id: "P4",
    name: "seed 1,000 paths / seed 10 paths",
    figure: x(r),
    value: r.ratio,
    budget: 100,
    detail: `${r.ms.toFixed(0)} ms vs ${r.refMs.toFixed(0)} ms, median of ${r.pairs} pairs; linear would be 100×`,
  });
}

// P5: flyway-status over 2 databases × 200 migrations (150 applied, 50 pending). Fifteen
// pairs: each run is short, and its median moves less with the machine than nine.
if (wanted("P5")) {
  const world = await flywayWorld(support);
  try {
    // Pending migrations are the point here, not an error (where the command tells them apart).
    const help = (await run(node, [bin, "flyway-status", "--help"])).out;
    const args = [bin, "flyway-status", "--from", "env"];
    if (help.includes("--allow-pending")) args.push("--allow-pending");
    const r = await paired(15, async () => {
      const p = await run(node, args, { cwd: world.dir, env: world.env });
      if (!FLYWAY_WORLD_SUMMARY.test(p.out))
        throw new Error(`unexpected flyway-status output:\n${p.out}`);
      return p.ms;
    });
    rows.push({
      id: "P5",
      name: "flyway-status, 2 DBs × 200 migrations",
      figure: x(r),
      value: r.ratio,
      budget: 6,
      detail: vs(r),
    });
  } finally {
    await world.stop();
  }
}

// Without a budget: lint-docs over a generated tree of 10,000 Markdown/YAML files.
if (wanted("lint-docs")) {
  const dir = tempDir("bench-lintdocs-");
  const files = {};
  for (let i = 0; i < 10_000; i++) {
    const sub = `area${i % 50}/part${i % 7}`;
    if (i % 2)
      files[`${sub}/doc${i}.md`] =
        `# Doc ${i}\n\nSome text about Vault and Kubernetes.\n${i % 100 === 0 ? "Run `az keyvault secret set --name x`.\n" : ""}${"Lorem ipsum dolor sit amet. ".repeat(20)}\n`;
    else
      files[`${sub}/values${i}.yaml`] =
        `name: v${i}\nreplicas: 1\n${i % 100 === 0 ? "kind: SecretStore\nspec:\n  provider:\n    azurekv: {}\n" : "image: app\n"}`;
  }
  writeFiles(dir, files);
  const r = await paired(
    3,
    async () => (await run(node, [bin, "lint-docs", dir], { allowFailure: true })).ms,
  );
  rows.push({
    name: "lint-docs, 10,000 files",
    figure: x(r),
    value: r.ratio,
    detail: vs(r),
  });
}

const missed = report(rows);
if (missed.length) {
  console.log(`\n${missed.length} budget(s) missed: ${missed.map((r) => r.name).join("; ")}`);
  process.exit(1);
}
console.log("\nevery budget met");
