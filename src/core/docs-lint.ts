/**
 * Finds Azure Key Vault instructions and configuration in Markdown and YAML,
 * so contributors are pointed at the Vault defaults and the bootstrap instead.
 * Pure: one file's path and text in, findings out.
 */
import { isMap, isScalar, LineCounter, type Node, type Pair, parseAllDocuments } from "yaml";

export type FindingKind =
  | "az-keyvault-command"
  | "azurekv-provider"
  | "azure-keyvault-values-file"
  | "azure-keyvault-values-reference"
  | "keyvault-instruction";

export interface Finding {
  file: string;
  line: number;
  kind: FindingKind;
  /** "error", or "note" in a document marked superseded / historical. */
  severity: "error" | "note";
  found: string;
  instead: string;
}

const INSTEAD = {
  command:
    "seed local secrets from vault/fixtures with 'dev-bootstrap ensure-local-secrets' (or 'vault kv put' on a shared Vault)",
  provider:
    "use the Vault provider: ClusterSecretStore ameide-vault (see 'dev-bootstrap ensure-local-secrets')",
  valuesFile:
    "remove it; these values come from Vault through External Secrets (db-migrations-local locally)",
  prose:
    "keep secrets in Vault: fixtures in vault/fixtures plus 'dev-bootstrap ensure-local-secrets' and 'bootstrap-db-migrations-secret'",
};

const AZ_COMMAND = /\baz\s+keyvault\b/i;
const VALUES_FILE_NAME = /(^|\/)azure-keyvault-[\w.-]*\.ya?ml$/i;
const VALUES_FILE_REFERENCE = /\bazure-keyvault-[\w.-]*\.ya?ml\b/i;
const MENTIONS_KEY_VAULT = /\b(azure\s+key\s*vault|key\s*vault|akv)\b/i;
/** Telling someone to put a secret somewhere. */
const INSTRUCTION =
  /\b(set|add|store|create|put|upload|save|configure|import|keep|write)\b[^.!?\n]*\b(secret|secrets|credential|credentials|password|passwords|connection string|flyway_url|database_url)\b|\b(secret|secrets|credential|credentials|password|passwords)\b[^.!?\n]*\b(live|lives|go|goes|belong|belongs|are stored|is stored)\b/i;
