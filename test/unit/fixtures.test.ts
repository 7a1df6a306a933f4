import { describe, expect, it } from "vitest";
import { ALPHABETS, DEFAULT_DERIVE, deriveSecret } from "../../src/core/derive.js";
import { resolveFixtures } from "../../src/core/fixture-resolve.js";
import { parseFixtures } from "../../src/core/fixtures.js";
import { parseTemplate, renderTemplate } from "../../src/core/template.js";
import { isValidVaultPath } from "../../src/core/vault-path.js";

const spec = { length: 32, alphabet: "alnum", rotation: 0 };

describe("deriveSecret", () => {
  it("is deterministic per seed, mount, path, key and rotation", () => {
    const a = deriveSecret("seed", "secret", "platform/db", "DB_PASSWORD", spec);
    expect(deriveSecret("seed", "secret", "platform/db", "DB_PASSWORD", spec)).toBe(a);
    expect(a).toHaveLength(32);
    expect(a).toMatch(/^[A-Za-z0-9]+$/);
    for (const other of [
      deriveSecret("seed2", "secret", "platform/db", "DB_PASSWORD", spec),
      deriveSecret("seed", "kv", "platform/db", "DB_PASSWORD", spec),
      deriveSecret("seed", "secret", "agents/db", "DB_PASSWORD", spec),
      deriveSecret("seed", "secret", "platform/db", "OTHER", spec),
      deriveSecret("seed", "secret", "platform/db", "DB_PASSWORD", { ...spec, rotation: 1 }),
    ]) {
      expect(other).not.toBe(a);
    }
  });

  it("pins the algorithm: a known seed gives a known value on every machine", () => {
    // Cross-checked with Python: hmac.new(seed, b"secret/platform/db#DB_PASSWORD@0:0", sha256),
    // each byte mod 16 into "0123456789abcdef".
    expect(
      deriveSecret("dev-bootstrap-local", "secret", "platform/db", "DB_PASSWORD", {
        length: 16,
        alphabet: "hex",
        rotation: 0,
      }),
    ).toMatchInlineSnapshot(`"ead51367e194f44b"`);
  });

  it("pins the default alnum values: a change would rotate every developer's password", () => {
    // Cross-checked with Python: the HMAC-SHA256 bytes of "<label>:<block>", bytes at or
    // above 248 (the largest multiple of 62 in a byte) skipped, the rest mod 62 into the
    // alphabet. Each value below skips at least one byte: mapping every byte would differ.
    const password = (path: string) =>
      deriveSecret("dev-bootstrap-local", "secret", path, "DB_PASSWORD", DEFAULT_DERIVE);
    expect(DEFAULT_DERIVE).toEqual({ length: 32, alphabet: "alnum", rotation: 0 });
    expect(password("platform/db")).toBe("ye5jHmN0VdkhKWPEsK7mv0binHT9oWYd");
    expect(password("agents/db")).toBe("muunUy6MF0mGwFQZ1O7zbL7VcFjMC32N");
    // Longer than one HMAC block: the counter stretches it, the first 32 characters stay.
    expect(
      deriveSecret("dev-bootstrap-local", "secret", "platform/db", "DB_PASSWORD", {
        ...DEFAULT_DERIVE,
        length: 64,
      }),
    ).toBe("ye5jHmN0VdkhKWPEsK7mv0binHT9oWYd31dBIkElpcC3ttg6ioY8F8Yr7zYmDAcA");
    // The strong alphabet (77 characters: bytes at or above 231 skipped), across two blocks.
    expect(
      deriveSecret("dev-bootstrap-local", "secret", "platform/db", "DB_PASSWORD", {
        length: 48,
        alphabet: "strong",
        rotation: 0,
      }),
    ).toBe("UAbU2mt-~kSqH!kOKsIv^iYnT9o.YO3X9hok*lL_iZteRrTK");
  });

  it("honours length and alphabet, including long values and custom alphabets", () => {
    const long = deriveSecret("s", "m", "p", "k", { length: 300, alphabet: "hex", rotation: 0 });
    expect(long).toMatch(/^[0-9a-f]{300}$/);
    expect(deriveSecret("s", "m", "p", "k", { length: 40, alphabet: "xyz", rotation: 0 })).toMatch(
      /^[xyz]{40}$/,
    );
    const strong = deriveSecret("s", "m", "p", "k", {
      length: 200,
      alphabet: "strong",
      rotation: 0,
    });
    for (const ch of strong) expect(ALPHABETS.strong).toContain(ch);
  });
});

