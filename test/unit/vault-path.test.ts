/**
 * KV v2 paths as users write them in fixtures and the config: relative to the
 * mount, without the API's `data/` segment. A path Vault would take but store
 * where nobody looks is refused (FAULTS.md 9).
 */
import { describe, expect, it } from "vitest";
import { isValidVaultPath } from "../../src/core/vault-path.js";

describe("isValidVaultPath", () => {
  it.each(["platform/db", "a", "team-1/app_2/v1.2", "x/y/data", "x/y/metadata", "database/x"])(
    "takes %s",
    (path) => {
      expect(isValidVaultPath(path)).toBe(true);
    },
  );

  it.each([
    ["", "empty"],
    ["/platform/db", "a leading slash"],
    ["platform/db/", "a trailing slash"],
    ["platform//db", "an empty segment"],
    ["platform db", "a space"],
    ["platform/d\u00e9", "a non-ASCII letter"],
    ["data/platform", "the API's data/ segment first"],
    ["metadata/platform", "the API's metadata/ segment first"],
    ["secret/data/platform", "<mount>/data/ typed by hand"],
    ["secret/metadata/platform", "<mount>/metadata/ typed by hand"],
    ["data", "data alone"],
    ["secret/data", "<mount>/data alone"],
    ["./platform", "a '.' segment"],
    ["platform/..", "a '..' segment"],
    ["platform./db", "a segment ending in '.'"],
    ["platform/db.", "a last segment ending in '.'"],
  ])("refuses %j (%s)", (path) => {
    expect(isValidVaultPath(path)).toBe(false);
  });
});
