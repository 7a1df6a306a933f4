/**
 * Loading the fixture directory (seed, watcher, sandbox all load it this way):
 * which files are read, in which order, what a file that cannot be a fixture is
 * told with (FAULTS 41, 42, 53), and that every secret value, and no other, is
 * registered for masking before any network call.
 */
import { chmodSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";
import { resolveConfig } from "../../src/config/resolve.js";
import { InputError } from "../../src/core/errors.js";
import { SecretMasker } from "../../src/core/mask.js";
import {
  FIXTURE_EXTENSIONS,
  loadFixtureDirectory,
  loadFixtures,
  readFixtureSources,
} from "../../src/flows/fixtures.js";
import { makeWorkspace } from "../helpers/workspace.js";

const GOOD = (path: string) => `paths:\n  ${path}:\n    A: b\n`;

function refused(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
}

const load = (text: string, options: { invalidHint?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const masker = new SecretMasker();
  const result = loadFixtures([{ file: "vault/fixtures/f.yaml", text }], {
    seed: "dev-bootstrap-local",
    mount: "secret",
    masker,
    env: options.env ?? {},
    ...(options.invalidHint ? { invalidHint: options.invalidHint } : {}),
  });
  return { ...result, masker };
};

describe("reading the fixture directory", () => {
  it("reads *.yaml and *.yml in name order, skipping hidden and other files", () => {
    const ws = makeWorkspace({
      "vault/fixtures/b.yml": GOOD("app/b"),
      "vault/fixtures/a.yaml": GOOD("app/a"),
      "vault/fixtures/c.YAML.txt": "not a fixture",
      "vault/fixtures/.draft.yaml": "paths: [",
      "vault/fixtures/notes.md": "# notes",
      "vault/fixtures/yaml": "no extension",
      "vault/fixtures/x.yaml.bak": "paths: [",
    });
    // Whatever order the directory lists them in (here: reversed).
    const sources = readFixtureSources(join(ws.dir, "vault/fixtures"), ws.dir, {
      readdir: (dir) => nodeFs.readdir(dir).sort().reverse(),
      readRegular: nodeFs.readRegular,
    });
    expect(sources).toEqual([
      { file: "vault/fixtures/a.yaml", text: GOOD("app/a") },
      { file: "vault/fixtures/b.yml", text: GOOD("app/b") },
    ]);
    expect(FIXTURE_EXTENSIONS.test("a.yaml")).toBe(true);
    expect(FIXTURE_EXTENSIONS.test("a.yml")).toBe(true);
    expect(FIXTURE_EXTENSIONS.test("a.yaml.swp")).toBe(false);
  });

  it("names files relative to the workspace, or in full when the directory is the workspace", () => {
    const ws = makeWorkspace({ "a.yaml": GOOD("app/a") });
    const sources = readFixtureSources(ws.dir, join(ws.dir, "a.yaml"), nodeFs);
    // relative() of a file to itself is empty: the full path is shown instead.
    expect(sources.map((s) => s.file)).toEqual([join(ws.dir, "a.yaml")]);
  });

  it("a missing directory says which, why, and what to set", () => {
    const ws = makeWorkspace();
    const error = refused(() => readFixtureSources(join(ws.dir, "nowhere"), ws.dir, nodeFs));
    expect(error.problems).toEqual([
      `${join(ws.dir, "nowhere")}: cannot read the fixture directory (ENOENT)`,
    ]);
    expect(error.hint).toBe(
      "create it, or point vault.fixturesDir / --fixtures at the directory holding your *.yaml fixtures",
    );
  });

  it("an error without a code still names the directory", () => {
    const error = refused(() =>
      readFixtureSources("/fx", "/", {
        readdir: () => {
          throw new Error("boom");
        },
        readRegular: () => ({ kind: "none" }),
      }),
    );
    expect(error.problems).toEqual(["/fx: cannot read the fixture directory (error)"]);
  });

  it("a file past 32 MiB is refused before it is read, with its size (FAULTS 53)", () => {
    const ws = makeWorkspace({ "vault/fixtures/a.yaml": GOOD("app/a") });
    const big = ws.write("vault/fixtures/big.yaml", "");
    truncateSync(big, 48 * 1024 * 1024 + 512 * 1024); // sparse: nothing is written
    const at = ws.write("vault/fixtures/edge.yaml", "");
    truncateSync(at, 32 * 1024 * 1024); // exactly the limit: read (and then parsed)
    const reads: Array<[string, number | undefined]> = [];
    const error = refused(() =>
      readFixtureSources(join(ws.dir, "vault/fixtures"), ws.dir, {
        readdir: nodeFs.readdir,
        readRegular: (file, max) => {
          reads.push([file.slice(ws.dir.length + 1), max]);
          return nodeFs.readRegular(file, max);
        },
      }),
    );
    expect(error.problems).toEqual([
      "vault/fixtures/big.yaml: 48.5 MiB; a fixture file may be at most 32 MiB",
    ]);
    expect(error.hint).toBe(
      "fix the file at that position, or move what is not a fixture out of the directory",
    );
    expect(reads).toEqual([
      ["vault/fixtures/a.yaml", 32 * 1024 * 1024],
      ["vault/fixtures/big.yaml", 32 * 1024 * 1024],
      ["vault/fixtures/edge.yaml", 32 * 1024 * 1024],
    ]);
  });

  it("every file that cannot be read is named, in order, in one error", () => {
    const ws = makeWorkspace({
      "vault/fixtures/a.yaml": GOOD("app/a"),
      "vault/fixtures/b.yaml": GOOD("app/b"),
      "vault/fixtures/c.yaml": "",
    });
    const bytes = Buffer.concat([Buffer.from("paths:\n  \u00e9/x"), Buffer.from([0xc3])]);
    writeFileSync(join(ws.dir, "vault/fixtures/c.yaml"), bytes);
    chmodSync(join(ws.dir, "vault/fixtures/a.yaml"), 0o000);
    const error = refused(() => readFixtureSources(join(ws.dir, "vault/fixtures"), ws.dir, nodeFs));
    const unreadable =
      process.getuid?.() === 0
        ? []
        : [
            "vault/fixtures/a.yaml: not a regular file (unreadable: EACCES); fixtures must be plain files",
          ];
    // Line and column count characters (é is one), the byte is shown as written.
    expect(error.problems).toEqual([
      ...unreadable,
      "vault/fixtures/c.yaml:2:6: not valid UTF-8 (byte 0xc3); save the file as UTF-8",
    ]);
  });

  it("a bad byte on the first line is at line 1, its column counted from 1", () => {
    const ws = makeWorkspace();
    ws.write("fx/a.yaml", "");
    writeFileSync(
      join(ws.dir, "fx/a.yaml"),
      Buffer.concat([Buffer.from("ab"), Buffer.from([0x80])]),
    );
    const error = refused(() => readFixtureSources(join(ws.dir, "fx"), ws.dir, nodeFs));
    expect(error.problems).toEqual([
      "fx/a.yaml:1:3: not valid UTF-8 (byte 0x80); save the file as UTF-8",
    ]);
  });

  it("a file that starts with a bad byte is refused at 1:1", () => {
    const ws = makeWorkspace();
    ws.write("fx/a.yaml", "");
    writeFileSync(join(ws.dir, "fx/a.yaml"), Buffer.from([0xfe, 0x61]));
    const error = refused(() => readFixtureSources(join(ws.dir, "fx"), ws.dir, nodeFs));
    expect(error.problems).toEqual([
      "fx/a.yaml:1:1: not valid UTF-8 (byte 0xfe); save the file as UTF-8",
    ]);
  });

  it("a file name with control characters is echoed escaped (FAULTS 42)", () => {
    const error = refused(() =>
      readFixtureSources("/fx", "/", {
        readdir: () => ["a\u001b[2J.yaml"],
        readRegular: () => ({ kind: "a socket" }),
      }),
    );
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).not.toMatch(/\u001b/);
    expect(error.problems[0]).toMatch(/^fx\/a\\x1b\[2J\.yaml: not a regular file \(a socket\)/);
  });
});

describe("validating and computing the values", () => {
  it("registers every secret value for masking, and no plain one", () => {
    const { resolved, masker } = load(
      'paths:\n  app/db:\n    USER: alice\n    PASSWORD: { derive: { length: 20 } }\n    URL: { template: "postgresql://${USER}:${PASSWORD}@db/app" }\n',
    );
    const p = resolved.get("app/db")!;
    expect(p.values.PASSWORD).toHaveLength(20);
    expect(masker.mask(`pw ${p.values.PASSWORD}`)).toBe("pw ***");
    expect(masker.mask(p.values.URL!)).not.toContain(p.values.PASSWORD);
    expect(masker.mask(p.values.URL!)).not.toBe(p.values.URL);
    expect(masker.mask("alice")).toBe("alice");
  });

  it("an invalid fixture is refused with its position and the default hint, or the caller's", () => {
    const bad = "paths:\n  app/x:\n    A: !!binary aGVsbG8=\n";
    const error = refused(() => load(bad));
    expect(error.problems).toEqual([
      "vault/fixtures/f.yaml:3:8: unsupported YAML tag '!!binary': write the value as a plain or quoted string",
    ]);
    expect(error.hint).toBe("fix the fixture file at that position; nothing was written to Vault");
    expect(refused(() => load(bad, { invalidHint: "save again" })).hint).toBe("save again");
  });

  it("a value that cannot be computed is an input error with its own hint", () => {
    const error = refused(() => load("paths:\n  app/x:\n    A: { env: NOT_SET_ANYWHERE }\n"));
    expect(error.problems).toEqual([
      "vault/fixtures/f.yaml:3:8: app/x#A: environment variable NOT_SET_ANYWHERE is not set and there is no default",
    ]);
    expect(error.hint).toBe("set the variable, or give the value a default");
    const set = load("paths:\n  app/x:\n    A: { env: NOT_SET_ANYWHERE }\n", {
      env: { NOT_SET_ANYWHERE: "v" },
    });
    expect(set.resolved.get("app/x")!.values.A).toBe("v");
  });

  it("loads the configured directory with the configured seed and mount", () => {
    const ws = makeWorkspace({
      "dev-bootstrap.yaml": "vault:\n  fixturesDir: fx\n  seed: other-seed\n  mount: kv\n",
      "fx/a.yaml": "paths:\n  app/a:\n    P: { derive: { length: 16, alphabet: hex } }\n",
    });
    const resolved = resolveConfig({ cwd: ws.dir, env: {} });
    const masker = new SecretMasker();
    const paths = loadFixtureDirectory(resolved, { masker, env: {}, fs: nodeFs });
    const value = paths.get("app/a")!.values.P!;
    expect(paths.get("app/a")!.file).toBe("fx/a.yaml");
    // The same derivation with the defaults gives another value: seed and mount count.
    const ws2 = makeWorkspace({
      "vault/fixtures/a.yaml":
        "paths:\n  app/a:\n    P: { derive: { length: 16, alphabet: hex } }\n",
    });
    const defaults = loadFixtureDirectory(resolveConfig({ cwd: ws2.dir, env: {} }), {
      masker,
      env: {},
      fs: nodeFs,
    });
    expect(defaults.get("app/a")!.values.P).not.toBe(value);
    const seedOnly = makeWorkspace({
      "dev-bootstrap.yaml": "vault:\n  seed: other-seed\n",
      "vault/fixtures/a.yaml":
        "paths:\n  app/a:\n    P: { derive: { length: 16, alphabet: hex } }\n",
    });
    const withSeed = loadFixtureDirectory(resolveConfig({ cwd: seedOnly.dir, env: {} }), {
      masker,
      env: {},
      fs: nodeFs,
    });
    expect(withSeed.get("app/a")!.values.P).not.toBe(value);
    expect(withSeed.get("app/a")!.values.P).not.toBe(defaults.get("app/a")!.values.P);
    expect(masker.mask(value)).toBe("***");
  });
});
