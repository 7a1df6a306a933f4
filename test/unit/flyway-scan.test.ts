/**
 * One Flyway filesystem location scanned on a real disk, the way flyway-core 10's
 * FileSystemScanner walks it: every subdirectory, hidden ones (Kubernetes' ..data
 * mounts, Flyway #1807) left out, links to directories followed, what cannot be
 * listed or read passed over, resources in path order (a TreeSet); each script
 * named by its path relative to the location and checksummed from its text
 * (decoded in the location's encoding, or its <script>.conf's: SqlScriptMetadata).
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeFs } from "../../src/cli/host.js";
import { flywayChecksum } from "../../src/core/flyway-files.js";
import { DEFAULT_NAMING } from "../../src/core/flyway-settings.js";
import { scanLocation } from "../../src/flows/flyway-scan.js";
import type { FsPort, TreeEntry } from "../../src/flows/host.js";
import { runChild } from "../helpers/run-child.js";
import { makeWorkspace } from "../helpers/workspace.js";

/** A location directory holding `files` (relative path → text or bytes). */
function location(files: Record<string, string | Uint8Array>): string {
  const ws = makeWorkspace();
  const dir = join(ws.dir, "sql", "platform");
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) ws.write(join("sql", "platform", name), body);
  return dir;
}

const scripts = (scan: ReturnType<typeof scanLocation>) => scan.migrations.map((m) => m.script);

