/**
 * "Did you mean": the known names close to one a user mistyped. Pure.
 *
 * The rule is cobra's (the command library kubectl is built on): a name within two
 * edits of what was typed, or one that starts with it. Edits count a swap of two
 * neighbouring letters as one ("post-strat" is one edit from "post-start"), and what
 * was typed must be at least two characters, so "-x" suggests nothing.
 */

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const cols = b.length + 1;
  // One row after another in a flat array: d(i, j) is the distance of a[0,i) and b[0,j).
  const d = new Array<number>((a.length + 1) * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i <= a.length; i++) {
    for (let j = 0; j <= b.length; j++) {
      let best: number;
      if (i === 0 || j === 0) best = i + j;
      else {
        const cost = a[i - 1] === b[j - 1] ? 0 : 1;
        best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
          best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

const MAX_DISTANCE = 2;
const MAX_SUGGESTIONS = 3;

/** The candidates close to `typed`, closest first (ties in the candidates' order), at most three. */
export function suggestions(typed: string, candidates: readonly string[]): string[] {
  const t = typed.toLowerCase();
  if (t.length < 2) return [];
  return candidates
    .map((c, order) => {
      const name = c.toLowerCase();
      const distance = name.startsWith(t) ? 0 : editDistance(t, name);
      return { c, order, distance };
    })
    .filter((s) => s.distance <= MAX_DISTANCE)
    .sort((x, y) => x.distance - y.distance || x.order - y.order)
    .slice(0, MAX_SUGGESTIONS)
    .map((s) => s.c);
}

/**
 * "did you mean 'a'?" / "did you mean 'a' or 'b'?", or undefined when nothing is close.
 * Names are compared bare and shown with `prefix` ("--" for flags).
 */
export function didYouMean(
  typed: string,
  candidates: readonly string[],
  prefix = "",
): string | undefined {
  const found = suggestions(typed, candidates).map((s) => `'${prefix}${s}'`);
  if (!found.length) return undefined;
  const list =
    found.length === 1 ? found[0] : `${found.slice(0, -1).join(", ")} or ${found.at(-1)}`;
  return `did you mean ${list}?`;
}
