/**
 * Loading the run's Flyway settings from the files Flyway 10 reads (flyway-commandline's
 * ConfigUtils / TomlUtils): its installation's conf/ (where the `flyway` found on PATH
 * is), the user's home, the directory Flyway runs in (the workspace root) and
 * FLYWAY_CONFIG_FILES; then the environment and migrations.flyway. The file system
 * here is in memory, so each place is shown to be read (or not) on its own.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config/resolve.js";
import { ConfigError } from "../../src/core/errors.js";
import { loadFlywaySettings } from "../../src/flows/flyway-settings.js";
import type { FsPort } from "../../src/flows/host.js";
import { makeWorkspace } from "../helpers/workspace.js";

/** An in-memory file system: `files` maps a path to its text, or to the error reading it throws. */
function memoryFs(files: Record<string, string | Error>): FsPort & { read: string[] } {
  const read: string[] = [];
  const fs: Pick<FsPort, "exists" | "readText"> & { read: string[] } = {
    read,
    exists: (p) => p in files,
    readText: (p) => {
      read.push(p);
      const f = files[p];
      if (f === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
      if (f instanceof Error) throw f;
      return f;
    },
  };
  // Only these two are used: any other port call fails loudly.
  return fs as FsPort & { read: string[] };
}

function setUp(config?: string) {
  const ws = makeWorkspace(config ? { "dev-bootstrap.yaml": config } : {});
  return resolveConfig({ cwd: ws.dir, env: {} });
}

const toml = (table: string) => `[flyway]\ntable = "${table}"\n`;

describe("the Flyway settings of a run", () => {
  it("Flyway's defaults when no file sets anything", async () => {
    const resolved = setUp();
    const fs = memoryFs({});
    const settings = await loadFlywaySettings({ env: { HOME: "/home/dev" }, fs: fs }, resolved);
    expect(settings.table).toBe("flyway_schema_history");
    expect(settings.files).toEqual([]);
    expect(settings.allowPending).toBe(false);
    expect(fs.read).toEqual([]);
  });

  it("reads the flyway.toml of the workspace root, where Flyway runs", async () => {
    const resolved = setUp();
    const fs = memoryFs({ [`${resolved.root}/flyway.toml`]: toml("root_history") });
    const settings = await loadFlywaySettings({ env: {}, fs: fs }, resolved);
    expect(settings.table).toBe("root_history");
    expect(settings.files).toEqual([`${resolved.root}/flyway.toml`]);
  });

  it("reads the installation's conf/ beside the first flyway on PATH", async () => {
    const resolved = setUp();
    const fs = memoryFs({
      "/usr/local/bin/flyway": "#!/bin/sh",
      "/usr/local/bin/conf/flyway.toml": toml("install_history"),
      "/opt/flyway/flyway": "#!/bin/sh",
      "/opt/flyway/conf/flyway.toml": toml("second_install_history"),
    });
    const settings = await loadFlywaySettings(
      { env: { PATH: "/usr/bin:/usr/local/bin:/opt/flyway" }, fs: fs },
      resolved,
    );
    expect(settings.table).toBe("install_history");
    expect(settings.files).toEqual(["/usr/local/bin/conf/flyway.toml"]);
  });

  it("an empty PATH entry names no installation (as the tool runner, which skips it too)", async () => {
    const resolved = setUp();
    const fs = memoryFs({
      flyway: "#!/bin/sh",
      "conf/flyway.toml": toml("relative_history"),
      "/opt/flyway/flyway": "#!/bin/sh",
      "/opt/flyway/conf/flyway.toml": toml("install_history"),
    });
    const settings = await loadFlywaySettings({ env: { PATH: ":/opt/flyway" }, fs: fs }, resolved);
    expect(settings.table).toBe("install_history");
  });

  it("no PATH at all: no installation, the other places still read", async () => {
    const resolved = setUp();
    const fs = memoryFs({ "/home/dev/flyway.toml": toml("home_history") });
    const settings = await loadFlywaySettings({ env: { HOME: "/home/dev" }, fs: fs }, resolved);
    expect(settings.table).toBe("home_history");
  });

  it("an empty HOME is no home directory", async () => {
    const resolved = setUp();
    const fs = memoryFs({ "flyway.toml": toml("relative_history") });
    const settings = await loadFlywaySettings({ env: { HOME: "" }, fs: fs }, resolved);
    expect(settings.table).toBe("flyway_schema_history");
    expect(fs.read).toEqual([]);
  });

  it("later files win: the workspace's over the home's over the installation's; flyway.conf files alike", async () => {
    const resolved = setUp();
    const conf = (table: string) => `flyway.table=${table}\n`;
    const fs = memoryFs({
      "/opt/flyway/flyway": "",
      "/opt/flyway/conf/flyway.conf": `${conf("install_history")}flyway.defaultSchema=app\n`,
      "/home/dev/flyway.conf": conf("home_history"),
      [`${resolved.root}/flyway.conf`]: conf("root_history"),
    });
    const settings = await loadFlywaySettings(
      { env: { HOME: "/home/dev", PATH: "/opt/flyway" }, fs: fs },
      resolved,
    );
    expect(settings.table).toBe("root_history");
    expect(settings.historySchema).toBe("app");
    expect(settings.environment).toBeUndefined();
    expect(settings.files).toEqual([
      "/opt/flyway/conf/flyway.conf",
      "/home/dev/flyway.conf",
      `${resolved.root}/flyway.conf`,
    ]);
  });

  it("a config file it cannot read stops the run, naming it and why", async () => {
    const resolved = setUp();
    const file = `${resolved.root}/flyway.toml`;
    const isDir = Object.assign(new Error("EISDIR: illegal operation on a directory, read"), {
      code: "EISDIR",
    });
    const e = await loadFlywaySettings({ env: {}, fs: memoryFs({ [file]: isDir }) }, resolved).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toBe(`Unable to load config file: ${file} (EISDIR)`);
    expect((e as ConfigError).hint).toBe(
      "make it a readable file, or remove it (Flyway cannot read it either)",
    );
    // An error without a code is named by its message.
    await expect(
      loadFlywaySettings(
        { env: {}, fs: memoryFs({ [file]: new Error("disk on fire") }) },
        resolved,
      ),
    ).rejects.toThrow(`Unable to load config file: ${file} (disk on fire)`);
  });

  it("migrations.flyway applies where no file or variable sets the key; --allow-pending is passed on", async () => {
    const resolved = setUp('migrations:\n  flyway:\n    target: "2"\n    outOfOrder: true\n');
    const settings = await loadFlywaySettings({ env: {}, fs: memoryFs({}) }, resolved, {
      allowPending: true,
    });
    expect(settings.target).toMatchObject({ kind: "version", version: "2" });
    expect(settings.outOfOrder).toBe(true);
    expect(settings.allowPending).toBe(true);
    const fromEnv = await loadFlywaySettings(
      { env: { FLYWAY_TARGET: "1", FLYWAY_OUT_OF_ORDER: "false" }, fs: memoryFs({}) },
      resolved,
    );
    expect(fromEnv.target).toMatchObject({ kind: "version", version: "1" });
    expect(fromEnv.outOfOrder).toBe(false);
  });
});
