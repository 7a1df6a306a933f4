/** The human rendering of a seed plan: paths and key names, never values. */
import type { PathPlan } from "./seed-vault.js";

export function renderPlan(paths: readonly PathPlan[]): string {
  const lines: string[] = [];
  for (const p of paths) {
    const found = p.found === "deleted" ? " (latest version soft-deleted)" : "";
    lines.push(`${p.action.padEnd(9)} ${p.path}${found}`);
    for (const k of p.keys) {
      const mark =
        k.action === "create" ? "+" : k.action === "update" ? "~" : k.action === "kept" ? "=" : " ";
      lines.push(
        `  ${mark} ${k.key}${k.action === "kept" ? " (not in fixtures; kept)" : k.action === "unchanged" ? "" : ` (${k.action})`}`,
      );
    }
  }
  const changes = paths.filter((p) => p.action !== "unchanged").length;
  lines.push(
    "",
    `${changes} path(s) would change, ${paths.length - changes} unchanged. Values are never shown.`,
  );
  return `${lines.join("\n")}\n`;
}
