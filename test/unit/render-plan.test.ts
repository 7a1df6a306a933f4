/**
 * `ensure-local-secrets --plan` as a person reads it: one line per Vault path with
 * its action, one line per key with a mark, the totals, and never a value.
 */
import { describe, expect, it } from "vitest";
import { renderPlan } from "../../src/flows/render-plan.js";
import type { PathPlan } from "../../src/flows/seed-vault.js";

describe("renderPlan", () => {
  it("lists each path's action and each key's mark, word for word, then the totals", () => {
    const paths: PathPlan[] = [
      {
        path: "platform/db",
        action: "update",
        found: "present",
        written: false,
        keys: [
          { key: "DB_USERNAME", action: "unchanged" },
          { key: "DB_PASSWORD", action: "update" },
          { key: "API_KEY", action: "create" },
          { key: "EXTRA", action: "kept" },
        ],
      },
      {
        path: "agents/db",
        action: "create",
        found: "missing",
        written: false,
        keys: [{ key: "DB_PASSWORD", action: "create" }],
      },
      {
        path: "billing/db",
        action: "create",
        found: "deleted",
        written: false,
        keys: [{ key: "DB_NAME", action: "create" }],
      },
      {
        path: "audit/db",
        action: "unchanged",
        found: "present",
        written: false,
        keys: [{ key: "DB_NAME", action: "unchanged" }],
      },
    ];
    expect(renderPlan(paths)).toBe(
      [
        "update    platform/db",
        "    DB_USERNAME",
        "  ~ DB_PASSWORD (update)",
        "  + API_KEY (create)",
        "  = EXTRA (not in fixtures; kept)",
        "create    agents/db",
        "  + DB_PASSWORD (create)",
        "create    billing/db (latest version soft-deleted)",
        "  + DB_NAME (create)",
        "unchanged audit/db",
        "    DB_NAME",
        "",
        "3 path(s) would change, 1 unchanged. Values are never shown.",
        "",
      ].join("\n"),
    );
  });

  it("says so when nothing would change, and when there is nothing at all", () => {
    const same: PathPlan = {
      path: "platform/db",
      action: "unchanged",
      found: "present",
      written: false,
      keys: [],
    };
    expect(renderPlan([same, { ...same, path: "agents/db" }])).toBe(
      "unchanged platform/db\nunchanged agents/db\n\n0 path(s) would change, 2 unchanged. Values are never shown.\n",
    );
    expect(renderPlan([])).toBe("\n0 path(s) would change, 0 unchanged. Values are never shown.\n");
  });
});
