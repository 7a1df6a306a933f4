/**
 * A unified diff of two small texts (a copied file against the package's), as
 * `diff -u` prints it: `---`/`+++` headers, `@@ -a,b +c,d @@` hunks with three
 * lines of context. The files it compares are a few hundred lines, so the plain
 * longest-common-subsequence table is fast enough and keeps this short.
 */

type Op = { kind: " " | "-" | "+"; line: string };

function lines(text: string): string[] {
  if (text === "") return [];
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}

function ops(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    // Stryker disable next-line ArithmeticOperator: a column past the end is no cell of the typed array, and column m stays 0 either way
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: " ", line: a[i++]! });
      j++;
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Removals before additions, as diff -u prints a changed line.
      out.push({ kind: "-", line: a[i++]! });
    } else {
      out.push({ kind: "+", line: b[j++]! });
    }
  }
  return out;
}

/** The unified diff from `before` to `after`, or "" when they are equal. */
export function unifiedDiff(
  before: string,
  after: string,
  names: { from: string; to: string },
  context = 3,
): string {
  if (before === after) return "";
  const all = ops(lines(before), lines(after));
  const changed = all.flatMap((op, k) => (op.kind === " " ? [] : [k]));
  if (changed.length === 0) return ""; // only a final newline differs
  const out = [`--- ${names.from}`, `+++ ${names.to}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - context);
    let end = changed[k]! + context;
    while (k + 1 < changed.length && changed[k + 1]! - context <= end + 1)
      end = changed[++k]! + context;
    end = Math.min(all.length - 1, end);
    k++;
    // Line numbers of the hunk's first line in each text.
    let aLine = 1;
    let bLine = 1;
    for (const op of all.slice(0, start)) {
      if (op.kind !== "+") aLine++;
      if (op.kind !== "-") bLine++;
    }
    const hunk = all.slice(start, end + 1);
    const aCount = hunk.filter((o) => o.kind !== "+").length;
    const bCount = hunk.filter((o) => o.kind !== "-").length;
    out.push(
      `@@ -${aCount ? aLine : aLine - 1},${aCount} +${bCount ? bLine : bLine - 1},${bCount} @@`,
    );
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
  }
  return `${out.join("\n")}\n`;
}
