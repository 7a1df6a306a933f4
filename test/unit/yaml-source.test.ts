/**
 * Where a config or fixture problem is: `file:line:column` of the value a path
 * names, or of its deepest parent that exists when the key is missing; and the
 * problem in words without the value (which may be a secret).
 */
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import {
  describeIssue,
  formatPosition,
  keyText,
  parseYamlSource,
} from "../../src/core/yaml-source.js";

const TEXT = `vault:
  addr: http://x
  paths:
    - a
    - { name: b }
"1": one
empty:
`;

describe("parseYamlSource", () => {
  it("locates a key's value, a list item and a field of one", () => {
    const src = parseYamlSource("c.yaml", TEXT);
    expect(src.locate(["vault", "addr"])).toEqual({ file: "c.yaml", line: 2, col: 9 });
    expect(src.locate(["vault", "paths", 0])).toEqual({ file: "c.yaml", line: 4, col: 7 });
    expect(src.locate(["vault", "paths", 1, "name"])).toEqual({ file: "c.yaml", line: 5, col: 15 });
    expect(src.locate(["1"])).toEqual({ file: "c.yaml", line: 6, col: 6 });
    expect(src.locate([1])).toEqual({ file: "c.yaml", line: 6, col: 6 });
  });

  it("a missing key, item or a path through a scalar points at the deepest parent that exists", () => {
    const src = parseYamlSource("c.yaml", TEXT);
    expect(src.locate(["vault", "mount"])).toEqual({ file: "c.yaml", line: 2, col: 3 });
    expect(src.locate(["vault", "paths", 5])).toEqual({ file: "c.yaml", line: 4, col: 5 });
    expect(src.locate(["vault", "paths", "x"])).toEqual({ file: "c.yaml", line: 4, col: 5 });
    expect(src.locate(["vault", "addr", "deeper"])).toEqual({ file: "c.yaml", line: 2, col: 9 });
    expect(src.locate([])).toEqual({ file: "c.yaml", line: 1, col: 1 });
  });

  it("a key without a value points where its value would be; an empty file at 1:1", () => {
    expect(parseYamlSource("c.yaml", TEXT).locate(["empty"])).toEqual({
      file: "c.yaml",
      line: 7,
      col: 7,
    });
    expect(parseYamlSource("e.yaml", "").locate(["a", "b"])).toEqual({
      file: "e.yaml",
      line: 1,
      col: 1,
    });
  });

  it("a path through a key without a value points at that empty value", () => {
    expect(parseYamlSource("c.yaml", TEXT).locate(["empty", "x"])).toEqual({
      file: "c.yaml",
      line: 7,
      col: 7,
    });
  });

  it("a path missing from the top points at the document's first node, past leading comments", () => {
    expect(parseYamlSource("c.yaml", "# config\n\na: 1\n").locate(["zzz"])).toEqual({
      file: "c.yaml",
      line: 3,
      col: 1,
    });
  });

  it("nodesAt gives the key node with the value, and nothing for a missing path", () => {
    const src = parseYamlSource("c.yaml", TEXT);
    const found = src.nodesAt(["vault", "addr"]);
    expect(keyText(found?.key)).toBe("addr");
    expect(src.nodesAt(["vault", "paths", 0])?.key).toBeUndefined();
    expect(src.nodesAt(["nope"])).toBeUndefined();
    expect(src.nodesAt(["vault", "paths", 2])).toBeUndefined();
    expect(src.nodesAt(["vault", "addr", 0])).toBeUndefined();
  });

  it("refuses a repeated key, as a syntax error of the document", () => {
    expect(parseYamlSource("c.yaml", "a: 1\na: 2\n").doc.errors).toHaveLength(1);
  });

  it("a key that is no scalar has no name", () => {
    const src = parseYamlSource("c.yaml", "? [a, b]\n: v\n");
    const map = src.doc.contents as unknown as { items: { key: unknown }[] };
    expect(keyText(map.items[0]?.key)).toBe("");
  });

  it("formats a position as file:line:column", () => {
    expect(formatPosition({ file: "dev-bootstrap.yaml", line: 3, col: 14 })).toBe(
      "dev-bootstrap.yaml:3:14",
    );
  });
});

describe("describeIssue", () => {
  const issueOf = (schema: z.ZodMiniType, value: unknown) => {
    const result = z.safeParse(schema, value);
    if (result.success) throw new Error("expected an issue");
    return result.error.issues[0]!;
  };

  it("names unknown keys, escaped, never the values", () => {
    expect(
      describeIssue(issueOf(z.strictObject({ a: z.string() }), { a: "x", "b\n": "secret", c: 1 })),
    ).toBe("unknown key(s) 'b\\x0a', 'c'");
  });

  it("says the expected type without the value given", () => {
    const message = describeIssue(issueOf(z.string(), 12345));
    expect(message).toBe("expected string");
  });

  it("keeps the schema's own message for other problems", () => {
    expect(describeIssue(issueOf(z.string().check(z.minLength(3, "too short")), "ab"))).toBe(
      "too short",
    );
  });
});
