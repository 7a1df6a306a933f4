/**
 * Fixture templates: `${KEY}`, `${path#KEY}`, filters after a pipe, `$$` for a
 * literal `$`; a malformed reference fails at its offset, so the error names the
 * fixture file's line and column.
 */
import { describe, expect, it } from "vitest";
import {
  parseTemplate,
  renderTemplate,
  type TemplateRef,
  TemplateSyntaxError,
} from "../../src/core/template.js";

const VALUES: Record<string, string> = {
  USER: "app",
  PASS: "p@ss w/rd:%",
  "other/path#HOST": "DB.Example",
};
const lookup = (ref: TemplateRef) => VALUES[ref.path ? `${ref.path}#${ref.key}` : ref.key] ?? "?";
const render = (template: string) => renderTemplate(parseTemplate(template), lookup);

const errorOf = (template: string): TemplateSyntaxError => {
  try {
    parseTemplate(template);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateSyntaxError);
    return error as TemplateSyntaxError;
  }
  throw new Error("expected a TemplateSyntaxError");
};

describe("parseTemplate", () => {
  it("splits text and references, with each reference's path, key, filters and offset", () => {
    expect(parseTemplate("u=${USER}, h=${ other/path#HOST | lower |upper }!")).toEqual([
      { text: "u=" },
      { ref: { path: undefined, key: "USER", filters: [], offset: 2 } },
      { text: ", h=" },
      { ref: { path: "other/path", key: "HOST", filters: ["lower", "upper"], offset: 13 } },
      { text: "!" },
    ]);
  });

  it("keeps text alone, and no empty text parts between references", () => {
    expect(parseTemplate("plain")).toEqual([{ text: "plain" }]);
    expect(parseTemplate("a{B}c")).toEqual([{ text: "a{B}c" }]);
    expect(parseTemplate("")).toEqual([]);
    expect(parseTemplate("${A}${B}").map((p) => ("ref" in p ? p.ref.key : p.text))).toEqual([
      "A",
      "B",
    ]);
  });

  it("reads $$ as one literal $, and a $ not before { as itself", () => {
    expect(parseTemplate("$${USER} costs $5 $")).toEqual([{ text: "${USER} costs $5 $" }]);
    expect(render("$$$${USER}")).toBe("$${USER}");
    expect(render("$$${USER}")).toBe("$app");
  });

  it("an unclosed reference fails at its '${'", () => {
    const error = errorOf("ab ${USER");
    expect(error.message).toBe("unclosed '${' in template");
    expect(error.offset).toBe(3);
  });

  it.each(["${}", "${ 1KEY }", "${KEY extra}", "${a b#KEY}", "${KEY | }x${", "${KEY |}"])(
    "%j is not a reference",
    (template) => {
      expect(errorOf(template).message).toMatch(
        /^(expected \$\{KEY\}, \$\{path\/to#KEY\} or \$\{KEY \| urlencode\} in template|unclosed)/,
      );
    },
  );

  it("names the offset of the bad reference, not the first one", () => {
    const error = errorOf("${USER}:${?}");
    expect(error.message).toBe("expected ${KEY}, ${path/to#KEY} or ${KEY | urlencode} in template");
    expect(error.offset).toBe(8);
  });

  it("an unknown filter is named with the known ones", () => {
    const error = errorOf("x${USER | urlencode | rot13}");
    expect(error.message).toBe(
      "unknown template filter 'rot13' (known: urlencode, lower, upper, base64)",
    );
    expect(error.offset).toBe(1);
  });

  it("keys may hold dots and dashes; paths slashes, dots and dashes", () => {
    expect(parseTemplate("${a-b/c.d#K.e-y_1}")).toEqual([
      { ref: { path: "a-b/c.d", key: "K.e-y_1", filters: [], offset: 0 } },
    ]);
  });
});

describe("renderTemplate", () => {
  it("looks each reference up and applies its filters in order", () => {
    expect(render("postgresql://${USER}:${PASS | urlencode}@${other/path#HOST | lower}/db")).toBe(
      "postgresql://app:p%40ss%20w%2Frd%3A%25@db.example/db",
    );
    expect(render("${other/path#HOST | upper}")).toBe("DB.EXAMPLE");
    expect(render("${USER | base64}")).toBe("YXBw");
    expect(render("${PASS | urlencode | base64}")).toBe(
      Buffer.from("p%40ss%20w%2Frd%3A%25").toString("base64"),
    );
    expect(render("${other/path#HOST | lower | upper}")).toBe("DB.EXAMPLE");
  });
});
