/**
 * KV v2 JSON text against JSON.parse over many generated answers: whatever the
 * whitespace, nesting, escapes and brackets inside strings, each member's text
 * parses to the value JSON.parse gives, and an object rebuilt from the members is
 * the same object.
 */
import { describe, expect, it } from "vitest";
import { membersAt, objectText } from "../../src/core/kv-json.js";

/** A small deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '"',
  "\\",
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  " ",
  "\n",
  "\t",
  "é",
  "\u2028",
  "a",
  "0",
  "\u0001",
];
const WS = ["", " ", "\n", "\t", "\r\n", "  "];

function generator(seed: number) {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const ws = () => pick(WS);
  const str = () => {
    let s = "";
    for (let n = Math.floor(r() * 6); n > 0; n--) s += pick(PIECES);
    return s;
  };
  const value = (depth: number): string => {
    const k = Math.floor(r() * (depth > 2 ? 5 : 7));
    switch (k) {
      case 0:
        return pick(["0", "-0", "1.50", "1e2", "-12345678901234567890", "3.25E-3"]);
      case 1:
        return pick(["true", "false", "null"]);
      case 2:
      case 3:
      case 4:
        return JSON.stringify(str());
      case 5:
        return object(depth + 1);
      default: {
        const items = Array.from(
          { length: Math.floor(r() * 4) },
          () => `${ws()}${value(depth + 1)}${ws()}`,
        );
        return `[${items.join(",") || ws()}]`;
      }
    }
  };
  const object = (depth: number): string => {
    const n = Math.floor(r() * 5);
    const members = Array.from(
      { length: n },
      () => `${ws()}${JSON.stringify(str())}${ws()}:${ws()}${value(depth)}${ws()}`,
    );
    return `{${members.join(",") || ws()}}`;
  };
  return { object, ws };
}

const byKey = (a: [string, unknown], b: [string, unknown]) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

describe("membersAt over generated answers", () => {
  it("agrees with JSON.parse on 200 answers, at the top and two levels down", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const g = generator(seed);
      const inner = g.object(0);
      const text = `${g.ws()}{${g.ws()}"data"${g.ws()}:${g.ws()}{"data":${g.ws()}${inner}${g.ws()},"metadata":{}}}${g.ws()}`;
      const parsed = JSON.parse(inner) as Record<string, unknown>;
      const members = membersAt(text, ["data", "data"]);
      expect(members, `seed ${seed}: ${text}`).toBeDefined();
      // By key: JSON.parse puts integer-like keys first, and a repeated key where it first stood.
      expect(
        members!.map(([k, json]): [string, unknown] => [k, JSON.parse(json)]).sort(byKey),
        `seed ${seed}: ${text}`,
      ).toEqual(Object.entries(parsed).sort(byKey));
      expect(JSON.parse(objectText(members!)), `seed ${seed}`).toEqual(parsed);
      expect(
        membersAt(inner, [])
          ?.map(([k]) => k)
          .sort(),
      ).toEqual(Object.keys(parsed).sort());
    }
  });

  it("is undefined where the path meets no object", () => {
    expect(membersAt('{"data": [1]}', ["data"])).toBeUndefined();
    expect(membersAt('{"data": "x"}', ["data"])).toBeUndefined();
    expect(membersAt('{"data": {}}', ["data", "data"])).toBeUndefined();
    expect(membersAt('{"a": 1}', ["data"])).toBeUndefined();
    expect(membersAt("[]", [])).toBeUndefined();
    expect(membersAt(' \n {"a":1} ', [])).toEqual([["a", "1"]]);
    expect(membersAt('{ "data" : { } }', ["data"])).toEqual([]);
  });

  it("finds the last of a repeated key on the way down", () => {
    expect(membersAt('{"d": {"x": 1}, "d": {"y": 2}}', ["d"])).toEqual([["y", "2"]]);
    expect(membersAt('{"d": {"y": 2}, "e": 1, "d": 5}', ["d"])).toBeUndefined();
  });
});
