// `npm run bench`: speed as ratios against a baseline measured in the same run.
// Never a timed test: numbers here inform, budgets are printed, nothing asserts.
import { fileURLToPath } from "node:url";
import { VaultStandIn } from "../dist/sandbox/vault-server.js";
import { report, run, tempDir, timeMedian, writeFiles } from "./lib.mjs";

const repo = fileURLToPath(new URL("..", import.meta.url));
const bin = `${repo}dist/bin/dev-bootstrap.js`;
const node = process.execPath;
const rows = [];

// 1. Cold start of `dev-bootstrap --help` vs `node -e 0`.
{
  const runs = 15;
  const base = await timeMedian(runs, async () => (await run(node, ["-e", "0"])).ms);
  const help = await timeMedian(runs, async () => (await run(node, [bin, "--help"])).ms);
  rows.push({
    name: "dev-bootstrap --help / node -e 0",
    ratio: help / base,
    detail: `${help.toFixed(1)} ms vs ${base.toFixed(1)} ms, median of ${runs}`,
    budget: 2,
  });
}

// 2. Seeding 1,000 fixture paths vs 10 paths, against the Vault stand-in.
{
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
    const vault = new VaultStandIn();
    const addr = await vault.listen();
    const dir = tempDir("bench-seed-");
    writeFiles(dir, {
      "dev-bootstrap.yaml": "vault:\n  concurrency: 16\n",
      "vault/fixtures/bench.yaml": fixtures(n),
    });
    const env = {
      PATH: process.env.PATH,
      VAULT_ADDR: addr,
      VAULT_TOKEN: vault.rootToken,
      NO_COLOR: "1",
    };
    const { ms } = await run(node, [bin, "ensure-local-secrets", "--skip-eso"], { cwd: dir, env });
    if (vault.totalVersions() !== n)
      throw new Error(`expected ${n} versions, got ${vault.totalVersions()}`);
    await vault.close();
    return ms;
  };
  const small = await timeMedian(3, () => seedOnce(10));
  const large = await timeMedian(3, () => seedOnce(1000));
  rows.push({
    name: "seed 1,000 paths / seed 10 paths",
    ratio: large / small,
    detail: `${large.toFixed(0)} ms vs ${small.toFixed(0)} ms; linear would be ≤ 100×`,
    budget: 100,
  });
}

// 3. flyway-status over 2 databases × 200 migrations vs `node -e 0`.
{
  const { ThrowawayPostgres } = await import("../dist/sandbox/postgres.js");
  const { historyTableDdl } = await import("../dist/flows/flyway-db.js");
  const { flywayChecksum } = await import("../dist/core/flyway-files.js");
  const pg = (await import("pg")).default;
  const server = new ThrowawayPostgres();
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
      await client.query(historyTableDdl());
      // 150 applied, 50 pending.
      for (let i = 1; i <= 150; i++) {
        await client.query(
          "insert into flyway_schema_history values ($1,$2,$3,'SQL',$4,$5,current_user,now(),1,true)",
          [
            i,
            String(i),
            `Step ${i}`,
            `V${i}__Step_${i}.sql`,
            flywayChecksum(`-- step ${i}\nSELECT ${i};\n`),
          ],
        );
      }
      await client.end();
    }
    writeFiles(dir, { "dev-bootstrap.yaml": "migrations:\n  sqlDir: sql\n" });
    const env = {
      PATH: process.env.PATH,
      NO_COLOR: "1",
      DATABASE_URL: `postgresql://platform:platform-bench-pw@127.0.0.1:${server.port}/platform`,
      AGENTS_DATABASE_URL: `postgresql://agents:agents-bench-pw@127.0.0.1:${server.port}/agents`,
    };
    const runs = 7;
    const base = await timeMedian(runs, async () => (await run(node, ["-e", "0"])).ms);
    const status = await timeMedian(
      runs,
      async () => (await run(node, [bin, "flyway-status", "--from", "env"], { cwd: dir, env })).ms,
    );
    rows.push({
      name: "flyway-status 2 dbs × 200 migrations / node -e 0",
      ratio: status / base,
      detail: `${status.toFixed(0)} ms vs ${base.toFixed(1)} ms, median of ${runs}`,
    });
  } finally {
    await server.stop();
  }
}