describe("scanning a location", () => {
  it("finds every migration under it, in path order, named relative to the location", () => {
    const dir = location({
      "V2__second.sql": "create table b (id int);\n",
      "V1__first.sql": "create table a (id int);\r\n",
      "b/V4__in_b.sql": "select 4;",
      "a/deeper/V3__deep.sql": "select 3;",
      "R__views.sql": "create or replace view v as select 1;\n",
      "B5__baseline.sql": "select 5;",
      "README.md": "not a migration",
      "V1__first.sql.bak": "a suffix Flyway does not read",
    });
    const scan = scanLocation(nodeFs, dir);
    expect(scan.invalid).toEqual([]);
    expect(scan.unreadable).toEqual([]);
    expect(scripts(scan)).toEqual([
      "B5__baseline.sql",
      "R__views.sql",
      "V1__first.sql",
      "V2__second.sql",
      "a/deeper/V3__deep.sql",
      "b/V4__in_b.sql",
    ]);
    const byScript = new Map(scan.migrations.map((m) => [m.script, m]));
    expect(byScript.get("V1__first.sql")).toEqual({
      kind: "versioned",
      type: "SQL",
      script: "V1__first.sql",
      version: "1",
      rawVersion: "1",
      description: "first",
      checksum: flywayChecksum("create table a (id int);\r\n"),
      physicalLocation: join(dir, "V1__first.sql"),
    });
    // A repeatable keeps its text: its checksum is taken again once placeholders are known.
    expect(byScript.get("R__views.sql")).toEqual({
      kind: "repeatable",
      type: "SQL",
      script: "R__views.sql",
      description: "views",
      checksum: flywayChecksum("create or replace view v as select 1;\n"),
      physicalLocation: join(dir, "R__views.sql"),
      text: "create or replace view v as select 1;\n",
    });
    expect(byScript.get("a/deeper/V3__deep.sql")?.physicalLocation).toBe(
      join(dir, "a", "deeper", "V3__deep.sql"),
    );
  });

  it("says why Flyway cannot read a SQL file's name, and goes on", () => {
    const dir = location({ "V1_missing_separator.sql": "", "V2__ok.sql": "" });
    const scan = scanLocation(nodeFs, dir);
    expect(scripts(scan)).toEqual(["V2__ok.sql"]);
    expect(scan.invalid).toHaveLength(1);
    expect(scan.invalid[0]).toContain("V1_missing_separator.sql");
  });

  it("reads names by the naming settings given", () => {
    const dir = location({ "M1__custom.pgsql": "select 1;", "V2__default.sql": "select 2;" });
    const scan = scanLocation(nodeFs, dir, {
      naming: { ...DEFAULT_NAMING, sqlMigrationPrefix: "M", sqlMigrationSuffixes: [".pgsql"] },
    });
    expect(scripts(scan)).toEqual(["M1__custom.pgsql"]);
  });

  it("a location that does not exist holds nothing", () => {
    const scan = scanLocation(nodeFs, join(location({}), "missing"));
    expect(scan).toEqual({ migrations: [], invalid: [], unreadable: [] });
  });

  it("skips hidden directories, follows links to directories, and passes over dangling links and FIFOs", async () => {
    const dir = location({
      "..2026_01_01/V9__mounted_twice.sql": "select 9;",
      ".git/V8__hidden.sql": "select 8;",
      "V1__top.sql": "select 1;",
    });
    const elsewhere = location({
      "V2__linked.sql": "select 2;",
      "sub/V3__below_link.sql": "select 3;",
    });
    symlinkSync(elsewhere, join(dir, "shared"));
    symlinkSync(join(dir, "nothing-here"), join(dir, "dangling"));
    symlinkSync(join(elsewhere, "V2__linked.sql"), join(dir, "V4__file_link.sql"));
    // A FIFO would block a reader forever: it is neither read nor waited on.
    expect((await runChild("mkfifo", [join(dir, "V5__fifo.sql")])).status).toBe(0);
    const scan = scanLocation(nodeFs, dir);
    expect(scripts(scan)).toEqual([
      "V1__top.sql",
      "V4__file_link.sql",
      "shared/V2__linked.sql",
      "shared/sub/V3__below_link.sql",
    ]);
    expect(scan.migrations[1]?.checksum).toBe(flywayChecksum("select 2;"));
    expect(scan.invalid).toEqual([]);
    expect(scan.unreadable).toEqual([]);
  });

  it("stops at a link loop, says so, and reports no migrations from it", () => {
    const dir = location({ "V1__top.sql": "select 1;" });
    symlinkSync("..", join(dir, "up"));
    const scan = scanLocation(nodeFs, dir);
    expect(scan).toEqual({
      migrations: [],
      invalid: [],
      unreadable: [
        `${dir}: more than 40 directories deep or 5000 directories in all (a symbolic link loop?); Flyway's scan of it would not end either`,
      ],
    });
  });

  it("goes 40 directories deep, not 41", () => {
    const deep = (levels: number) => Array.from({ length: levels }, (_, i) => `d${i}`).join("/");
    const ok = scanLocation(nodeFs, location({ [`${deep(40)}/V1__deep.sql`]: "" }));
    expect(ok.unreadable).toEqual([]);
    expect(scripts(ok)).toEqual([`${deep(40)}/V1__deep.sql`]);
    const tooDeep = scanLocation(nodeFs, location({ [`${deep(41)}/V1__deep.sql`]: "" }));
    expect(scripts(tooDeep)).toEqual([]);
    expect(tooDeep.unreadable).toHaveLength(1);
  });

  it("reads at most 5000 directories in all (two links to a parent make the walk explode)", () => {
    // An in-memory tree: the location and `n` empty subdirectories.
    const wide = (n: number): Pick<FsPort, "list" | "readBytes"> => ({
      list: (d) =>
        d === "/loc"
          ? Array.from(
              { length: n },
              (_, i): TreeEntry => ({
                name: `d${i}`,
                path: `/loc/d${i}`,
                isFile: false,
                isDirectory: true,
                isSymlink: false,
              }),
            )
          : [],
      readBytes: () => Buffer.alloc(0),
    });
    expect(scanLocation(wide(4_999), "/loc").unreadable).toEqual([]);
    expect(scanLocation(wide(5_000), "/loc").unreadable).toEqual([
      "/loc: more than 40 directories deep or 5000 directories in all (a symbolic link loop?); Flyway's scan of it would not end either",
    ]);
  });

  it("orders by path as Flyway's TreeSet does, whatever order the directory lists in", () => {
    // '.' sorts before '/': V1.5__mid.sql comes before what the directory V1 holds.
    const dir = location({
      "V1/V3__deep.sql": "select 3;",
      "V1.5__mid.sql": "select 2;",
      "A__x.sql": "",
    });
    const reversed: Pick<FsPort, "list" | "readBytes"> = {
      list: (d) => nodeFs.list(d).reverse(),
      readBytes: nodeFs.readBytes,
    };
    for (const fs of [nodeFs, reversed])
      expect(scripts(scanLocation(fs, dir))).toEqual(["V1.5__mid.sql", "V1/V3__deep.sql"]);
  });

  it("passes over a directory it cannot list and a file it cannot read, as Flyway does", () => {
    const dir = location({
      "V1__ok.sql": "select 1;",
      "locked/V2__behind.sql": "select 2;",
      "V3__unreadable.sql": "select 3;",
    });
    const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const fs: Pick<FsPort, "list" | "readBytes"> = {
      list: (d) => {
        if (d === join(dir, "locked")) throw denied;
        return nodeFs.list(d);
      },
      readBytes: (p) => {
        if (p === join(dir, "V3__unreadable.sql")) throw denied;
        return nodeFs.readBytes(p);
      },
    };
    const scan = scanLocation(fs, dir);
    expect(scripts(scan)).toEqual(["V1__ok.sql"]);
    expect(scan.invalid).toEqual([]);
    expect(scan.unreadable).toEqual([]);
  });
});

