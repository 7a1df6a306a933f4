import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands.js";
import { cleanEnv, REPO, runCli } from "../helpers/cli.js";

describe("dev-bootstrap umbrella", () => {
  it("lists every command, and every command has a module in src/bin", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    const modules = readdirSync(join(REPO, "src/bin")).map((f) => f.replace(/\.ts$/, ""));
    for (const c of COMMANDS) {
      expect(stdout).toContain(c.name);
      expect(modules).toContain(c.name);
    }
    expect(modules.filter((m) => m !== "dev-bootstrap").sort()).toEqual(
      COMMANDS.map((c) => c.name).sort(),
    );
  });

  it("prints --help for every command and exits 0", async () => {
    for (const c of COMMANDS) {
      const { code, stdout } = await runCli([c.name, "--help"]);
      expect(code, c.name).toBe(0);
      expect(stdout).toContain(`Usage: dev-bootstrap ${c.name}`);
      expect(stdout).toContain("Exit codes:");
    }
  });

  it("each entrypoint also runs on its own: node dist/bin/<command>.js --help", () => {
    for (const c of COMMANDS) {
      const r = spawnSync(process.execPath, [join(REPO, "dist/bin", `${c.name}.js`), "--help"], {
        encoding: "utf8",
      });
      expect(r.status, c.name).toBe(0);
      expect(r.stdout).toContain(`Usage: dev-bootstrap ${c.name}`);
    }
  });

  it("rejects an unknown command with exit 2 and a hint", async () => {
    const { code, stderr } = await runCli(["frobnicate"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command 'frobnicate'\n {2}hint: run 'dev-bootstrap --help'/);
  });

  it("rejects an unknown flag with exit 2", async () => {
    const { code, stderr } = await runCli(["summary", "--frob"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/summary: error: Unknown option '--frob'/);
  });

  it("exits 2 with file:line:col for an invalid config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    writeFileSync(join(dir, "dev-bootstrap.yaml"), "log:\n  format: fancy\n");
    const { code, stderr } = await runCli(["summary"], { cwd: dir, env: cleanEnv() });
    expect(code).toBe(2);
    expect(stderr).toMatch(/dev-bootstrap\.yaml:2:11: log\.format: /);
  });
});

describe("summary", () => {
  function journalWith(lines: object[]): string {
    const dir = mkdtempSync(join(tmpdir(), "sum-"));
    writeFileSync(join(dir, "dev-bootstrap.yaml"), "stateDir: st\n");
    mkdirSync(join(dir, "st"));
    writeFileSync(join(dir, "st/journal.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n"));
    return dir;
  }
  const base = { command: "post-start", pid: 1 };

  it("exits 1 when the latest run failed, and shows the hint; --json for CI", async () => {
    const cwd = journalWith([
      {
        ...base,
        runId: "r1",
        time: "2026-01-01T00:00:00Z",
        step: "vault",
        status: "ok",
        message: "Vault sync success",
      },
      {
        ...base,
        runId: "r2",
        time: "2026-01-02T00:00:00Z",
        step: "vault",
        status: "fail",
        message: "Vault sealed",
        hint: "unseal",
        durationMs: 5,
      },
    ]);
    const human = await runCli(["summary"], { cwd });
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/vault\s+FAIL\s+5 ms\s+Vault sealed — hint: unseal/);
    const json = await runCli(["summary", "--json"], { cwd });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).run).toMatchObject({
      runId: "r2",
      result: "failed",
      failedStep: "vault",
    });
    const runs = await runCli(["summary", "--runs", "5", "--json"], { cwd });
    expect(runs.code).toBe(0);
    expect(JSON.parse(runs.stdout).runs.map((r: { result: string }) => r.result)).toEqual([
      "ok",
      "failed",
    ]);
    const bad = await runCli(["summary", "--runs", "zero"], { cwd });
    expect(bad.code).toBe(2);
  });

  it("shows the latest post-start run by default, even when the watcher ran since; --command and --all", async () => {
    const cp = (command: string, runId: string, time: string, status: string, message: string) => ({
      command,
      pid: 1,
      runId,
      time,
      step: command === "post-start" ? "vault:seed" : "watch:fixtures",
      status,
      message,
    });
    const cwd = journalWith([
      cp("post-start", "p1", "2026-01-01T00:00:00Z", "ok", "Vault sync success"),
      cp("watch-vault-fixtures", "w1", "2026-01-01T00:01:00Z", "fail", "api.yaml:4:30: bad"),
      cp("check-db-migrations-secret", "c1", "2026-01-01T00:02:00Z", "ok", "checked"),
    ]);
    const latest = await runCli(["summary"], { cwd });
    expect(latest.code).toBe(0);
    expect(latest.stdout).toMatch(/^run p1 \(post-start\) started .*: OK\n/);
    const watcher = await runCli(["summary", "--command", "watch-vault-fixtures"], { cwd });
    expect(watcher.code).toBe(1);
    expect(watcher.stdout).toMatch(/^run w1 \(watch-vault-fixtures\)/);
    const all = await runCli(["summary", "--all", "--json"], { cwd });
    expect(JSON.parse(all.stdout).runs.map((r: { runId: string }) => r.runId)).toEqual([
      "p1",
      "w1",
      "c1",
    ]);
    const lastTwo = await runCli(["summary", "--all", "--runs", "2"], { cwd });
    expect(lastTwo.stdout).toMatch(/watch-vault-fixtures +failed +watch:fixtures +w1/);
    expect(lastTwo.stdout).not.toContain(" p1");
    const none = await runCli(["summary", "--command", "smoke"], { cwd });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(
      /no smoke run recorded in the journal .* \(it has runs of: post-start, watch-vault-fixtures, check-db-migrations-secret\)\n {2}hint: pick one with --command NAME, or list every run with --all/,
    );
    const both = await runCli(["summary", "--all", "--command", "smoke"], { cwd });
    expect(both.code).toBe(2);
  });

  it("exits 0 when the latest run is green", async () => {
    const cwd = journalWith([
      {
        ...base,
        runId: "r1",
        time: "2026-01-01T00:00:00Z",
        step: "vault",
        status: "ok",
        message: "Vault sync success",
      },
    ]);
    const { code, stdout } = await runCli(["summary"], { cwd });
    expect(code).toBe(0);
    expect(stdout).toMatch(/: OK\n/);
  });
});
