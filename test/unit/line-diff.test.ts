import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/core/line-diff.js";

const names = { from: "f", to: "t" };
const text = (...lines: string[]) => `${lines.join("\n")}\n`;
const numbers = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));

// The expected hunks are what GNU `diff -u --label f --label t` prints for the same
// two files, except where a hunk counts one line: diff omits ",1", we write it (the
// unified format allows both; patch and git apply read both).
describe("unifiedDiff: what `init --diff` shows of a copied file against the package's", () => {
  it("is empty when the texts are equal, or differ only in the final newline", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", names)).toBe("");
    expect(unifiedDiff("a\nb", "a\nb\n", names)).toBe("");
    expect(unifiedDiff("", "", names)).toBe("");
  });

  it("names both texts, then one hunk with three lines of context around a change", () => {
    expect(
      unifiedDiff(text(...numbers(10)), text(..."1 2 3 4 X 6 7 8 9 10".split(" ")), names),
    ).toBe(`--- f
+++ t
@@ -2,7 +2,7 @@
 2
 3
 4
-5
+X
 6
 7
 8
`);
  });

  it("counts an added line only in the new text's range", () => {
    expect(
      unifiedDiff(text(..."abcdefgh".split("")), text(..."abcdXefgh".split("")), names),
    ).toBe(`--- f
+++ t
@@ -2,6 +2,7 @@
 b
 c
 d
+X
 e
 f
 g
`);
  });

  it("merges changes six unchanged lines apart into one hunk, and splits them at seven", () => {
    const six = numbers(12).map((l) => (l === "2" ? "X" : l === "9" ? "Y" : l));
    expect(unifiedDiff(text(...numbers(12)), text(...six), names)).toBe(
      `--- f\n+++ t\n@@ -1,12 +1,12 @@\n 1\n-2\n+X\n${[3, 4, 5, 6, 7, 8].map((n) => ` ${n}\n`).join("")}-9\n+Y\n 10\n 11\n 12\n`,
    );
    const seven = numbers(12).map((l) => (l === "2" ? "X" : l === "10" ? "Y" : l));
    expect(unifiedDiff(text(...numbers(12)), text(...seven), names)).toBe(`--- f
+++ t
@@ -1,5 +1,5 @@
 1
-2
+X
 3
 4
 5
@@ -7,6 +7,6 @@
 7
 8
 9
-10
+Y
 11
 12
`);
  });

  it("gives a later hunk the line numbers of both texts, shifted by earlier additions", () => {
    const before = text(..."abcdefghijklmn".split(""));
    const after = text(..."aBcdefghijklMnO".split(""));
    expect(unifiedDiff(before, after, names)).toBe(`--- f
+++ t
@@ -1,5 +1,5 @@
 a
-b
+B
 c
 d
 e
@@ -10,5 +10,6 @@
 j
 k
 l
-m
+M
 n
+O
`);
    const inserted = text("a", "X", "Y", ..."bcdefghijklmn".split(""));
    expect(
      unifiedDiff(before, inserted, names)
        .split("\n")
        .filter((l) => l.startsWith("@@")),
    ).toEqual(["@@ -1,4 +1,6 @@"]);
    const twoHunks = text("a", "X", ..."bcdefghijkl".split(""), "Z", "m", "n");
    expect(
      unifiedDiff(before, twoHunks, names)
        .split("\n")
        .filter((l) => l.startsWith("@@")),
    ).toEqual(["@@ -1,4 +1,5 @@", "@@ -10,5 +11,6 @@"]);
  });

  it("writes an empty side as line 0 with no lines", () => {
    expect(unifiedDiff("x\n", "", names)).toBe("--- f\n+++ t\n@@ -1,1 +0,0 @@\n-x\n");
    expect(unifiedDiff("", "x\n", names)).toBe("--- f\n+++ t\n@@ -0,0 +1,1 @@\n+x\n");
    expect(unifiedDiff("x\ny\n", "", names)).toBe("--- f\n+++ t\n@@ -1,2 +0,0 @@\n-x\n-y\n");
  });

  it("prints a changed line as its removal, then its addition; keeps the longest common lines", () => {
    expect(unifiedDiff(text("a", "b", "c"), text("a", "c", "b"), names)).toBe(
      "--- f\n+++ t\n@@ -1,3 +1,3 @@\n a\n-b\n c\n+b\n",
    );
    expect(unifiedDiff(text("p", "q"), text("r", "s"), names)).toBe(
      "--- f\n+++ t\n@@ -1,2 +1,2 @@\n-p\n-q\n+r\n+s\n",
    );
    expect(unifiedDiff(text("a", "b", "c", "d"), text("b", "c", "d", "e"), names)).toBe(
      "--- f\n+++ t\n@@ -1,4 +1,4 @@\n-a\n b\n c\n d\n+e\n",
    );
  });

  it("adds a line before the first one as an addition, keeping the common line", () => {
    // diff -u: "@@ -1 +1,2 @@\n+y\n x"
    expect(unifiedDiff("x\n", "y\nx\n", names)).toBe("--- f\n+++ t\n@@ -1,1 +1,2 @@\n+y\n x\n");
  });

  it("takes the context size it is given", () => {
    expect(
      unifiedDiff(text(...numbers(10)), text(..."1 2 3 4 X 6 7 8 9 10".split(" ")), names, 1),
    ).toBe("--- f\n+++ t\n@@ -4,3 +4,3 @@\n 4\n-5\n+X\n 6\n");
  });
});
