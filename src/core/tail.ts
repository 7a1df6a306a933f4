/** How a failed child's output reads in the error that reports it. */

/**
 * The last lines a child printed, masked and joined on one line, for the error
 * that reports its failure; "(no output)" when it printed nothing.
 */
export function maskedTail(
  result: { tail: readonly string[] },
  masker: { mask(text: string): string },
  lines = 5,
): string {
  const tail = result.tail
    .slice(-lines)
    .map((l) => masker.mask(l))
    .join(" | ");
  return tail || "(no output)";
}
