/**
 * The guides in docs/ as test input. Every fenced block in a guide is one of:
 *
 * - commands: a ```bash / ```sh block; each line is run, and must exit 0;
 * - expected output: a block without a language (or ```text) right after a
 *   commands block; its lines must appear in the commands' output, in order,
 *   where `…` matches any text and runs of spaces match any spacing;
 * - a file: preceded by `<!-- guide: write PATH -->` (replace the file) or
 *   `<!-- guide: merge PATH -->` (YAML merged in: maps merged, list items added);
 * - not run: preceded by `<!-- guide: skip REASON -->` (commands that need
 *   something the sandbox does not have) or `<!-- guide: example REASON -->`
 *   (output shown for illustration);
 * - run with a tool the sandbox lacks: commands preceded by `<!-- guide: needs
 *   TOOL -->` get a stand-in of TOOL on PATH (only they do), and the guide's text
 *   before the block must tell the reader so (name TOOL and the sandbox).
 *
 * A block that is none of these is an error, so a guide cannot drift from what
 * the commands really do without a test failing.
 */
import { readFileSync } from "node:fs";
import { parseDocument, stringify } from "yaml";

export type GuideStep =
  | {
      kind: "commands";
      line: number;
      commands: string[];
      expect?: string[];
      /** Tools the block needs that the sandbox lacks, and the guide's text before it. */
      needs?: { tools: string[]; text: string };
    }
  | { kind: "write" | "merge"; line: number; path: string; text: string }
  | { kind: "skip" | "example"; line: number; reason: string };

const DIRECTIVE = /^<!--\s*guide:\s*(write|merge|skip|example|needs)\s+(.+?)\s*-->$/;

export function parseGuide(file: string): GuideStep[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const steps: GuideStep[] = [];
  let directive: { kind: string; arg: string } | undefined;
  let previousFence: GuideStep | undefined;
  /** Where the text since the last fenced block starts. */
  let textFrom = 0;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    const d = DIRECTIVE.exec(trimmed);
    if (d) {
      directive = { kind: d[1]!, arg: d[2]! };
      continue;
    }
    const fence = /^(`{3,})(\S*)\s*$/.exec(trimmed);
    if (!fence) continue;
    const indent = lines[i]!.indexOf("`");
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j]!.trim() !== fence[1]; j++)
      body.push(lines[j]!.slice(Math.min(indent, lines[j]!.search(/\S|$/))));
    if (j >= lines.length) throw new Error(`${file}:${i + 1}: unclosed code fence`);
    const lang = fence[2]!;
    const at = i + 1;
    i = j;
    const text = textFrom;
    textFrom = j + 1;
    let step: GuideStep;
    if (directive?.kind === "write" || directive?.kind === "merge") {
      step = { kind: directive.kind, line: at, path: directive.arg, text: `${body.join("\n")}\n` };
    } else if (directive?.kind === "skip" || directive?.kind === "example") {
      step = { kind: directive.kind, line: at, reason: directive.arg };
    } else if (lang === "bash" || lang === "sh") {
      step = { kind: "commands", line: at, commands: joinContinuations(body) };
      if (directive?.kind === "needs")
        step.needs = {
          tools: directive.arg.split(/[\s,]+/),
          text: lines.slice(text, at - 1).join("\n"),
        };
    } else if ((lang === "" || lang === "text") && previousFence?.kind === "commands") {
      previousFence.expect = body.filter((l) => l.trim() !== "");
      previousFence = undefined;
      directive = undefined;
      continue;
    } else {
      throw new Error(
        `${file}:${at}: a fenced block the guide test cannot classify: make it a bash block, an expected output right after one, or precede it with <!-- guide: write|merge|skip|example … -->`,
      );
    }
    steps.push(step);
    previousFence = step;
    directive = undefined;
  }
  return steps;
}

function joinContinuations(body: string[]): string[] {
  const out: string[] = [];
  let pending = "";
  for (const raw of body) {
    const line = raw.trimEnd();
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    const full = `${pending}${pending ? line.trimStart() : line}`.trim();
    pending = "";
    if (full && !full.startsWith("#")) out.push(full);
  }
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const DURATION = "\u0000duration\u0000";

/** A regex for one expected line: `…` matches anything, spacing is free, durations vary. */
export function expectedLinePattern(line: string): RegExp {
  const parts = line
    .trim()
    .split(/…|\.\.\./)
    .map((p) =>
      escapeRegex(p.trim().replace(/\(\d+(?:\.\d+)? m?s\)/g, DURATION))
        .replace(/\s+/g, "\\s+")
        .replaceAll(DURATION, "\\(\\d+(?:\\.\\d+)?\\s+m?s\\)"),
    );
  return new RegExp(parts.join(".*"));
}

/** The expected lines missing from `output` (each matched in order, after the previous match). */
export function missingLines(expected: readonly string[], output: string): string[] {
  const lines = output.split("\n");
  const missing: string[] = [];
  let from = 0;
  for (const e of expected) {
    if (/^\s*(…|\.\.\.)\s*$/.test(e)) continue;
    const pattern = expectedLinePattern(e);
    const at = lines.findIndex((l, i) => i >= from && pattern.test(l));
    if (at < 0) missing.push(e);
    else from = at + 1;
  }
  return missing;
}

/** Merges YAML the way a person follows "add this": maps merged, list items appended if new. */
export function mergeYaml(current: string, addition: string): string {
  const base = (parseDocument(current).toJS() ?? {}) as unknown;
  const add = parseDocument(addition).toJS() as unknown;
  return stringify(merge(base, add));
}

function merge(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) {
    const out = [...a];
    for (const item of b)
      if (!out.some((x) => JSON.stringify(x) === JSON.stringify(item))) out.push(item);
    return out;
  }
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = merge(out[k], v);
    return out;
  }
  return b;
}