describe("templates", () => {
  it("renders same-path and cross-path references with filters, and $$ as $", () => {
    const parts = parseTemplate("a=${A | urlencode} b=${x/y#B | upper} $$5");
    const out = renderTemplate(parts, (ref) => (ref.path ? "bee" : "p@ss word"));
    expect(out).toBe("a=p%40ss%20word b=BEE $5");
  });

  it("reports unclosed references and unknown filters with their offset", () => {
    expect(() => parseTemplate("ab${A")).toThrow(/unclosed/);
    try {
      parseTemplate("xx${A | rot13}");
    } catch (error) {
      expect((error as { offset: number }).offset).toBe(2);
      expect(String(error)).toMatch(/unknown template filter 'rot13'/);
    }
  });
});

describe("vault paths", () => {
  it("accepts KV paths and rejects API spellings, dots and slashes", () => {
    for (const ok of ["platform/db", "a", "a-b/c_d/e.f"])
      expect(isValidVaultPath(ok), ok).toBe(true);
    for (const bad of [
      "",
      "/a",
      "a/",
      "a//b",
      "data/a",
      "secret/data/a",
      "secret/metadata/a",
      "a/b.",
      "a/./b",
      "a/../b",
      "a b",
    ]) {
      expect(isValidVaultPath(bad), bad).toBe(false);
    }
  });
});

