/**
 * KV v2 data as JSON text, member by member: values another party stored go back
 * exactly as Vault returned them (numbers as written, nested JSON untouched).
 */
import { describe, expect, it } from "vitest";
import { membersAt, objectText } from "../../src/core/kv-json.js";

describe("membersAt", () => {
  const answer = ` {
    "request_id": "r",
    "data" : {
      "data": { "BIG": 12345678901234567890, "DEC": 1.50, "EXP": 1e2, "NEG": -0,
                "S": "a \\"quoted\\" \\\\ } ] , value", "T": true, "N": null,
                "O": { "x": [1, {"y": "}"}], "z": {} }, "A": [ ], "E": {} ,
                "DUP": 1, "DUP": "last" },
      "metadata": { "version": 3 }
    },
    "data": null
  }`;

  it("each value's JSON text exactly as written, in order; a repeated key keeps its last value", () => {
    // The outer "data" repeats too: its last value (null) is what JSON.parse sees.
    expect(membersAt(answer, ["data", "data"])).toBeUndefined();
    const fixed = answer.replace(/,\s*"data": null/, "");
    expect(membersAt(fixed, ["data", "data"])).toEqual([
      ["BIG", "12345678901234567890"],
      ["DEC", "1.50"],
      ["EXP", "1e2"],
      ["NEG", "-0"],
      ["S", '"a \\"quoted\\" \\\\ } ] , value"'],
      ["T", "true"],
      ["N", "null"],
      ["O", '{ "x": [1, {"y": "}"}], "z": {} }'],
      ["A", "[ ]"],
      ["E", "{}"],
      ["DUP", '"last"'],
    ]);
    expect(membersAt(fixed, ["data", "metadata"])).toEqual([["version", "3"]]);
    expect(membersAt(fixed, [])).toEqual([
      ["request_id", '"r"'],
      ["data", expect.stringMatching(/^\{[\s\S]*\}$/)],
    ]);
  });

  it("undefined when a step is missing or is no object; an empty object has no members", () => {
    const text = '{"data":{"data":{},"list":[1],"n":null,"s":"x"}}';
    expect(membersAt(text, ["data", "data"])).toEqual([]);
    for (const path of [
      ["nope"],
      ["data", "nope"],
      ["data", "list"],
      ["data", "n"],
      ["data", "s"],
      ["data", "s", "x"],
    ])
      expect(membersAt(text, path), path.join(".")).toBeUndefined();
    expect(membersAt("[1,2]", [])).toBeUndefined();
    expect(membersAt("{ }", [])).toEqual([]);
    expect(membersAt("{ }", ["a"])).toBeUndefined();
  });
});

describe("objectText", () => {
  it("joins members whose values are JSON text already, keys escaped, values unchanged", () => {
    expect(objectText([])).toBe("{}");
    expect(
      objectText([
        ["BIG", "12345678901234567890"],
        ['we"ird', '"v"'],
        ["O", '{ "x": 1 }'],
      ]),
    ).toBe('{"BIG":12345678901234567890,"we\\"ird":"v","O":{ "x": 1 }}');
  });

  it("round-trips what membersAt split", () => {
    const text = '{"a":1.50,"b":[1, 2],"c":"x"}';
    expect(objectText(membersAt(text, [])!)).toBe('{"a":1.50,"b":[1, 2],"c":"x"}');
  });
});