/** Sentences about retiring Key Vault are what we want, not findings. */
const RETIRING =
  /\b(remov\w*|deprecat\w*|no longer|no more|instead of|replac\w*|retir\w*|purg\w*|migrat\w* (away )?from|don'?t|do not|never|without|superseded|obsolete|drop\w*|moved? (away )?from|stop using)\b/i;
const BANNER = /\b(superseded|historical|deprecated|archived|obsolete)\b/i;

/**
 * A banner in the first lines marks a document as kept for history: a
 * blockquote or heading or status line that says superseded / historical /
 * deprecated / archived (`> Note: … historical`, `# Plan _(Superseded …)_`,
 * `**Status:** superseded`, or a leading `# superseded` comment in YAML).
 */
export function hasHistoricalBanner(text: string): boolean {
  const head = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 8);
  return head.some((l) => BANNER.test(l) && (/^(>|#|\*\*|_|\()/.test(l) || /\bstatus\b/i.test(l)));
}

function sentenceAround(line: string): string[] {
  return line.split(/(?<=[.!?])\s+/);
}

function lintProse(
  lines: string[],
  add: (line: number, kind: FindingKind, found: string, instead: string) => void,
) {
  let inFence = false;
  // Items under "Deprecate Azure Key Vault instructions in:" name what to retire.
  let retiringIndent = -1;
  lines.forEach((raw, i) => {
    if (/^\s*(```|~~~)/.test(raw)) inFence = !inFence;
    const listItem = /^\s*([-*+]|\d+[.)])\s/.test(raw);
    const indent = raw.length - raw.trimStart().length;
    let inherited = false;
    if (!inFence && raw.trim()) {
      if (retiringIndent >= 0 && listItem && indent > retiringIndent) inherited = true;
      else retiringIndent = -1;
      if (/:\s*$/.test(raw) && RETIRING.test(raw)) retiringIndent = indent;
    }
    const retiring = !inFence && (RETIRING.test(raw) || inherited);
    if (AZ_COMMAND.test(raw)) {
      if (!retiring)
        add(
          i + 1,
          "az-keyvault-command",
          `'${raw.match(/az\s+keyvault[^`'"|;]*/i)?.[0]?.trim() ?? "az keyvault"}' command`,
          INSTEAD.command,
        );
      return;
    }
    if (VALUES_FILE_REFERENCE.test(raw)) {
      if (!retiring)
        add(
          i + 1,
          "azure-keyvault-values-reference",
          `reference to an Azure Key Vault values file (${raw.match(VALUES_FILE_REFERENCE)![0]})`,
          INSTEAD.valuesFile,
        );
      return;
    }
    if (inFence || retiring || !MENTIONS_KEY_VAULT.test(raw)) return;
    for (const sentence of sentenceAround(raw)) {
      if (
        MENTIONS_KEY_VAULT.test(sentence) &&
        INSTRUCTION.test(sentence) &&
        !RETIRING.test(sentence)
      ) {
        add(
          i + 1,
          "keyvault-instruction",
          "instruction to keep secrets in Azure Key Vault",
          INSTEAD.prose,
        );
        return;
      }
    }
  });
}

function lintYamlProviders(
  text: string,
  add: (line: number, kind: FindingKind, found: string, instead: string) => void,
) {
  const counter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { lineCounter: counter });
  } catch {
    return;
  }
  if (!Array.isArray(docs)) return;
  for (const doc of docs) {
    if (doc.errors.length) continue;
    const root = doc.contents;
    if (!isMap(root)) continue;
    const kind = root.get("kind");
    if (kind !== "SecretStore" && kind !== "ClusterSecretStore") continue;
    const provider = doc.getIn(["spec", "provider"], true) as Node | undefined;
    if (!isMap(provider)) continue;
    for (const pair of provider.items as Pair[]) {
      if (isScalar(pair.key) && pair.key.value === "azurekv") {
        const line = counter.linePos((pair.key as Node).range?.[0] ?? 0).line;
        const name = (doc.getIn(["metadata", "name"]) as string | undefined) ?? "?";
        add(
          line,
          "azurekv-provider",
          `Azure Key Vault provider (azurekv) in ${kind} ${name}`,
          INSTEAD.provider,
        );
      }
    }
  }
}

/**
 * Lines between `lint-docs-disable` and `lint-docs-enable` markers (in an HTML
 * comment in Markdown, a `#` comment in YAML) are not checked: documentation
 * that describes these findings quotes them on purpose.
 */
function disabledLines(lines: readonly string[]): Set<number> {
  const off = new Set<number>();
  let disabled = false;
  lines.forEach((l, i) => {
    if (/(<!--|#)\s*lint-docs-disable\b/.test(l)) disabled = true;
    else if (/(<!--|#)\s*lint-docs-enable\b/.test(l)) disabled = false;
    else if (disabled) off.add(i + 1);
  });
  return off;
}

export function lintDocument(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const historical = hasHistoricalBanner(text);
  let off: Set<number> | undefined;
  const add = (line: number, kind: FindingKind, found: string, instead: string) => {
    off ??= disabledLines(text.split("\n"));
    if (!off.has(line))
      findings.push({ file, line, kind, severity: historical ? "note" : "error", found, instead });
  };
  if (VALUES_FILE_NAME.test(file))
    add(1, "azure-keyvault-values-file", "Azure Key Vault values file", INSTEAD.valuesFile);
  // Cheap test first: most files never mention Key Vault at all.
  if (!/key\s*vault|keyvault|azurekv|\bakv\b/i.test(text)) return findings;
  const lines = text.split("\n");
  lintProse(lines, add);
  if (/\.ya?ml$/i.test(file)) lintYamlProviders(text, add);
  return findings.sort((a, b) => a.line - b.line);
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}: ${f.severity === "note" ? "note: " : ""}${f.found} — ${f.instead}${f.severity === "note" ? " (historical document)" : ""}`;
}
