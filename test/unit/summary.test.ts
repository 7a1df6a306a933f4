import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecretMasker } from "../../src/core/mask.js";
import { renderRunHistory, renderRunTable, summariseRuns } from "../../src/core/summary.js";
import { Journal, rotatedPath } from "../../src/log/journal.js";
import { CheckpointLogger } from "../../src/log/logger.js";

function setup(
  runId: string,
  journal: Journal,
  masker = new SecretMasker(),
  format: "human" | "json" = "human",
) {
  const out: string[] = [];
  let t = Date.parse("2026-01-01T00:00:00Z");
  const log = new CheckpointLogger({
    runId,
    command: "post-start",
    format,
    colour: false,
    out: { write: (s: string) => out.push(s) },
    journal,
    masker,
    now: () => (t += 10),
  });
  return { log, out };
}

function tempJournal(maxBytes = 1_000_000) {
  const dir = mkdtempSync(join(tmpdir(), "journal-"));
  return new Journal({ path: join(dir, "journal.jsonl"), maxBytes });
}

describe("checkpoint logger, journal and summary", () => {
  it("writes human lines and journals each checkpoint with the run id", () => {
    const journal = tempJournal();
    const { log, out } = setup("run-1", journal);
    const step = log.start("infra:42-db-migrations", "ensuring secret");
    step.ok("db-migrations Flyway secret ensured");
    expect(out).toEqual([
      "[infra:42-db-migrations] ▶ ensuring secret\n",
      "[infra:42-db-migrations] ✔ db-migrations Flyway secret ensured (20 ms)\n",
    ]);
    const entries = journal.readCheckpoints();
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({
      runId: "run-1",
      step: "infra:42-db-migrations",
      status: "ok",
      durationMs: expect.any(Number),
    });
  });

  it("writes JSON lines in json format", () => {
    const journal = tempJournal();
    const { log, out } = setup("run-j", journal, new SecretMasker(), "json");
    log.checkpoint("vault", "warn", "standby", { hint: "h" });
    const record = JSON.parse(out[0]!);
    expect(record).toMatchObject({
      runId: "run-j",
      step: "vault",
      status: "warn",
      message: "standby",
      hint: "h",
    });
  });

  it("summarises the latest run: steps, failures with hints, skipped steps", () => {
    const journal = tempJournal();
    const a = setup("run-a", journal).log;
    a.start("vault", "seeding").ok("Vault sync success");
    const b = setup("run-b", journal).log;
    b.start("vault", "seeding").ok("Vault sync success");
    b.start("secret", "bootstrap").fail("platform-db-credentials unreadable", "check RBAC");
    b.checkpoint("tilt", "skip", "skipped: secret failed");
    const runs = summariseRuns(journal.readCheckpoints());
    expect(runs.map((r) => r.runId)).toEqual(["run-a", "run-b"]);
    const latest = runs[1]!;
    expect(latest.result).toBe("failed");
    expect(latest.failedStep).toBe("secret");
    expect(latest.steps.map((s) => [s.step, s.status])).toEqual([
      ["vault", "ok"],
      ["secret", "fail"],
      ["tilt", "skip"],
    ]);
    const table = renderRunTable(latest);
    expect(table).toMatch(
      /secret\s+FAIL\s+\d+ ms\s+platform-db-credentials unreadable — hint: check RBAC/,
    );
    expect(table).toMatch(/tilt\s+skipped/);
    expect(renderRunHistory(runs)).toMatch(/post-start\s+failed\s+secret/);
  });

  it("keeps concurrent runs apart even when their lines interleave", () => {
    const journal = tempJournal();
    const a = setup("run-x", journal).log;
    const b = setup("run-y", journal).log;
    const sa = a.start("s", "a");
    const sb = b.start("s", "b");
    sb.fail("b broke");
    sa.ok("a fine");
    const runs = summariseRuns(journal.readCheckpoints());
    expect(runs.find((r) => r.runId === "run-x")?.result).toBe("ok");
    expect(runs.find((r) => r.runId === "run-y")?.result).toBe("failed");
  });

  it("marks a run whose step never finished as incomplete", () => {
    const journal = tempJournal();
    setup("run-z", journal).log.start("s", "started and killed");
    expect(summariseRuns(journal.readCheckpoints())[0]?.result).toBe("incomplete");
  });

  it("skips a torn last line", () => {
    const journal = tempJournal();
    setup("run-t", journal).log.start("s", "x").ok("y");
    writeFileSync(journal.path, `${readFileSync(journal.path, "utf8")}{"runId":"run-t","ste`);
    expect(summariseRuns(journal.readCheckpoints())[0]?.result).toBe("ok");
  });

  it("stays bounded: rotates past maxBytes and keeps one older file", () => {
    const journal = tempJournal(4096);
    for (let i = 0; i < 3; i++) {
      const { log } = setup(`run-${i}`, journal);
      journal.rotateIfNeeded();
      for (let j = 0; j < 40; j++) log.checkpoint("s", "ok", `line ${j} ${"x".repeat(40)}`);
    }
    expect(statSync(journal.path).size).toBeLessThan(4096 * 3);
    expect(statSync(rotatedPath(journal.path)).size).toBeGreaterThan(0);
    const runs = summariseRuns(journal.readCheckpoints());
    expect(runs.at(-1)?.runId).toBe("run-2");
    expect(runs.length).toBeLessThanOrEqual(2);
  });

  it("masks registered secrets in stdout lines and the journal, at any depth", () => {
    const journal = tempJournal();
    const masker = new SecretMasker();
    const canary = "CANARY-db-pass-7f3e";
    masker.register(canary);
    const { log, out } = setup("run-m", journal, masker);
    log.checkpoint("s", "fail", `login failed for ${canary}`, {
      hint: `try ${canary}`,
      details: { a: [{ b: { c: [canary] } }], err: new Error(`boom ${canary}`) },
    });
    log.note("s", "note", { deep: { deeper: canary } });
    const everything = out.join("") + readFileSync(journal.path, "utf8");
    expect(everything).not.toContain(canary);
    expect(everything).toContain("***");
  });
});
