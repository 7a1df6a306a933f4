import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flywayChecksum, MalformedInputError } from "../../src/core/flyway-files.js";
import { resolveFlywaySettings } from "../../src/core/flyway-settings.js";
import { REPO } from "../helpers/cli.js";
import { referenceChecksums } from "../helpers/flyway-reference.js";

const BOM = "\ufeff";
const SQL = "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n";
const UNICODE = "INSERT INTO city VALUES ('Zürich', 'naïve', '東京', '😀', 'e\u0301');\n";

/** File contents as a user's editor might save them; each is checked byte for byte. */
const VECTORS: Record<string, string> = {
  "LF, final newline": SQL,
  "LF, no final newline": SQL.trimEnd(),
  "CRLF, final newline": SQL.replace(/\n/g, "\r\n"),
  "CRLF, no final newline": SQL.replace(/\n/g, "\r\n").trimEnd(),
  "CR (classic Mac)": SQL.replace(/\n/g, "\r"),
  "mixed endings, CR CR LF": "select 1;\r\nselect 2;\rselect 3;\nselect 4;\r\r\nselect 5;",
  "blank lines around and between": "\n\nselect 1;\n\n\nselect 2;\n\n",
  "BOM, LF": `${BOM}${SQL}`,
  "BOM, CRLF, no final newline": `${BOM}${SQL.replace(/\n/g, "\r\n").trimEnd()}`,
  "BOM alone on the first line": `${BOM}\nselect 1;\n`,
  "two BOMs: Flyway drops only the first": `${BOM}${BOM}select 1;\n`,
  "BOM inside the file is data": `select 1;\n${BOM}select 2;\n`,
  "non-ASCII (2-, 3-, 4-byte UTF-8, combining mark)": UNICODE,
  "non-ASCII, BOM and CRLF": `${BOM}${UNICODE.replace(/\n/g, "\r\n")}`,
  "line separators Java's readLine keeps: U+2028, U+0085, form feed, vertical tab":
    "select 1;\u2028select 2;\u0085select 3;\fselect 4;\vselect 5;\n",
  "whitespace inside lines counts": "select 1; \n\tselect 2;\n",
  "only line endings": "\r\n\n\r",
  empty: "",
};

const names = Object.keys(VECTORS);
const bytes = names.map((n) => Buffer.from(VECTORS[n]!, "utf8"));
const expected = await referenceChecksums(bytes);

describe("flywayChecksum agrees with an independent implementation of Flyway's", () => {
  it.each(names.map((name, i) => [name, i] as const))("%s", (_name, i) => {
    // as flyway-status reads a file (bytes), and as a string
    expect(flywayChecksum(bytes[i]!)).toBe(expected[i]);
    expect(flywayChecksum(VECTORS[names[i]!]!)).toBe(expected[i]);
  });

  it("for every example migration in db/flyway/sql", async () => {
    const files: Buffer[] = [];
    for (const db of readdirSync(join(REPO, "db/flyway/sql")))
      for (const f of readdirSync(join(REPO, "db/flyway/sql", db)).filter((x) =>
        x.endsWith(".sql"),
      ))
        files.push(readFileSync(join(REPO, "db/flyway/sql", db, f)));
    expect(files.length).toBeGreaterThan(4);
    expect(files.map((f) => flywayChecksum(f))).toEqual(await referenceChecksums(files));
  });

  it("the vectors tell the cases apart (they would catch a change in any rule)", async () => {
    const at = (name: string) => expected[names.indexOf(name)];
    // line endings and a final newline do not count; a BOM at the start does not count
    expect(new Set(names.slice(0, 5).map(at)).size).toBe(1);
    expect(at("BOM, LF")).toBe(at("LF, final newline"));
    // one BOM too many, a BOM inside, and whitespace do
    expect(at("two BOMs: Flyway drops only the first")).not.toBe(
      (await referenceChecksums([Buffer.from("select 1;\n")]))[0],
    );
    expect(at("BOM inside the file is data")).not.toBe(
      (await referenceChecksums([Buffer.from("select 1;\nselect 2;\n")]))[0],
    );
    expect(at("only line endings")).toBe(0);
  });
});

// Flyway decodes migrations with a decoder that reports malformed input
// (FileSystemResource.read → charset.newDecoder()): it stops with "Unable to calculate
// checksum of …", so there is no checksum to agree with.
describe("a migration that is not valid UTF-8 has no checksum, as in Flyway", () => {
  it.each([
    ["a Latin-1 'ü' (0xFC)", Buffer.from("select 'Z\xfcrich';\n", "latin1"), 9],
    [
      "a truncated 3-byte sequence at the end",
      Buffer.concat([Buffer.from("select 1;\n"), Buffer.from([0xe6, 0x9d])]),
      10,
    ],
    ["an overlong '/' (0xC0 0xAF)", Buffer.from([0x73, 0xc0, 0xaf]), 1],
  ])("%s", (_name, bytes, offset) => {
    expect(() => flywayChecksum(bytes)).toThrow(MalformedInputError);
    expect(() => flywayChecksum(bytes)).toThrow(`not valid UTF-8 at byte ${offset}`);
  });

  it("valid UTF-8 bytes and the same text as a string agree", () => {
    expect(flywayChecksum(Buffer.from(UNICODE))).toBe(flywayChecksum(UNICODE));
  });
});

// FLYWAY_ENCODING: Flyway decodes each file in it, then takes the CRC-32 of each line's
// UTF-8 bytes; so a Latin-1 file read as ISO-8859-1 has the checksum of its text.
describe("the encoding Flyway reads migrations in (FLYWAY_ENCODING)", () => {
  const latin1 = Buffer.from("insert into city values ('Z\xfcrich');\n", "latin1");

  it("ISO-8859-1: every byte is a character, the checksum is the text's", () => {
    expect(flywayChecksum(latin1, "ISO-8859-1")).toBe(
      flywayChecksum("insert into city values ('Zürich');\n"),
    );
  });

  it("US-ASCII: a byte above 0x7F is malformed, as Java's decoder reports it", () => {
    expect(() => flywayChecksum(latin1, "US-ASCII")).toThrow("not valid US-ASCII at byte 27");
    expect(flywayChecksum(Buffer.from(SQL), "US-ASCII")).toBe(flywayChecksum(SQL));
    // 0x7F (DEL) is still ASCII; a bad first byte is found at 0.
    expect(flywayChecksum(Buffer.from("select 1;\x7f", "latin1"), "US-ASCII")).toBe(
      flywayChecksum("select 1;\x7f"),
    );
    expect(() => flywayChecksum(Buffer.from([0x80, 0x41]), "US-ASCII")).toThrow(
      "not valid US-ASCII at byte 0",
    );
  });

  it("takes Java's names and aliases, case-insensitive; refuses what it cannot read", () => {
    expect(resolveFlywaySettings({ env: {} }).encoding).toBe("UTF-8");
    expect(resolveFlywaySettings({ env: { FLYWAY_ENCODING: "iso8859_1" } }).encoding).toBe(
      "ISO-8859-1",
    );
    expect(resolveFlywaySettings({ env: { FLYWAY_ENCODING: "us-ascii" } }).encoding).toBe(
      "US-ASCII",
    );
    expect(() => resolveFlywaySettings({ env: { FLYWAY_ENCODING: "UTF-16" } })).toThrow(
      "FLYWAY_ENCODING: flyway-status reads migrations in UTF-8, ISO-8859-1 or US-ASCII, not 'UTF-16'",
    );
  });
});