describe("parseFixtures / resolveFixtures", () => {
  const file = (text: string, name = "f.yaml") => ({ file: name, text });

  it("resolves literals, derived secrets and templates across files", () => {
    const { set, problems } = parseFixtures([
      file(
        "paths:\n  a/db:\n    USER: app\n    PORT: 05432\n    PASS: { derive: { length: 12, alphabet: strong } }\n",
      ),
      file(
        "paths:\n  b/db:\n    URL: { template: 'postgresql://${a/db#USER}:${a/db#PASS | urlencode}@h:${a/db#PORT}/x' }\n    NOTE: { template: 'user ${a/db#USER}' }\n",
        "g.yaml",
      ),
    ]);
    expect(problems).toEqual([]);
    const resolved = resolveFixtures(set, { seed: "s", mount: "secret" });
    const a = resolved.get("a/db")!;
    expect(a.values.PORT).toBe("05432");
    expect(a.secretKeys).toEqual(new Set(["PASS"]));
    const b = resolved.get("b/db")!;
    expect(b.values.URL).toBe(`postgresql://app:${encodeURIComponent(a.values.PASS!)}@h:05432/x`);
    // a template built from a secret is a secret; one built from literals is not
    expect(b.secretKeys).toEqual(new Set(["URL"]));
    expect(b.file).toBe("g.yaml");
  });

  it("collects every problem with file:line:column", () => {
    const { problems } = parseFixtures([
      file(
        "paths:\n  a/b:\n    1BAD: x\n    E:\n    L: [1, 2]\n    D: { derive: { length: 4 } }\n    S: { value: x, secret: maybe }\nextra: 1\n",
      ),
    ]);
    expect(problems).toEqual([
      "f.yaml:3:5: bad key name '1BAD': expected letters, digits, '_', '.', '-' and not starting with a digit",
      "f.yaml:4:7: value is empty; write '' for an empty string",
      "f.yaml:5:8: expected a value: a string, or { value | derive | template } (lists are not allowed)",
      "f.yaml:6:28: derive.length: expected a whole number from 8 to 512",
      "f.yaml:7:28: secret: expected true or false",
      "f.yaml:8:1: unknown field 'extra' (known: paths, description)",
    ]);
  });

  it("rejects duplicate paths across files, naming the first", () => {
    const { problems } = parseFixtures([
      file("paths:\n  a/b:\n    K: v\n"),
      file("paths:\n  a/b:\n    K: w\n", "g.yaml"),
    ]);
    expect(problems).toEqual(["g.yaml:2:3: duplicate path 'a/b' (first declared at f.yaml:2:3)"]);
  });

  it("rejects YAML syntax errors, duplicate keys and cycles", () => {
    expect(parseFixtures([file("paths:\n  a/b:\n    K: [\n")]).problems[0]).toMatch(
      /^f\.yaml:\d+:\d+: invalid YAML/,
    );
    expect(parseFixtures([file("paths:\n  a/b:\n    K: 1\n    K: 2\n")]).problems[0]).toMatch(
      /^f\.yaml:4:5: invalid YAML: Map keys must be unique/,
    );
    const cyc = parseFixtures([
      file(
        "paths:\n  a/b:\n    X: { template: '${c/d#Y}' }\n  c/d:\n    Y: { template: '${a/b#X}' }\n",
      ),
    ]);
    expect(cyc.problems).toEqual(["f.yaml:5:8: template cycle: a/b#X → c/d#Y → a/b#X"]);
  });

  it("takes { env, default } values from the environment, else the default, else a problem", () => {
    const { set, problems } = parseFixtures([
      file(
        "paths:\n  a/b:\n    HOST: { env: DB_HOST, default: db.svc }\n    PORT: { env: DB_PORT }\n",
      ),
    ]);
    expect(problems).toEqual([]);
    expect(
      resolveFixtures(set, {
        seed: "s",
        mount: "m",
        env: { DB_HOST: "127.0.0.1", DB_PORT: "6543" },
      }).get("a/b")?.values,
    ).toEqual({ HOST: "127.0.0.1", PORT: "6543" });
    expect(() => resolveFixtures(set, { seed: "s", mount: "m", env: {} })).toThrow(
      /^f\.yaml:4:11: a\/b#PORT: environment variable DB_PORT is not set and there is no default$/,
    );
    expect(
      parseFixtures([
        file("paths:\n  a/b:\n    X: { env: lower }\n    Y: { value: x, default: y }\n"),
      ]).problems,
    ).toEqual([
      "f.yaml:3:15: env: expected an environment variable name like DEV_DB_HOST",
      "f.yaml:4:29: 'default' only goes with 'env'",
    ]);
  });

  it("accepts an empty file", () => {
    expect(parseFixtures([file("")]).problems).toEqual([]);
    expect(parseFixtures([file("# only a comment\n")]).problems).toEqual([]);
  });
});

