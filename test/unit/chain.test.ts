import { describe, expect, it } from "vitest";
import {
  chainReport,
  differingKeys,
  fingerprinter,
  LINK_IDS,
  type LinkId,
  type LinkResult,
  renderChain,
  renderExplanation,
} from "../../src/core/chain.js";

const ok = (summary: string, evidence?: string[]): LinkResult =>
  evidence ? { status: "ok", summary, evidence } : { status: "ok", summary };

describe("the chain's link ids (a contract: scripts, Tilt and summaries name them)", () => {
  it("are these, in this order", () => {
    expect(LINK_IDS).toEqual([
      "fixtures",
      "vault",
      "vault-data",
      "eso",
      "external-secrets",
      "source-secrets",
      "migrations-secret",
      "database-login",
      "flyway",
    ]);
  });
});

describe("chainReport", () => {
  it("every link after the first broken one is skipped, naming it; the rest keep their result", () => {
    const results = new Map<LinkId, LinkResult>([
      ["fixtures", ok("2 paths", ["platform/db"])],
      ["vault", ok("active")],
      [
        "vault-data",
        { status: "broken", summary: "stale", evidence: ["v3 != v4"], fix: "dev-bootstrap sync" },
      ],
      ["eso", ok("installed")],
    ]);
    const report = chainReport(results, { connect: true });
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toBe("vault-data");
    expect(report.links.slice(0, 3)).toEqual([
      { id: "fixtures", status: "ok", summary: "2 paths", evidence: ["platform/db"], fix: null },
      { id: "vault", status: "ok", summary: "active", evidence: [], fix: null },
      {
        id: "vault-data",
        status: "broken",
        summary: "stale",
        evidence: ["v3 != v4"],
        fix: "dev-bootstrap sync",
      },
    ]);
    for (const link of report.links.slice(3))
      expect(link).toEqual({
        id: link.id,
        status: "skipped",
        summary: "not checked: vault-data is broken",
        evidence: [],
        fix: null,
      });
  });

  it("a link without a result is unchecked; the connect links say they need --connect", () => {
    const results = new Map<LinkId, LinkResult>(
      LINK_IDS.filter((id) => id !== "database-login" && id !== "flyway" && id !== "eso").map(
        (id) => [id, ok(`${id} fine`)],
      ),
    );
    const without = chainReport(results, { connect: false });
    expect(without.ok).toBe(true);
    expect(without.firstBroken).toBeNull();
    const byId = new Map(without.links.map((l) => [l.id, l]));
    expect(byId.get("eso")).toEqual({
      id: "eso",
      status: "unchecked",
      summary: "not checked",
      evidence: [],
      fix: null,
    });
    expect(byId.get("database-login")?.summary).toBe("not checked (needs --connect)");
    expect(byId.get("flyway")?.status).toBe("unchecked");
    expect(byId.get("flyway")?.summary).toBe("not checked (needs --connect)");
    const withConnect = chainReport(results, { connect: true });
    expect(withConnect.links.find((l) => l.id === "flyway")?.summary).toBe("not checked");
  });
});

describe("fingerprinter", () => {
  it("equal values print equal, different values and keys differently, never the value", () => {
    const print = fingerprinter(new Uint8Array(32).fill(7));
    const a = print("s3cret");
    expect(a).toMatch(/^hmac:[0-9a-f]{12}$/);
    expect(print("s3cret")).toBe(a);
    expect(print("s3cret!")).not.toBe(a);
    expect(fingerprinter(new Uint8Array(32).fill(8))("s3cret")).not.toBe(a);
    expect(a).not.toContain("s3cret");
  });
});

describe("differingKeys", () => {
  it("missing and different keys, in want's order; extra keys in have do not count", () => {
    expect(
      differingKeys({ A: "1", C: "x", EXTRA: "e" }, { A: "1", B: "2", C: "3", D: "4" }),
    ).toEqual({ missing: ["B", "D"], different: ["C"] });
    expect(differingKeys({ A: "" }, { A: "" })).toEqual({ missing: [], different: [] });
  });
});

describe("renderChain and renderExplanation", () => {
  const broken = chainReport(
    new Map<LinkId, LinkResult>([
      ["fixtures", ok("2 paths")],
      [
        "vault",
        {
          status: "broken",
          summary: "sealed\u001b[31m",
          evidence: ["health: 503", "sealed: true"],
          fix: "vault operator unseal",
        },
      ],
    ]),
    { connect: false },
  );

  it("a line per link in aligned columns, then the first broken link's evidence and fix", () => {
    const text = renderChain(broken);
    const lines = text.split("\n");
    expect(lines[0]).toBe("fixtures           ok       2 paths");
    expect(lines[1]).toBe("vault              BROKEN   sealed\\x1b[31m");
    expect(lines[2]).toBe("vault-data         skipped  not checked: vault is broken");
    expect(lines[8]).toBe("flyway             skipped  not checked: vault is broken");
    expect(lines.slice(9)).toEqual([
      "",
      "first broken link: vault — sealed\\x1b[31m",
      "  seen: health: 503",
      "  seen: sealed: true",
      "  fix:  vault operator unseal",
      "",
    ]);
  });

  it("says so when no link is broken, and marks unchecked links with -", () => {
    const text = renderChain(
      chainReport(new Map([["fixtures", ok("2 paths")]]), { connect: false }),
    );
    expect(text.split("\n")[1]).toBe("vault              -        not checked");
    expect(text.endsWith("\n\nno broken link\n")).toBe(true);
  });

  it("the explanation a failing command ends with", () => {
    expect(renderExplanation(broken)).toBe(
      [
        "why: first broken link: vault — sealed\\x1b[31m",
        "  fix: vault operator unseal",
        "  (details: dev-bootstrap why)",
        "",
      ].join("\n"),
    );
    const healthy = chainReport(
      new Map<LinkId, LinkResult>([
        ["fixtures", ok("2 paths")],
        ["vault", ok("active")],
        ["vault-data", ok("current")],
      ]),
      { connect: false },
    );
    expect(renderExplanation(healthy)).toBe(
      "why: no broken link (fixtures … vault-data ok); the failure is in the step above\n",
    );
    expect(renderExplanation(chainReport(new Map(), { connect: false }))).toBe(
      "why: no broken link (none … none ok); the failure is in the step above\n",
    );
  });
});
