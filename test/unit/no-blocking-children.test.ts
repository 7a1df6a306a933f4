/**
 * A synchronous child blocks the vitest worker's event loop for as long as it runs; past
 * vitest's RPC deadline (60 s, easily reached by npm or install.sh on a busy machine) the
 * run fails although every test passed. Slow children go through test/helpers/run-child.ts;
 * only the quick ones below may stay synchronous, each with the reason it is quick.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

interface Allowed {
  file: string;
  /** How the call's first argument starts, whitespace collapsed. */
  call: string;
  why: string;
}

const ALLOWED: Allowed[] = [
  {
    file: "test/integration/package.test.ts",
    call: '"git", ["ls-files"',
    why: "git lists the index it already holds",
  },
  {
    file: "test/integration/vault-client-env.test.ts",
    call: '"rm", [',
    why: "removes one empty file",
  },
  {
    file: "test/integration/vault-tls.test.ts",
    call: '"sh", ["-c", "printf',
    why: "a shell writing one line to a file",
  },
  {
    file: "test/integration/flyway-status.test.ts",
    call: '"mkfifo", [',
    why: "makes one named pipe",
  },
  {
    file: "test/integration/state-dir.test.ts",
    call: '"mkfifo", [',
    why: "makes one named pipe",
  },
  {
    file: "test/unit/fixture-dir.test.ts",
    call: '"mkfifo", [',
    why: "makes one named pipe",
  },
  {
    file: "test/unit/state-files.test.ts",
    call: '"mkfifo", [',
    why: "makes one named pipe",
  },
  {
    file: "test/unit/fixture-dir.test.ts",
    call: '"ln", [',
    why: "makes one link",
  },
  {
    file: "test/integration/state-dir.test.ts",
    call: 'process.execPath, ["-e", ""]',
    why: "node with an empty script exits at once; only its pid (now free) is used",
  },
  {
    file: "test/integration/cli-habits.test.ts",
    call: 'process.execPath, [join(REPO, "dist/bin/post-start.js"), "-V"]',
    why: "--version of a built bin prints and exits before any I/O",
  },
  {
    file: "test/integration/cli.test.ts",
    call: 'process.execPath, [join(REPO, "dist/bin", `${c.name}.js`), "--help"]',
    why: "--help of a built bin prints and exits before any I/O",
  },
  {
    file: "test/integration/devtools.test.ts",
    call: 'join(REPO, path), ["--help"]',
    why: "--help of a built bin prints and exits before any I/O",
  },
  {
    file: "test/integration/feature.test.ts",
    call: 'join(prefix, "bin", "check-db-migrations-secret"), ["--help"]',
    why: "--help of an installed bin prints and exits before any I/O",
  },
  {
    file: "test/integration/feature.test.ts",
    call: '"tar", ["-tvf"',
    why: "lists a packaged Feature of three small files",
  },
  {
    file: "test/integration/tilt-extension.test.ts",
    call: "process.env.TILTFILE_RUNNER,",
    why: "source text of a stand-in `tilt`; it runs in that child, not in the worker",
  },
  {
    file: "test/integration/tilt-extension.test.ts",
    call: "argv[0], argv.slice(1)",
    why: "source text of a stand-in `tilt`; it runs in that child, not in the worker",
  },
];

// Built from parts so this file's own text is not a call.
const SYNC_CALL = new RegExp(
  `\\b(${["spawn", "execFile", "exec"].map((f) => `${f}Sync`).join("|")})\\(`,
  "g",
);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? testFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every synchronous child call under test/: its file, line and first argument onwards. */
function syncCalls(): Array<{ file: string; line: number; text: string }> {
  const calls: Array<{ file: string; line: number; text: string }> = [];
  for (const path of testFiles(join(REPO, "test"))) {
    const source = readFileSync(path, "utf8");
    for (const m of source.matchAll(SYNC_CALL)) {
      const after = source.slice(m.index + m[0].length, m.index + m[0].length + 200);
      calls.push({
        file: relative(REPO, path),
        line: source.slice(0, m.index).split("\n").length,
        text: after.replace(/\s+/g, " ").trim(),
      });
    }
  }
  return calls;
}

const allows = (a: Allowed, c: { file: string; text: string }) =>
  a.file === c.file && c.text.startsWith(a.call);

describe("no test blocks its vitest worker on a slow child", () => {
  const calls = syncCalls();

  it("finds the synchronous calls it is meant to police", () => {
    expect(calls.length).toBeGreaterThan(0);
  });

  it("every synchronous child under test/ is a quick one on the allow-list (the rest use runChild)", () => {
    const blocking = calls
      .filter((c) => !ALLOWED.some((a) => allows(a, c)))
      .map((c) => `${c.file}:${c.line}: ${c.text.slice(0, 80)}`);
    expect(
      blocking,
      "run these with runChild (test/helpers/run-child.ts), or allow a quick one here with why",
    ).toEqual([]);
  });

  it("every allow-list entry still names a call (a stale entry would allow the next one unseen)", () => {
    const stale = ALLOWED.filter((a) => !calls.some((c) => allows(a, c))).map(
      (a) => `${a.file}: ${a.call}`,
    );
    expect(stale).toEqual([]);
  });
});
