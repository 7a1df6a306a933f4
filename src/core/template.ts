/**
 * Templates over fixture keys: `${KEY}` (same path), `${other/path#KEY}`
 * (another path), with filters after a pipe: `${KEY | urlencode}`. `$$` is a
 * literal `$`. Parsing is pure and reports offsets so errors carry positions.
 */

const TEMPLATE_FILTERS = {
  /** RFC 3986 component encoding: safe inside a URL's userinfo, path or query. */
  urlencode: (v: string) => encodeURIComponent(v),
  lower: (v: string) => v.toLowerCase(),
  upper: (v: string) => v.toUpperCase(),
  base64: (v: string) => Buffer.from(v, "utf8").toString("base64"),
} as const;
type FilterName = keyof typeof TEMPLATE_FILTERS;

export interface TemplateRef {
  /** Path the key lives in; undefined means the template's own path. */
  path: string | undefined;
  key: string;
  filters: FilterName[];
  /** Offset of `${` within the template text. */
  offset: number;
}

export type TemplatePart = { text: string } | { ref: TemplateRef };

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const REF = /^\s*(?:([A-Za-z0-9_\-./]+)#)?([A-Za-z_][A-Za-z0-9_.-]*)\s*((?:\|\s*[a-z0-9]+\s*)*)$/;

export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  let i = 0;
  while (i < template.length) {
    const ch = template[i];
    if (ch === "$" && template[i + 1] === "$") {
      text += "$";
      i += 2;
      continue;
    }
    if (ch === "$" && template[i + 1] === "{") {
      const end = template.indexOf("}", i + 2);
      // Stryker disable next-line EqualityOperator: the search starts past "${", so it never finds "}" at 0
      if (end < 0) throw new TemplateSyntaxError("unclosed '${' in template", i);
      const m = REF.exec(template.slice(i + 2, end));
      if (!m) {
        throw new TemplateSyntaxError(
          "expected ${KEY}, ${path/to#KEY} or ${KEY | urlencode} in template",
          i,
        );
      }
      // Stryker disable next-line StringLiteral: the filters group always matches, if only the empty string
      const filters = (m[3] ?? "")
        .split("|")
        .map((f) => f.trim())
        .filter(Boolean);
      for (const f of filters) {
        if (!(f in TEMPLATE_FILTERS)) {
          throw new TemplateSyntaxError(
            `unknown template filter '${f}' (known: ${Object.keys(TEMPLATE_FILTERS).join(", ")})`,
            i,
          );
        }
      }
      if (text) parts.push({ text });
      text = "";
      parts.push({ ref: { path: m[1], key: m[2]!, filters: filters as FilterName[], offset: i } });
      i = end + 1;
      continue;
    }
    text += ch;
    i++;
  }
  if (text) parts.push({ text });
  return parts;
}

export function renderTemplate(
  parts: readonly TemplatePart[],
  lookup: (ref: TemplateRef) => string,
): string {
  let out = "";
  for (const part of parts) {
    if ("text" in part) {
      out += part.text;
      continue;
    }
    let value = lookup(part.ref);
    for (const f of part.ref.filters) value = TEMPLATE_FILTERS[f](value);
    out += value;
  }
  return out;
}