// 4. Watcher latency: a completed save → the Vault stand-in holds the new value (median of 7 saves).
{
  const { spawn } = await import("node:child_process");
  const { writeFileSync } = await import("node:fs");
  const vault = new VaultStandIn();
  const addr = await vault.listen();
  const dir = tempDir("bench-watch-");
  const fixture = (n) =>
    `paths:\n  platform/db:\n    DB_NAME: v${n}\n    DB_PASSWORD: { derive: true }\n`;
  writeFiles(dir, { "vault/fixtures/db.yaml": fixture(0) });
  const env = {
    PATH: process.env.PATH,
    VAULT_ADDR: addr,
    VAULT_TOKEN: vault.rootToken,
    NO_COLOR: "1",
  };
  const child = spawn(node, [bin, "watch-vault-fixtures", "--skip-eso"], {
    cwd: dir,
    env,
    stdio: "ignore",
  });
  const until = async (check) => {
    const started = Date.now();
    while (!check()) {
      if (Date.now() - started > 20_000) throw new Error("watcher bench timed out");
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  await until(() => vault.read("secret", "platform/db")?.DB_NAME === "v0");
  await new Promise((r) => setTimeout(r, 500));
  const samples = [];
  for (let i = 1; i <= 7; i++) {
    writeFileSync(`${dir}/vault/fixtures/db.yaml`, fixture(i));
    const t0 = process.hrtime.bigint();
    await until(() => vault.read("secret", "platform/db")?.DB_NAME === `v${i}`);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await new Promise((r) => setTimeout(r, 400));
  }
  child.kill("SIGTERM");
  await vault.close();
  const sorted = samples.sort((a, b) => a - b);
  const latency = sorted[Math.floor(sorted.length / 2)];
  const base = await timeMedian(7, async () => (await run(node, ["-e", "0"])).ms);
  rows.push({
    name: "watcher save → Vault (median of 7) / node -e 0",
    ratio: latency / base,
    detail: `${latency.toFixed(0)} ms, of which 300 ms is the default debounce; node -e 0 ${base.toFixed(1)} ms`,
  });
}

// 5. The sandbox: post-start's wall time, and the idempotent rerun's, vs `node -e 0`.
{
  const dir = tempDir("bench-sandbox-");
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: "1",
    DEV_BOOTSTRAP_STATE_DIR: `${dir}/state`,
  };
  const { out } = await run(node, [bin, "sandbox", "--twice", "--log-format", "json"], {
    cwd: repo,
    env,
  });
  const spans = new Map();
  for (const line of out.split("\n")) {
    if (!line.startsWith("{")) continue;
    const r = JSON.parse(line);
    const t = Date.parse(r.time);
    const s = spans.get(r.runId) ?? { first: t, last: t };
    s.first = Math.min(s.first, t);
    s.last = Math.max(s.last, t);
    spans.set(r.runId, s);
  }
  const [first, second] = [...spans.values()].map((s) => s.last - s.first);
  const base = await timeMedian(7, async () => (await run(node, ["-e", "0"])).ms);
  rows.push({
    name: "sandbox post-start / node -e 0",
    ratio: first / base,
    detail: `${first} ms vs ${base.toFixed(1)} ms`,
  });
  rows.push({
    name: "sandbox idempotent rerun / node -e 0",
    ratio: second / base,
    detail: `${second} ms vs ${base.toFixed(1)} ms`,
  });
}

// 6. lint-docs over a generated tree of 10,000 Markdown/YAML files vs `node -e 0`.
{
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
  const base = await timeMedian(5, async () => (await run(node, ["-e", "0"])).ms);
  const lint = await timeMedian(
    3,
    async () => (await run(node, [bin, "lint-docs", dir], { allowFailure: true })).ms,
  );
  rows.push({
    name: "lint-docs 10,000 files / node -e 0",
    ratio: lint / base,
    detail: `${lint.toFixed(0)} ms vs ${base.toFixed(1)} ms`,
  });
}

report(rows);