describe("decoding a migration", () => {
  const latin1 = Buffer.from("select 'café';", "latin1");

  it("in the location's encoding; a byte that does not decode is named with the file alone", () => {
    const dir = location({ "sub/V1__accent.sql": latin1, "V2__plain.sql": "select 2;" });
    const scan = scanLocation(nodeFs, dir);
    expect(scripts(scan)).toEqual(["V2__plain.sql"]);
    expect(scan.unreadable).toEqual([
      "Unable to calculate checksum of V1__accent.sql: not valid UTF-8 at byte 11",
    ]);
    const asLatin1 = scanLocation(nodeFs, dir, { encoding: "ISO-8859-1" });
    expect(asLatin1.unreadable).toEqual([]);
    expect(asLatin1.migrations.find((m) => m.script === "sub/V1__accent.sql")?.checksum).toBe(
      flywayChecksum("select 'café';"),
    );
    expect(scanLocation(nodeFs, dir, { encoding: "US-ASCII" }).unreadable).toEqual([
      "Unable to calculate checksum of V1__accent.sql: not valid US-ASCII at byte 11",
    ]);
  });

  it("a <script>.conf beside it sets its encoding and placeholderReplacement", () => {
    const dir = location({
      "V1__accent.sql": latin1,
      "V1__accent.sql.conf": "encoding=ISO-8859-1\nplaceholderReplacement=false\n",
      "R__view.sql": "select '${x}';",
      "R__view.sql.conf": "placeholderReplacement=true\n",
      "V2__plain.sql": "select 2;",
    });
    const scan = scanLocation(nodeFs, dir);
    expect(scan.unreadable).toEqual([]);
    const byScript = new Map(scan.migrations.map((m) => [m.script, m]));
    expect(byScript.get("V1__accent.sql")).toMatchObject({
      checksum: flywayChecksum("select 'café';"),
      placeholderReplacement: false,
    });
    expect(byScript.get("R__view.sql")?.placeholderReplacement).toBe(true);
    // No .conf: the setting decides, so the migration carries none of its own.
    expect(byScript.get("V2__plain.sql")).not.toHaveProperty("placeholderReplacement");
  });

  it("a .conf it cannot read is no .conf: the script is read with the defaults, as Flyway reads it", () => {
    // FileSystemScanner keeps only files it can read, so SqlScriptMetadata finds no .conf.
    const dir = location({
      "V1__accent.sql": latin1,
      "V1__accent.sql.conf": "encoding=ISO-8859-1\n",
      "V2__plain.sql": "select 2;",
    });
    const fs: Pick<FsPort, "list" | "readBytes"> = {
      list: nodeFs.list,
      readBytes: (p) => {
        if (p.endsWith(".conf"))
          throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
        return nodeFs.readBytes(p);
      },
    };
    const scan = scanLocation(fs, dir, { encoding: "ISO-8859-1" });
    expect(scan.unreadable).toEqual([]);
    expect(scripts(scan)).toEqual(["V1__accent.sql", "V2__plain.sql"]);
    expect(scan.migrations[0]?.checksum).toBe(flywayChecksum("select 'café';"));
    // In UTF-8 (the default), the script itself is what cannot be read.
    expect(scanLocation(fs, dir).unreadable).toEqual([
      "Unable to calculate checksum of V1__accent.sql: not valid UTF-8 at byte 11",
    ]);
  });

  it("a .conf Flyway refuses, or cannot decode, leaves that migration out and says why", () => {
    const dir = location({
      "sub/V1__bad.sql": "select 1;",
      "sub/V1__bad.sql.conf": "placeholderReplacement=maybe\n",
      "V2__undecodable.sql": "select 2;",
      "V2__undecodable.sql.conf": Buffer.from([0x65, 0x6e, 0xff, 0x0a]),
      "V3__fine.sql": "select 3;",
    });
    const scan = scanLocation(nodeFs, dir);
    expect(scripts(scan)).toEqual(["V3__fine.sql"]);
    expect(scan.unreadable).toEqual([
      "Unable to read V2__undecodable.sql.conf: not valid UTF-8 at byte 2",
      "sub/V1__bad.sql.conf: Invalid value for placeholderReplacement (should be either true or false): maybe",
    ]);
  });
});
