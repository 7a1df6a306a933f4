import { describe, expect, it } from "vitest";
import { enableCompileCache } from "../../src/cli/runtime.js";

describe("enableCompileCache", () => {
  it("hands the directory to Node where the API exists (Node ≥ 22.1)", () => {
    const dirs: string[] = [];
    const node = { enableCompileCache: (dir: string) => dirs.push(dir) };
    expect(enableCompileCache("/ws/.dev-bootstrap/compile-cache", node)).toBe(true);
    expect(dirs).toEqual(["/ws/.dev-bootstrap/compile-cache"]);
  });

  it("goes on without a cache where Node lacks the API, or cannot write it", () => {
    expect(enableCompileCache("/x", {})).toBe(false);
    const failing = {
      enableCompileCache: () => {
        throw new Error("EACCES");
      },
    };
    expect(enableCompileCache("/x", failing)).toBe(false);
  });

  it("is safe to call on this Node", () => {
    expect(() => enableCompileCache("/nonexistent/compile-cache")).not.toThrow();
  });
});
