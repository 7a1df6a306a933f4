/**
 * The chain from fixture to Flyway, link by link, as `why` and `wait` report it.
 * The link ids are a contract (scripts, the Tilt extension and the failing
 * commands' summaries name them). Pure: the flow that walks the links lives in
 * src/flows/why.ts.
 */
import { createHmac } from "node:crypto";
import { terminalText } from "./printable.js";

export const LINK_IDS = [
  "fixtures",
  "vault",
  "vault-data",
  "eso",
  "external-secrets",
  "source-secrets",
  "migrations-secret",
  "database-login",
  "flyway",
] as const;
export type LinkId = (typeof LINK_IDS)[number];

/** Links that talk to the databases: checked only with --connect. */
const CONNECT_LINKS: ReadonlySet<LinkId> = new Set(["database-login", "flyway"]);

export type LinkStatus = "ok" | "broken" | "skipped" | "unchecked";

export interface Link {
  id: LinkId;
  status: LinkStatus;
  /** One line: what was found (ok), what is wrong (broken), or why it was not checked. */
  summary: string;
  /** What was seen (versions, times, conditions, key names, value fingerprints), never a value. */
  evidence: string[];
  /** The one command that fixes a broken link; null otherwise. */
  fix: string | null;
}

export interface ChainReport {
  ok: boolean;
  firstBroken: LinkId | null;
  links: Link[];
}

/** What one link's check found: ok, or broken with its evidence and fix. */
export type LinkResult =
  | { status: "ok"; summary: string; evidence?: string[] }
  | { status: "broken"; summary: string; evidence: string[]; fix: string };

/**
 * The report from the links checked so far, in order: every link after the first
 * broken one is skipped, a connect link without --connect is unchecked.
 */
export function chainReport(
  results: ReadonlyMap<LinkId, LinkResult>,
  options: { connect: boolean },
): ChainReport {
  let firstBroken: LinkId | null = null;
  const links = LINK_IDS.map((id): Link => {
    const r = results.get(id);
    if (firstBroken) {
      return {
        id,
        status: "skipped",
        summary: `not checked: ${firstBroken} is broken`,
        evidence: [],
        fix: null,
      };
    }
    if (!r) {
      const unchecked =
        CONNECT_LINKS.has(id) && !options.connect ? "not checked (needs --connect)" : "not checked";
      return { id, status: "unchecked", summary: unchecked, evidence: [], fix: null };
    }
    if (r.status === "broken") {
      firstBroken = id;
      return { id, status: "broken", summary: r.summary, evidence: r.evidence, fix: r.fix };
    }
    return { id, status: "ok", summary: r.summary, evidence: r.evidence ?? [], fix: null };
  });
  return { ok: firstBroken === null, firstBroken, links };
}

/**
 * A fingerprint of a value for comparing two copies in one report (Vault's and a
 * Secret's): keyed with a key made for the run, so a fingerprint of a short password
 * cannot be looked up or guessed offline, and equal values show equal prints.
 */
export function fingerprinter(key: Uint8Array): (value: string) => string {
  return (value) =>
    `hmac:${createHmac("sha256", key).update(value, "utf8").digest("hex").slice(0, 12)}`;
}

/** Keys whose values differ between `have` and `want` (missing included), in `want`'s order. */
export function differingKeys(
  have: Readonly<Record<string, string>>,
  want: Readonly<Record<string, string>>,
): { missing: string[]; different: string[] } {
  const missing: string[] = [];
  const different: string[] = [];
  for (const [k, v] of Object.entries(want)) {
    if (!Object.hasOwn(have, k)) missing.push(k);
    else if (have[k] !== v) different.push(k);
  }
  return { missing, different };
}

const MARK: Record<LinkStatus, string> = {
  ok: "ok",
  broken: "BROKEN",
  skipped: "skipped",
  unchecked: "-",
};

/** The human report: a line per link, then the first broken link's evidence and fix. */
export function renderChain(report: ChainReport): string {
  const width = Math.max(...LINK_IDS.map((id) => id.length));
  const lines = report.links.map(
    (l) => `${l.id.padEnd(width)}  ${MARK[l.status].padEnd(7)}  ${terminalText(l.summary)}`,
  );
  const broken = report.links.find((l) => l.status === "broken");
  if (broken) {
    lines.push("", `first broken link: ${broken.id} — ${terminalText(broken.summary)}`);
    for (const e of broken.evidence) lines.push(`  seen: ${terminalText(e)}`);
    lines.push(`  fix:  ${terminalText(broken.fix ?? "")}`);
  } else {
    lines.push("", "no broken link");
  }
  return `${lines.join("\n")}\n`;
}

/** The lines a failing command's summary ends with: the first broken link and its fix. */
export function renderExplanation(report: ChainReport): string {
  const broken = report.links.find((l) => l.status === "broken");
  if (!broken) {
    const checked = report.links.filter((l) => l.status === "ok").map((l) => l.id);
    return `why: no broken link (${checked[0] ?? "none"} … ${checked[checked.length - 1] ?? "none"} ok); the failure is in the step above\n`;
  }
  return [
    `why: first broken link: ${broken.id} — ${terminalText(broken.summary)}`,
    `  fix: ${terminalText(broken.fix ?? "")}`,
    "  (details: dev-bootstrap why)",
    "",
  ].join("\n");
}
