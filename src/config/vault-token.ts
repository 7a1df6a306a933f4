/**
 * The Vault token, found as Vault's own CLI finds it, in the same shell:
 *  1. VAULT_TOKEN;
 *  2. the token file dev-bootstrap is told about (VAULT_TOKEN_FILE, the variable vals
 *     reads, or vault.tokenFile);
 *  3. the token helper the vault CLI's config file names (`token_helper` in
 *     VAULT_CONFIG_PATH, default ~/.vault), run as `<helper> get`;
 *  4. ~/.vault-token, where the CLI's built-in helper keeps it (only without a helper:
 *     with one, `vault login` stores the token through the helper, not there).
 * Always trimmed: files written by `echo` end with a newline (FAULTS.md 10).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConfigError } from "../core/errors.js";
import { printable } from "../core/printable.js";
import type { Config } from "./schema.js";

/** How long a token helper may take to print the token. */
const HELPER_TIMEOUT_MS = 10_000;

/** The vault CLI's config file: VAULT_CONFIG_PATH (a leading ~ is the home), else ~/.vault. */
export function vaultCliConfigPath(env: NodeJS.ProcessEnv, home: string): string {
  const set = env.VAULT_CONFIG_PATH;
  if (!set) return join(home, ".vault");
  return set === "~" || set.startsWith("~/") ? join(home, set.slice(1)) : set;
}

/**
 * `token_helper` from the CLI's config file (HCL `token_helper = "…"`, or its JSON
 * form), or undefined when the file or the key is absent. Comments are skipped.
 */
export function tokenHelperIn(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const found = /^\s*"?token_helper"?\s*[=:]\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (found) return JSON.parse(`"${found[1]}"`) as string;
  }
  return undefined;
}

function readTokenHelper(env: NodeJS.ProcessEnv, home: string): string | undefined {
  const file = vaultCliConfigPath(env, home);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined; // The CLI, too, runs without a config file.
  }
  const helper = tokenHelperIn(text);
  // The CLI makes a relative helper path absolute against the working directory.
  return helper ? resolve(helper) : undefined;
}

/** Runs `<helper> get`, as the vault CLI does (directly, no shell), bounded in time. */
function tokenFromHelper(helper: string, env: NodeJS.ProcessEnv): string {
  const hint =
    "fix the helper, or the token_helper line in ~/.vault (VAULT_CONFIG_PATH), or set VAULT_TOKEN";
  const run = spawnSync(helper, ["get"], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: HELPER_TIMEOUT_MS,
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024,
  });
  const where = `the Vault token helper ${printable(helper)}`;
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(
      code === "ETIMEDOUT"
        ? `${where} did not answer 'get' within ${HELPER_TIMEOUT_MS / 1000} s`
        : `${where} could not be run (${code})`,
      hint,
    );
  }
  if (run.status !== 0) {
    // The CLI shows the helper's stderr; its first line, escaped, says enough.
    const said = (run.stderr ?? "").trim().split("\n")[0]?.slice(0, 200) ?? "";
    throw new ConfigError(
      `${where} failed (${run.status === null ? `signal ${run.signal}` : `exit ${run.status}`})${said ? `: ${printable(said)}` : ""}`,
      hint,
    );
  }
  return (run.stdout ?? "").trim();
}

export function resolveVaultToken(
  config: Config,
  resolvePath: (p: string) => string,
  home = homedir(),
  env: NodeJS.ProcessEnv = process.env,
): string {
  const fromEnv = config.vault.token?.trim();
  if (fromEnv) return fromEnv;
  if (config.vault.tokenFile) {
    const file = resolvePath(config.vault.tokenFile);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(
        `cannot read the Vault token file ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        "fix VAULT_TOKEN_FILE / vault.tokenFile, or set VAULT_TOKEN",
      );
    }
    const token = text.trim();
    if (token) return token;
    throw new ConfigError(
      `the Vault token file ${file} is empty`,
      "write a token into it, or set VAULT_TOKEN",
    );
  }
  const helper = readTokenHelper(env, home);
  if (helper) {
    const token = tokenFromHelper(helper, env);
    if (token) return token;
    throw new ConfigError(
      `no Vault token: VAULT_TOKEN is unset and the token helper ${printable(helper)} has none`,
      "log in with 'vault login' (it stores the token through that helper), or set VAULT_TOKEN",
    );
  }
  const file = join(home, ".vault-token");
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch {}
  if (text !== undefined) {
    const token = text.trim();
    if (token) return token;
    throw new ConfigError(
      `the Vault token file ${file} is empty`,
      "write a token into it, or set VAULT_TOKEN",
    );
  }
  throw new ConfigError(
    "no Vault token: VAULT_TOKEN is unset and ~/.vault-token does not exist",
    "set VAULT_TOKEN or VAULT_TOKEN_FILE, or log in with 'vault login' (without a token_helper in ~/.vault it writes ~/.vault-token)",
  );
}
