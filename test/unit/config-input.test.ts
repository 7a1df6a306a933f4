/** Config input that was accepted but should not be, and messages that did not help. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import { ConfigError } from "../../src/core/errors.js";

function workspace(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "cfg-"));
  writeFileSync(join(dir, "dev-bootstrap.yaml"), yaml);
  return dir;
}

function messageOf(cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    resolveConfig({ cwd, env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.replace(cwd, "<ws>");
  }
  throw new Error("expected a ConfigError");
}

describe("config values", () => {
  it("a bad value in the file is reported even when an env var overrides it", () => {
    const cwd = workspace("namespace: ok\nvault:\n  addr: not-a-url\n");
    expect(messageOf(cwd, { VAULT_ADDR: "http://127.0.0.1:8200" })).toBe(
      "<ws>/dev-bootstrap.yaml:3:9: vault.addr: expected an http:// or https:// address, e.g. http://127.0.0.1:8200",
    );
  });

  it("an address that is not a URL is a positioned config error", () => {
    const cwd = workspace("vault:\n  addr: 'http://[::1'\n");
    expect(messageOf(cwd)).toBe(
      "<ws>/dev-bootstrap.yaml:2:9: vault.addr: not a valid URL (check brackets around an IPv6 host, and the port)",
    );
  });

  it("credentials in VAULT_ADDR are refused without echoing them", () => {
    const message = messageOf(workspace("{}\n"), { VAULT_ADDR: "http://admin:hunter2@vault:8200" });
    expect(message).toBe(
      "environment variable VAULT_ADDR: vault.addr: must not hold a user name or password (user:password@); Vault takes a token: set VAULT_TOKEN",
    );
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("admin");
  });

  it("an alias bomb is a positioned config error", () => {
    const cwd = workspace(
      "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
    );
    expect(messageOf(cwd)).toBe(
      "<ws>/dev-bootstrap.yaml:2:8: too many YAML alias expansions (an alias bomb?); write the values out",
    );
  });

  it("deep nesting gives a clear limit instead of a stack overflow", () => {
    const flow = workspace(`a: ${"[".repeat(5000)}${"]".repeat(5000)}\n`);
    expect(messageOf(flow)).toBe(
      "<ws>/dev-bootstrap.yaml:1:67: nested deeper than 64 levels; dev-bootstrap.yaml needs only a few",
    );
    const block = workspace(
      `${Array.from({ length: 5000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n")} 1\n`,
    );
    expect(messageOf(block)).toMatch(
      /^<ws>\/dev-bootstrap\.yaml:65:65: nested deeper than 64 levels/,
    );
  });

  it("stateDir and log.journal must stay inside the workspace", () => {
    expect(messageOf(workspace("stateDir: ../elsewhere\n"))).toBe(
      "<ws>/dev-bootstrap.yaml:1:11: stateDir: must stay inside the workspace (it resolves outside it)",
    );
    expect(messageOf(workspace("log:\n  journal: /tmp/journal.jsonl\n"))).toBe(
      "<ws>/dev-bootstrap.yaml:2:12: log.journal: must stay inside the workspace (it resolves outside it)",
    );
    // From the environment (this run's own choice) it is allowed, and said loudly.
    const cwd = workspace("{}\n");
    expect(resolveConfig({ cwd, env: { DEV_BOOTSTRAP_STATE_DIR: "/var/tmp/x" } }).warnings).toEqual(
      [
        "stateDir from environment variable DEV_BOOTSTRAP_STATE_DIR is outside the workspace (/var/tmp/x): runs elsewhere will not see its lock or journal",
      ],
    );
    expect(
      resolveConfig({ cwd, env: { DEV_BOOTSTRAP_STATE_DIR: join(cwd, "st") } }).config.stateDir,
    ).toBe(join(cwd, "st"));
  });

  it("an unknown key is echoed escaped", () => {
    const message = messageOf(workspace('"K\\e[2J": 1\n'));
    expect(message).toBe("<ws>/dev-bootstrap.yaml:1:1: (top level): unknown key(s) 'K\\x1b[2J'");
  });
});
