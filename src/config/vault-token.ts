/**
 * The Vault token, found as Vault's own CLI finds it: VAULT_TOKEN, then the
 * token file (VAULT_TOKEN_FILE or vault.tokenFile), then ~/.vault-token.
 * Always trimmed: files written by `echo` end with a newline (FAULTS.md 10).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../core/errors.js";
import type { Config } from "./schema.js";

export function resolveVaultToken(
  config: Config,
  resolvePath: (p: string) => string,
  home = homedir(),
): string {
  const fromEnv = config.vault.token?.trim();
  if (fromEnv) return fromEnv;
  const candidates = config.vault.tokenFile
    ? [resolvePath(config.vault.tokenFile)]
    : [join(home, ".vault-token")];
  for (const file of candidates) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      if (config.vault.tokenFile) {
        throw new ConfigError(
          `cannot read the Vault token file ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
          "fix VAULT_TOKEN_FILE / vault.tokenFile, or set VAULT_TOKEN",
        );
      }
      continue;
    }
    const token = text.trim();
    if (token) return token;
    throw new ConfigError(
      `the Vault token file ${file} is empty`,
      "write a token into it, or set VAULT_TOKEN",
    );
  }
  throw new ConfigError(
    "no Vault token: VAULT_TOKEN is unset and ~/.vault-token does not exist",
    "set VAULT_TOKEN, or VAULT_TOKEN_FILE, or log in with 'vault login' (writes ~/.vault-token)",
  );
}
