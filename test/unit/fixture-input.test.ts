/**
 * FAULTS.md 42: fixture input that would be stored differently than written is
 * refused with file:line:col, and anything echoed is escaped.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";
import { InputError } from "../../src/core/errors.js";
import { parseFixtures } from "../../src/core/fixtures.js";
import { readFixtureSources } from "../../src/flows/fixtures.js";
import { makeWorkspace } from "../helpers/workspace.js";

const problems = (text: string) => parseFixtures([{ file: "f.yaml", text }]).problems;

describe("fixture values that would be stored differently than written", () => {
  it("invalid UTF-8 is refused at its position, not stored as U+FFFD", () => {
    const ws = makeWorkspace();
    ws.write("fx/a.yaml", "");
    const bytes = Buffer.concat([
      Buffer.from("paths:\n  app/x:\n    K: ab"),
      Buffer.from([0xff, 0xfe]),
      Buffer.from("\n"),
    ]);
    writeFileSync(join(ws.dir, "fx/a.yaml"), bytes);
    let found: string[] = [];
    try {
      readFixtureSources(join(ws.dir, "fx"), ws.dir, nodeFs);
    } catch (error) {
      if (error instanceof InputError) found = error.problems;
    }
    expect(found).toEqual(["fx/a.yaml:3:10: not valid UTF-8 (byte 0xff); save the file as UTF-8"]);
  });

  it("unknown YAML tags are refused, not dropped", () => {
    expect(problems("paths:\n  app/x:\n    A: !!binary aGVsbG8=\n    B: !vault x\n")).toEqual([
      "f.yaml:3:8: unsupported YAML tag '!!binary': write the value as a plain or quoted string",
      "f.yaml:4:8: unsupported YAML tag '!vault': write the value as a plain or quoted string",
    ]);
    expect(problems("paths:\n  app/x:\n    A: !!str 0123\n")).toEqual([]);
  });

  it("a null key is refused instead of becoming a key named 'null'", () => {
    expect(problems("paths:\n  app/x:\n    ~: v\n")).toEqual([
      "f.yaml:3:5: a null key (~ or null): write the key's name",
    ]);
    expect(problems("paths:\n  ~:\n    A: v\n")).toEqual([
      "f.yaml:2:3: a null key (~ or null): write the key's name",
    ]);
  });

  it("control characters and lone surrogates in values are refused", () => {
    expect(
      problems(
        'paths:\n  app/x:\n    A: "nul\\0"\n    B: "esc\\e[2J"\n    C: "del\\x7f"\n    D: "half\\ud800"\n    E: "tab\\tand\\nnewline"\n',
      ),
    ).toEqual([
      "f.yaml:3:8: value holds a control character (\\x00); write it without control characters",
      "f.yaml:4:8: value holds a control character (\\x1b); write it without control characters",
      "f.yaml:5:8: value holds a control character (\\x7f); write it without control characters",
      "f.yaml:6:8: value holds a lone surrogate (\\ud800); write it without control characters",
    ]);
  });

  it("an offending key is echoed escaped, never raw to the terminal", () => {
    const found = problems('paths:\n  app/x:\n    "K\\e[2J": v\n  "a\\e]0;x\\a/b":\n    A: v\n');
    for (const p of found) expect(p).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(found[0]).toContain("'K\\x1b[2J'");
    expect(found[1]).toContain("'a\\x1b]0;x\\x07/b'");
  });
});
