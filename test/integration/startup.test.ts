import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, REPO } from "../helpers/cli.js";

const HOOK = join(REPO, "test/helpers/trace-kube-import.mjs");

function loadsClientNode(args: string[], env: Record<string, string> = {}): boolean {
  const trace = join(mkdtempSync(join(tmpdir(), "trace-")), "kube.txt");
  spawnSync(process.execPath, ["--import", HOOK, BIN, ...args], {
    cwd: mkdtempSync(join(tmpdir(), "cwd-")),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: "1",
      TRACE_KUBE_FILE: trace,
      ...env,
    },
    encoding: "utf8",
    timeout: 30_000,
  });
  return existsSync(trace) && readFileSync(trace, "utf8").length > 0;
}

describe("commands that don't talk to Kubernetes don't load @kubernetes/client-node", () => {
  it("--help, summary, flyway-status --from env, ensure-local-secrets --skip-eso", () => {
    expect(loadsClientNode(["--help"])).toBe(false);
    expect(loadsClientNode(["summary"])).toBe(false);
    expect(loadsClientNode(["check-db-migrations-secret", "--help"])).toBe(false);
    expect(
      loadsClientNode(["flyway-status", "--from", "env"], {
        DATABASE_URL: "postgresql://u:p@127.0.0.1:1/db",
        AGENTS_DATABASE_URL: "postgresql://u:p@127.0.0.1:1/db",
      }),
    ).toBe(false);
    expect(
      loadsClientNode(["ensure-local-secrets", "--skip-eso"], {
        VAULT_ADDR: "http://127.0.0.1:1",
        VAULT_TOKEN: "x-token",
      }),
    ).toBe(false);
  });

  it("the trace sees it when a command does talk to Kubernetes", () => {
    expect(loadsClientNode(["check-db-migrations-secret"])).toBe(true);
  });
});
