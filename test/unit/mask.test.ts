import { describe, expect, it } from "vitest";
import { MASK, SecretMasker } from "../../src/core/mask.js";
import { secretValuesOf } from "../../src/core/secret-values.js";

const CANARY = "canary-S3cr3t/@:?#%& value";

describe("SecretMasker", () => {
  it("masks a registered value anywhere in a string, in every wire spelling", () => {
    const m = new SecretMasker();
    m.register(CANARY);
    expect(m.mask(`before ${CANARY} after`)).toBe(`before ${MASK} after`);
    expect(m.mask(`url=${encodeURIComponent(CANARY)}`)).toBe(`url=${MASK}`);
    expect(m.mask(`b64=${Buffer.from(CANARY).toString("base64")}`)).toBe(`b64=${MASK}`);
    expect(m.mask(JSON.stringify({ p: `x"y\\z${CANARY}` }))).not.toContain(CANARY);
  });

  it("masks JSON-escaped values (quotes and backslashes)", () => {
    const m = new SecretMasker();
    const tricky = 'pa"ss\\word';
    m.register(tricky);
    const line = JSON.stringify({ body: { password: tricky } });
    expect(line).not.toContain(tricky);
    expect(m.mask(line)).toBe(JSON.stringify({ body: { password: MASK } }));
    // a JSON body embedded as a string inside another JSON document
    const nested = JSON.stringify({ message: JSON.stringify({ password: tricky }) });
    expect(m.mask(nested)).toBe(JSON.stringify({ message: JSON.stringify({ password: MASK }) }));
  });

  it("masks canaries deep in objects, arrays, maps, errors and causes", () => {
    const m = new SecretMasker();
    m.register(CANARY);
    const err = new Error(`request failed: body ${CANARY}`, {
      cause: new Error(`inner ${CANARY}`),
    });
    Object.assign(err, { response: { body: { data: { password: CANARY } } } });
    const cyclic: Record<string, unknown> = { list: [[{ deep: [CANARY] }]], err };
    cyclic.self = cyclic;
    cyclic.map = new Map([["k", CANARY]]);
    const out = m.maskDeep(cyclic);
    const seen = new Set<unknown>();
    const text = JSON.stringify(out, (_k, v) => {
      if (v && typeof v === "object") {
        if (seen.has(v)) return "[cycle]";
        seen.add(v);
      }
      if (v instanceof Error) return { ...v, message: v.message, stack: v.stack, cause: v.cause };
      return v instanceof Map ? [...v] : v;
    });
    expect(text).not.toContain(CANARY);
    expect(text).toContain(MASK);
    expect((out as { self: unknown }).self).toBe(out);
    // the input is untouched
    expect((cyclic.list as unknown[][])[0]).toEqual([{ deep: [CANARY] }]);
  });

  it("masks the longer of two overlapping secrets whole", () => {
    const m = new SecretMasker();
    m.register("abcd");
    m.register("abcdefgh");
    expect(m.mask("abcdefgh")).toBe(MASK);
  });

  it("masks megabyte-long values without building a giant pattern", () => {
    const m = new SecretMasker();
    const huge = "y".repeat(1_100_000);
    m.register(huge);
    m.register("short-secret");
    expect(m.mask(`a ${huge} b short-secret c`)).toBe(`a ${MASK} b ${MASK} c`);
  });

  it("ignores values too short to mask safely", () => {
    const m = new SecretMasker();
    m.register("ab");
    m.register(undefined);
    expect(m.size).toBe(0);
    expect(m.mask("abab")).toBe("abab");
  });
});

describe("which fixture values are masked (secretValuesOf)", () => {
  it("values of secret-looking keys, in any case", () => {
    const secretKeys = [
      "DB_PASSWORD",
      "PGPASSWD",
      "CLIENT_SECRET",
      "VAULT_TOKEN",
      "github_token",
      "PRIVATE_PEM",
      "GCP_CREDENTIALS",
      "STRIPE_KEY",
      "KEY",
      "MAPS_APIKEY",
    ];
    for (const key of secretKeys)
      expect(secretValuesOf({ [key]: `value-of-${key}` }), key).toEqual([`value-of-${key}`]);
  });

  it("not the names around them: users, databases, hosts, key ids", () => {
    expect(
      secretValuesOf({
        DB_USER: "platform",
        DB_NAME: "platform",
        KEYCLOAK_HOST: "auth.internal",
        KEY_ID: "k-1",
        MONKEY: "banana",
        EMPTY_PASSWORD: "",
      }),
    ).toEqual([]);
  });

  it("a PostgreSQL URL's password and the URL, whatever the key; not a URL without one", () => {
    expect(secretValuesOf({ DATABASE_URL: "postgresql://app:s3cret@db:5432/platform" })).toEqual([
      "s3cret",
      "postgresql://app:s3cret@db:5432/platform",
    ]);
    expect(secretValuesOf({ DATABASE_URL: "postgresql://app@db:5432/platform" })).toEqual([]);
  });
});