describe("parseFixtures: the shape of a fixture file, with positions", () => {
  const problems = (text: string) => parseFixtures([{ file: "f.yaml", text }]).problems;

  it("a file that is not a mapping with paths", () => {
    expect(problems("- a\n- b\n")).toEqual(["f.yaml:1:1: expected a mapping with a 'paths' key"]);
    expect(problems("just text\n")).toEqual(["f.yaml:1:1: expected a mapping with a 'paths' key"]);
    expect(problems("paths: 3\n")).toEqual([
      "f.yaml:1:8: paths: expected a mapping of Vault paths",
    ]);
  });

  it("an empty file, or one holding only null, declares nothing and is no error", () => {
    for (const text of ["", "~\n", "# only a comment\n"]) {
      const r = parseFixtures([{ file: "f.yaml", text }]);
      expect(r.problems, JSON.stringify(text)).toEqual([]);
      expect(r.set.paths.size).toBe(0);
    }
  });

  it("a path without keys", () => {
    expect(problems("paths:\n  app/x: {}\n")).toEqual([
      "f.yaml:2:10: path 'app/x': expected a mapping of at least one key",
    ]);
    expect(problems("paths:\n  app/x:\n")).toEqual([
      "f.yaml:2:9: path 'app/x': expected a mapping of at least one key",
    ]);
  });

  it("a template's syntax error points into the template, past its quote", () => {
    expect(problems('paths:\n  app/x:\n    T: { template: "${A" }\n')).toEqual([
      "f.yaml:3:21: unclosed '${' in template",
    ]);
    expect(problems("paths:\n  app/x:\n    T: { template: 'ab ${A' }\n")).toEqual([
      "f.yaml:3:24: unclosed '${' in template",
    ]);
    expect(problems("paths:\n  app/x:\n    T: { template: ab ${A }\n")[0]).toMatch(/^f\.yaml:3:/);
  });

  it("invalid YAML is reported as such, and nothing else is checked", () => {
    expect(problems("a: [\n")).toEqual([
      "f.yaml:2:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("literal and env values are secret only when marked; env defaults are kept", () => {
    const { set, problems: found } = parseFixtures([
      {
        file: "f.yaml",
        text: "paths:\n  app/x:\n    P: plain\n    A: { value: x }\n    B: { value: y, secret: true }\n    C: { env: E }\n    D: { env: E, default: d, secret: true }\n",
      },
    ]);
    expect(found).toEqual([]);
    const spec = (key: string) => set.paths.get("app/x")!.keys.get(key)!.spec;
    expect(spec("P")).toEqual({ kind: "literal", value: "plain", secret: false });
    expect(spec("A")).toEqual({ kind: "literal", value: "x", secret: false });
    expect(spec("B")).toEqual({ kind: "literal", value: "y", secret: true });
    expect(spec("C")).toEqual({ kind: "env", name: "E", default: undefined, secret: false });
    expect(spec("D")).toEqual({ kind: "env", name: "E", default: "d", secret: true });
  });
});

describe("fixture value specs: what is refused, what is derived, what the environment gives", () => {
  const problems = (spec: string) =>
    parseFixtures([{ file: "f.yaml", text: `paths:\n  app/x:\n    A: ${spec}\n` }]).problems;

  it("refuses ambiguous or impossible specs, at the spec", () => {
    expect(problems("{ value: x, env: E }")).toEqual([
      "f.yaml:3:8: expected exactly one of 'value', 'derive', 'template' or 'env'",
    ]);
    expect(problems("{}")).toEqual([
      "f.yaml:3:8: expected exactly one of 'value', 'derive', 'template' or 'env'",
    ]);
    expect(problems("{ derive: { alphabet: aaaa } }")).toEqual([
      "f.yaml:3:30: derive.alphabet: expected one of alnum, hex, base64url, strong or a string of at least 2 distinct characters",
    ]);
    expect(problems("{ derive: { alphabet: abca } }")).toEqual([
      "f.yaml:3:30: derive.alphabet: characters must not repeat",
    ]);
    expect(problems("{ derive: { alphabet: ab } }")).toEqual([]);
    expect(problems("{ derive: {}, secret: false }")).toEqual([
      "f.yaml:3:30: a derived value is always a secret; drop 'secret: false'",
    ]);
    expect(problems("[1, 2]")).toEqual([
      "f.yaml:3:8: expected a value: a string, or { value | derive | template } (lists are not allowed)",
    ]);
  });

  it("scalars are stored as written; derive: true takes every default", () => {
    const { set, problems: found } = parseFixtures([
      {
        file: "f.yaml",
        text: "paths:\n  app/x:\n    N: 5\n    B: true\n    F: 1.50\n    G: { derive: true }\n",
      },
    ]);
    expect(found).toEqual([]);
    const values = resolveFixtures(set, { seed: "s", mount: "secret", env: {} }).get(
      "app/x",
    )!.values;
    expect({ ...values }).toEqual({
      N: "5",
      B: "true",
      F: "1.50",
      G: deriveSecret("s", "secret", "app/x", "G", DEFAULT_DERIVE),
    });
  });

  const envSet = () =>
    parseFixtures([
      {
        file: "f.yaml",
        text: "paths:\n  app/x:\n    D: { env: E }\n    F: { env: F, default: dflt }\n",
      },
    ]).set;

  it("env values: the variable, else the default; unset or empty without a default is an error", () => {
    const resolve = (env: Record<string, string>) =>
      resolveFixtures(envSet(), { seed: "s", mount: "secret", env }).get("app/x")!.values;
    expect({ ...resolve({ E: "e", F: "f" }) }).toEqual({ D: "e", F: "f" });
    expect(resolve({ E: "e" }).F).toBe("dflt");
    expect(resolve({ E: "e", F: "" }).F).toBe("dflt");
    const unset: Array<Record<string, string>> = [{}, { E: "" }];
    for (const env of unset) {
      let error: (Error & { hint?: string }) | undefined;
      try {
        resolve(env);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toBe(
        "f.yaml:3:8: app/x#D: environment variable E is not set and there is no default",
      );
      expect(error?.hint).toBe("set the variable, or give the value a default");
    }
  });

  it("a value over 1 MiB is refused with its size; exactly 1 MiB is stored", () => {
    const resolve = (bytes: number) =>
      resolveFixtures(envSet(), {
        seed: "s",
        mount: "secret",
        env: { E: "x".repeat(bytes) },
      });
    expect(resolve(1024 * 1024).get("app/x")!.values.D).toHaveLength(1024 * 1024);
    expect(() => resolve(1024 * 1024 + 1)).toThrow(
      "f.yaml:3:8: app/x#D: the value is 1.0 MiB; a value may be at most 1 MiB",
    );
    expect(() => resolve(3 * 1024 * 1024)).toThrow("the value is 3.0 MiB");
  });
});

describe("parseFixtures: paths, keys and references", () => {
  const problems = (...texts: string[]) =>
    parseFixtures(texts.map((text, i) => ({ file: `${"ab"[i]}.yaml`, text }))).problems;

  it("a list under paths is one problem, not one more per item", () => {
    expect(problems("paths:\n  - a\n")).toEqual([
      "a.yaml:2:3: paths: expected a mapping of Vault paths",
    ]);
  });

  it("a bad path name or key name is reported once, at the name, and nothing under it is checked", () => {
    expect(
      problems(
        "paths:\n  bad path:\n    A: { bogus: 1 }\n  app/y:\n    'bad key!': { bogus: 1 }\n    B: { value: 1, derive: {} }\n",
      ),
    ).toEqual([
      "a.yaml:2:3: bad Vault path 'bad path': expected a KV path like 'platform/db' (no leading '/', no 'data/' prefix, no '.' or '..' segments, no trailing '.')",
      "a.yaml:5:5: bad key name 'bad key!': expected letters, digits, '_', '.', '-' and not starting with a digit",
      "a.yaml:6:8: expected exactly one of 'value', 'derive', 'template' or 'env'",
    ]);
  });

  it("one problem per value spec: an unknown field before the derive settings' own", () => {
    expect(
      problems("paths:\n  app/x:\n    A: { derive: { length: 0, alphabet: a }, bogus: 1 }\n"),
    ).toEqual([
      "a.yaml:3:46: unknown field 'bogus' (known: value, derive, template, env, default, secret)",
    ]);
    expect(problems("paths:\n  app/x:\n    A: { derive: { length: -1 } }\n")).toEqual([
      "a.yaml:3:28: derive.length: expected a whole number from 8 to 512",
    ]);
  });

  it("a path declared in two files names both places", () => {
    expect(problems("paths:\n  app/x:\n    A: x\n", "\npaths:\n  app/x:\n    B: y\n")).toEqual([
      "b.yaml:3:3: duplicate path 'app/x' (first declared at a.yaml:2:3)",
    ]);
  });

  it("templates may not refer to unknown keys, nor go round in a cycle", () => {
    expect(problems('paths:\n  app/x:\n    A: { template: "${B}" }\n')).toEqual([
      "a.yaml:3:8: template of app/x#A refers to unknown key app/x#B",
    ]);
    expect(problems('paths:\n  app/x:\n    A: { template: "${other/y#B}" }\n')).toEqual([
      "a.yaml:3:8: template of app/x#A refers to unknown key other/y#B",
    ]);
    expect(
      problems(
        'paths:\n  app/x:\n    Z: { template: "${A}" }\n    A: { template: "${B}" }\n    B: { template: "${C}" }\n    C: { template: "${A}" }\n',
      ),
    ).toEqual(["a.yaml:6:8: template cycle: app/x#A → app/x#B → app/x#C → app/x#A"]);
    expect(problems('paths:\n  app/x:\n    A: { template: "${A}" }\n')).toEqual([
      "a.yaml:3:8: template cycle: app/x#A → app/x#A",
    ]);
  });
});
