/**
 * The Flyway settings of this run, read once from where Flyway 10 reads them: the
 * environment, the flyway.toml / flyway.conf files around the directory Flyway runs
 * in (the workspace root, as run-flyway-cli runs it), the user's home and Flyway's
 * installation, and this project's config file (core/flyway-settings.ts decides).
 * run-flyway-cli, run-migrations and flyway-status all take their settings here.
 */
import { delimiter, dirname, join } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { ConfigError } from "../core/errors.js";
import { fileSettings, planConfigFiles } from "../core/flyway-config-files.js";
import { type ResolvedFlywaySettings, resolveFlywaySettings } from "../core/flyway-settings.js";
import { printable } from "../core/printable.js";
import type { Host } from "./host.js";

/**
 * Flyway's installation directory: where the `flyway` found on PATH is. (Flyway's own
 * script follows symbolic links first; a linked install's conf/ is not found here.)
 */
function installDirOf(host: Pick<Host, "env" | "fs">): string | undefined {
  for (const dir of (host.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    if (host.fs.exists(join(dir, "flyway"))) return dirname(join(dir, "flyway"));
  }
  return undefined;
}

export async function loadFlywaySettings(
  host: Pick<Host, "env" | "fs">,
  resolved: Pick<ResolvedConfig, "root" | "config">,
  options: { allowPending?: boolean } = {},
): Promise<ResolvedFlywaySettings> {
  const env = host.env;
  const plan = planConfigFiles({
    env,
    cwd: resolved.root,
    home: env.HOME || undefined,
    installDir: installDirOf(host),
    exists: (p) => host.fs.exists(p),
  });
  const texts = new Map<string, string>();
  for (const file of plan.files) {
    try {
      texts.set(file, host.fs.readText(file));
    } catch (error) {
      throw new ConfigError(
        `Unable to load config file: ${printable(file)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        "make it a readable file, or remove it (Flyway cannot read it either)",
      );
    }
  }
  const docs = new Map<string, Record<string, unknown>>();
  if (plan.mode === "toml" && plan.files.length) {
    // The TOML parser loads only when there is a TOML file to read.
    const { parseFlywayToml } = await import("../core/flyway-toml.js");
    for (const file of plan.files) docs.set(file, parseFlywayToml(texts.get(file)!, file));
  }
  return resolveFlywaySettings({
    env,
    config: resolved.config.migrations.flyway,
    allowPending: options.allowPending === true,
    files: fileSettings({ plan, texts, docs, env }),
    cwd: resolved.root,
  });
}
