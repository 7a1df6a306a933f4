#!/usr/bin/env node
/**
 * A stand-in for the Flyway CLI that really migrates, for tests: no JVM or
 * Flyway can be installed here. It is not Flyway; it follows the parts of
 * `flyway migrate` / `info` / `validate` the guides use, from the same
 * environment dev-bootstrap gives the real one (FLYWAY_URL/USER/PASSWORD,
 * FLYWAY_LOCATIONS with several filesystem: entries, FLYWAY_BASELINE_*):
 * versioned migrations above the current version in order, then repeatables
 * that are new or whose checksum changed, each recorded in
 * flyway_schema_history with Flyway's checksum (CRC-32 over each line's UTF-8
 * bytes without its terminator, a leading BOM removed).
 */
const { readdirSync, readFileSync, existsSync } = require("node:fs");
const { join } = require("node:path");
const { crc32 } = require("node:zlib");
const pg = require("pg");

const command = process.argv[2] ?? "info";
const out = (line) => process.stdout.write(`${line}\n`);

function checksum(buffer) {
  let text = buffer.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let crc = 0;
  for (const line of text.split(/\r\n|\r|\n/)) crc = crc32(Buffer.from(line, "utf8"), crc);
  return crc | 0;
}

const parts = (v) => v.split(".").map(Number);
function compare(a, b) {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

function scripts() {
  const found = [];
  for (const loc of (process.env.FLYWAY_LOCATIONS ?? "").split(",").filter(Boolean)) {
    const dir = loc.replace(/^filesystem:/, "");
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const v = /^V([0-9][0-9._]*)__(.+)\.sql$/.exec(name);
      const r = /^R__(.+)\.sql$/.exec(name);
      if (!v && !r) continue;
      const text = readFileSync(join(dir, name));
      found.push({
        script: name,
        version: v ? v[1].replace(/_/g, ".") : null,
        description: (v ? v[2] : r[1]).replace(/_/g, " "),
        sql: text.toString("utf8"),
        checksum: checksum(text),
      });
    }
  }
  return found;
}

async function main() {
  const m = /^jdbc:postgresql:\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/([^?]+)/.exec(
    process.env.FLYWAY_URL ?? "",
  );
  if (!m) {
    console.error("ERROR: Unable to connect: FLYWAY_URL is not a PostgreSQL JDBC URL");
    return 1;
  }
  const client = new pg.Client({
    host: m[1].replace(/^\[|\]$/g, ""),
    port: Number(m[2] ?? 5432),
    database: m[3],
    user: process.env.FLYWAY_USER,
    password: process.env.FLYWAY_PASSWORD,
  });
  await client.connect();
  try {
    const exists = (await client.query("select to_regclass('public.flyway_schema_history') as t"))
      .rows[0].t;
    if (command === "info" || command === "validate") {
      out(exists ? "Schema history table exists" : "Schema history table does not exist");
      return 0;
    }
    if (command !== "migrate") {
      console.error(`ERROR: the stand-in flyway does not implement '${command}'`);
      return 1;
    }
    if (!exists) {
      await client.query(`CREATE TABLE "public"."flyway_schema_history" (
        "installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL,
        "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER,
        "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
        "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)`);
      const objects = (
        await client.query(
          "select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relname <> 'flyway_schema_history'",
        )
      ).rows[0].n;
      if (objects > 0 && process.env.FLYWAY_BASELINE_ON_MIGRATE === "true") {
        await client.query(
          "insert into flyway_schema_history values (1, $1, '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', null, current_user, now(), 0, true)",
          [process.env.FLYWAY_BASELINE_VERSION ?? "1"],
        );
      }
    }
    const rows = (await client.query("select * from flyway_schema_history order by installed_rank"))
      .rows;
    let rank = rows.reduce((n, r) => Math.max(n, r.installed_rank), 0);
    const current = rows
      .filter((r) => r.version && r.success)
      .map((r) => r.version)
      .sort(compare)
      .at(-1);
    const all = scripts();
    const pending = [
      ...all
        .filter((s) => s.version && (!current || compare(s.version, current) > 0))
        .sort((a, b) => compare(a.version, b.version)),
      ...all
        .filter((s) => !s.version)
        .filter((s) => {
          const last = rows.filter((r) => !r.version && r.description === s.description).at(-1);
          return !last || last.checksum !== s.checksum;
        })
        .sort((a, b) => (a.description < b.description ? -1 : 1)),
    ];
    for (const s of pending) {
      out(
        `Migrating schema "public" ${s.version ? `to version "${s.version} - ${s.description}"` : `with repeatable migration "${s.description}"`}`,
      );
      await client.query("begin");
      try {
        await client.query(s.sql);
        await client.query(
          "insert into flyway_schema_history values ($1, $2, $3, 'SQL', $4, $5, current_user, now(), 1, true)",
          [++rank, s.version, s.description, s.script, s.checksum],
        );
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        console.error(`ERROR: Migration ${s.script} failed: ${error.message}`);
        return 1;
      }
    }
    out(
      pending.length
        ? `Successfully applied ${pending.length} migration(s) to schema "public"`
        : 'Schema "public" is up to date. No migration necessary.',
    );
    return 0;
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`ERROR: ${error.message}`);
    process.exit(1);
  },
);
