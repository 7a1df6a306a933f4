/**
 * Where the installed package is, and post-start's warning while the Feature that
 * init copied into the workspace is older than the package's.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";

/** Loaded afresh for each test, so the module's own settings (its constants) are evaluated under the test too. */
let m: typeof import("../../src/flows/feature-copy.js");
beforeEach(async () => {
  vi.resetModules();
  m = await import("../../src/flows/feature-copy.js");
});

/** Files by absolute path: `readText` throws ENOENT for any other. */
function filesAt(files: Record<string, string>) {
  return {
    readText: (p: string) => {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
      return files[p]!;
    },
    exists: (p: string) => p in files,
  };
}

describe("findPackageRoot", () => {
  it("is the nearest folder above the file whose package.json is dev-bootstrap's, scoped or not", () => {
    // dist/ carries its own package.json ({"type":"module"}, no name): not the root.
    const scoped = filesAt({
      "/usr/lib/node_modules/@ameide/dev-bootstrap/package.json": JSON.stringify({
        name: "@ameide/dev-bootstrap",
      }),
      "/usr/lib/node_modules/@ameide/dev-bootstrap/dist/package.json": '{ "type": "module" }',
    });
    expect(
      m.findPackageRoot(scoped, "/usr/lib/node_modules/@ameide/dev-bootstrap/dist/run/init.js"),
    ).toBe("/usr/lib/node_modules/@ameide/dev-bootstrap");
    // However deep below it the file is.
    expect(
      m.findPackageRoot(scoped, "/usr/lib/node_modules/@ameide/dev-bootstrap/src/flows/init/x.ts"),
    ).toBe("/usr/lib/node_modules/@ameide/dev-bootstrap");
    const plain = filesAt({
      "/w/node_modules/dev-bootstrap/package.json": '{"name":"dev-bootstrap"}',
    });
    expect(m.findPackageRoot(plain, "/w/node_modules/dev-bootstrap/dist/bin/init.js")).toBe(
      "/w/node_modules/dev-bootstrap",
    );
  });

  it("passes over another package's package.json and one that is not JSON", () => {
    const fs = filesAt({
      "/w/package.json": '{"name":"dev-bootstrap"}',
      "/w/vendor/package.json": '{"name":"dev-bootstrap-extras"}',
      "/w/vendor/lib/package.json": "{ not json",
      "/w/vendor/lib/sub/package.json": '{"name":"@acme/not-dev-bootstrap"}',
    });
    expect(m.findPackageRoot(fs, "/w/vendor/lib/sub/x/file.js")).toBe("/w");
  });

  it("without one, is the folder above the bundle's: dist/bin/<command>.js and dist/run/<command>.js sit two folders below the package", () => {
    // A package renamed or vendored under another name has no dev-bootstrap package.json:
    // the root is then where the bundle layout puts it, so init still finds the Feature
    // and the Tilt extension (as before the search, when it was assumed).
    const renamed = filesAt({ "/opt/devboot/package.json": '{"name":"@acme/devboot"}' });
    expect(m.findPackageRoot(renamed, "/opt/devboot/dist/bin/init.js")).toBe("/opt/devboot");
    expect(m.findPackageRoot(renamed, "/opt/devboot/dist/run/init.js")).toBe("/opt/devboot");
  });
});

describe("staleFeature", () => {
  const pkg = "/pkg";
  const ws = "/ws";
  const copied = `${ws}/.devcontainer/dev-bootstrap/devcontainer-feature.json`;
  const shipped = `${pkg}/devcontainer-feature/src/dev-bootstrap/devcontainer-feature.json`;
  const feature = (version: unknown) => JSON.stringify({ id: "dev-bootstrap", version });
  const warning = (have: unknown, want: unknown) =>
    m.staleFeature(filesAt({ [copied]: feature(have), [shipped]: feature(want) }), ws, pkg);

  it("names both versions while the copy is older, with the hint to upgrade", () => {
    expect(m.packageFeatureDir(pkg)).toBe("/pkg/devcontainer-feature/src/dev-bootstrap");
    expect(warning("1.2.3", "1.3.0")).toBe(
      "the copied Feature in .devcontainer/dev-bootstrap/ is version 1.2.3, older than the installed package's 1.3.0",
    );
    expect(m.STALE_FEATURE_HINT).toBe(
      "run 'dev-bootstrap init --upgrade --dry-run' to see the difference, then 'dev-bootstrap init --upgrade' to refresh it",
    );
  });

  it("compares versions part by part as numbers, not as text", () => {
    expect(warning("1.2.9", "1.2.10")).toMatch(/version 1\.2\.9, older than .* 1\.2\.10$/);
    expect(warning("1.2.10", "1.2.9")).toBeUndefined();
    expect(warning("0.9.0", "1.0.0")).toBeDefined();
    expect(warning("2.0.0", "1.9.9")).toBeUndefined();
    expect(warning("1.2", "1.2.1")).toBeDefined();
    expect(warning("1.2.1", "1.2")).toBeUndefined();
    // Missing parts count as 0: 1.2 is 1.2.0.
    expect(warning("1.2", "1.2.0")).toBeUndefined();
    expect(warning("1.2.0", "1.2")).toBeUndefined();
    expect(warning("1.4.2", "1.4.2")).toBeUndefined();
  });

  it("ignores a pre-release or build suffix, and counts a part that is not a number as 0", () => {
    expect(warning("1.3.0-rc.1", "1.3.0")).toBeUndefined();
    expect(warning("1.3.0", "1.3.0+build.7")).toBeUndefined();
    expect(warning("1.2.0-rc.9", "1.3.0")).toBeDefined();
    expect(warning("1.x.5", "1.0.6")).toBeDefined();
    expect(warning("1.x.5", "1.0.4")).toBeUndefined();
  });

  it("says nothing about a copy or a package it cannot read a version from", () => {
    expect(warning(undefined, "1.0.0")).toBeUndefined();
    expect(warning(3, "1.0.0")).toBeUndefined();
    expect(warning("1.0.0", null)).toBeUndefined();
    expect(
      m.staleFeature(filesAt({ [copied]: "{ version: 1", [shipped]: feature("9.0.0") }), ws, pkg),
    ).toBeUndefined();
    // No copy (init never ran, or the Feature comes from a registry), no package Feature.
    expect(m.staleFeature(filesAt({ [shipped]: feature("9.0.0") }), ws, pkg)).toBeUndefined();
    expect(m.staleFeature(filesAt({ [copied]: feature("0.0.1") }), ws, pkg)).toBeUndefined();
  });
});
