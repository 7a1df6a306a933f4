import { describe, expect, it } from "vitest";
import { startupOptions } from "../../src/adapters/postgres.js";

describe("startupOptions (what the login sends as `options`)", () => {
  it("nothing when the URL names no schema and no options", () => {
    expect(startupOptions([["sslmode", "require"]])).toBeUndefined();
  });

  it("pgjdbc's currentSchema becomes the search_path, a list kept as written", () => {
    expect(startupOptions([["currentSchema", "app,public"]])).toBe("-c search_path=app,public");
  });

  it("whitespace and backslashes in the schema are escaped, as the server splits on any whitespace", () => {
    expect(startupOptions([["currentSchema", "my app\\x"]])).toBe("-c search_path=my\\ app\\\\x");
    expect(startupOptions([["currentSchema", "my\tapp\nx"]])).toBe("-c search_path=my\\\tapp\\\nx");
  });

  it("libpq's options go as given, with currentSchema after them", () => {
    expect(
      startupOptions([
        ["options", "-c statement_timeout=5s"],
        ["currentSchema", "ledger"],
      ]),
    ).toBe("-c statement_timeout=5s -c search_path=ledger");
  });
});
