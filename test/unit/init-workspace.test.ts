/**
 * `dev-bootstrap init` in-process, on a real temporary workspace: what it writes
 * (and with which mode), what it links and where the links point, what it never
 * overwrites, what --dry-run leaves untouched, and --upgrade's refresh of the
 * copied Feature with its diff.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { nodeFs } from "../../src/adapters/files.js";
import { resolveConfig } from "../../src/config/resolve.js";
import type { UsageError as UsageErrorType } from "../../src/core/errors.js";
import type { FsPort } from "../../src/flows/host.js";
import type { CheckpointLogger } from "../../src/log/logger.js";
import { makeWorkspace, type Workspace } from "../helpers/workspace.js";

/** Loaded afresh for each test, so the module's own settings (its constants) are evaluated under the test too. */
let initWorkspace: typeof import("../../src/flows/init.js").initWorkspace;
let UsageError: typeof UsageErrorType;
beforeEach(async () => {
  vi.resetModules();
  ({ initWorkspace } = await import("../../src/flows/init.js"));
  ({ UsageError } = await import("../../src/core/errors.js"));
});

const FEATURE = ".devcontainer/dev-bootstrap";
const SHIPPED = "devcontainer-feature/src/dev-bootstrap";
/** init prints its result; it writes no checkpoint. */
const noLog = new Proxy({} as CheckpointLogger, {
  get: () => {
    throw new Error("init logged");
  },
});

/** An installed package: the Feature's three files (or those named) and nothing else. */
function installPackage(ws: Workspace, at: string, feature = ["json", "install", "post-start"]) {
  if (feature.includes("json"))
    ws.write(
      `${at}/${SHIPPED}/devcontainer-feature.json`,
      '{ "id": "dev-bootstrap", "version": "1.4.0" }\n',
    );
  if (feature.includes("install"))
    ws.write(`${at}/${SHIPPED}/install.sh`, "#!/bin/sh\necho install\n");
  if (feature.includes("post-start"))
    ws.write(`${at}/${SHIPPED}/post-start.sh`, "#!/bin/sh\nset -eu\necho post-start\n");
  return join(ws.dir, at);
}

function init(
  ws: Workspace,
  options: Partial<Parameters<typeof initWorkspace>[3]> & { packageRoot: string },
  fs: FsPort = nodeFs,
  flags: Record<string, string> = {},
) {
  return initWorkspace({ fs }, resolveConfig({ cwd: ws.dir, env: {}, flags }), noLog, {
    databases: [],
    dryRun: false,
    ...options,
  });
}

/** Every path under the workspace (links not followed), sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).sort();
}

/** Whether the file is executable by anyone (the rest of its mode is the umask's business). */
const executable = (ws: Workspace, path: string) =>
  (statSync(join(ws.dir, path)).mode & 0o111) !== 0;

describe("initWorkspace", () => {
  it("scaffolds config, fixtures, layer 42 and the Feature; links the chart into a package installed in the workspace", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(ws, "node_modules/@ameide/dev-bootstrap");
    const r = init(ws, { packageRoot });
    expect(r.root).toBe(ws.dir);
    expect(r.files).toEqual([
      { path: "dev-bootstrap.yaml", action: "created" },
      { path: "vault/fixtures/platform.yaml", action: "created" },
      { path: "vault/fixtures/agents.yaml", action: "created" },
      { path: "helmfile/42-db-migrations.yaml", action: "created" },
      { path: "charts/db-migrations/values-local.yaml", action: "created" },
      { path: `${FEATURE}/devcontainer-feature.json`, action: "created" },
      { path: `${FEATURE}/install.sh`, action: "created" },
      { path: `${FEATURE}/post-start.sh`, action: "created" },
      { path: "db/flyway/sql/", action: "created" },
      { path: "db/flyway/seed/", action: "created" },
      { path: "charts/db-migrations/Chart.yaml", action: "linked" },
      { path: "charts/db-migrations/values.yaml", action: "linked" },
      { path: "charts/db-migrations/templates", action: "linked" },
      { path: "charts/db-migrations/files", action: "linked" },
      { path: "charts/db-migrations/sql", action: "linked" },
      { path: "charts/db-migrations/seed", action: "linked" },
    ]);
    expect(r.diffs).toEqual([]);
    expect(r.layers).toEqual(["42"]);
    expect(r.sqlDir).toEqual({ path: "db/flyway/sql", isDefault: true });
    // Installed in the workspace: the load line is relative, so it works in every clone.
    expect(r.tiltfileLines).toEqual([
      'load("./node_modules/@ameide/dev-bootstrap/tilt/dev_bootstrap/Tiltfile", "dev_bootstrap")',
      "dev_bootstrap()",
    ]);
    expect(r.devcontainerLines).toEqual([
      '"features": { "./dev-bootstrap": {} },',
      '"postCreateCommand": "npm ci"',
    ]);
    // The Feature is the package's, byte for byte; its scripts are executable, the rest not.
    for (const f of ["devcontainer-feature.json", "install.sh", "post-start.sh"])
      expect(ws.read(`${FEATURE}/${f}`)).toBe(readFileSync(join(packageRoot, SHIPPED, f), "utf8"));
    expect(executable(ws, `${FEATURE}/install.sh`)).toBe(true);
    expect(executable(ws, `${FEATURE}/post-start.sh`)).toBe(true);
    expect(executable(ws, `${FEATURE}/devcontainer-feature.json`)).toBe(false);
    expect(executable(ws, "dev-bootstrap.yaml")).toBe(false);
    expect(executable(ws, "vault/fixtures/agents.yaml")).toBe(false);
    // The default databases keep their settings: agents' baseline version.
    expect(ws.read("charts/db-migrations/values-local.yaml")).toContain(
      '  - name: platform\n  - name: agents\n    baselineVersion: "3"\n',
    );
    expect(ws.read("vault/fixtures/agents.yaml")).toContain("agents/db:");
    // The folders the sql and seed links point into exist (helm refuses a dangling one).
    expect(statSync(join(ws.dir, "db/flyway/sql")).isDirectory()).toBe(true);
    expect(statSync(join(ws.dir, "db/flyway/seed")).isDirectory()).toBe(true);
    expect(readlinkSync(join(ws.dir, "charts/db-migrations/templates"))).toBe(
      "../../node_modules/@ameide/dev-bootstrap/charts/db-migrations/templates",
    );
    expect(readlinkSync(join(ws.dir, "charts/db-migrations/sql"))).toBe("../../db/flyway/sql");
  });

  it("names a package installed outside the workspace by its absolute path", () => {
    const pkg = makeWorkspace();
    const packageRoot = installPackage(pkg, "lib/node_modules/dev-bootstrap");
    const ws = makeWorkspace();
    const r = init(ws, { packageRoot });
    expect(r.tiltfileLines[0]).toBe(
      `load("${packageRoot}/tilt/dev_bootstrap/Tiltfile", "dev_bootstrap")`,
    );
    expect(readlinkSync(join(ws.dir, "charts/db-migrations/Chart.yaml"))).toBe(
      `${packageRoot}/charts/db-migrations/Chart.yaml`,
    );
    expect(ws.read(`${FEATURE}/install.sh`)).toBe("#!/bin/sh\necho install\n");
  });

  it("--dry-run writes, creates and links nothing, and says what it would do", () => {
    const ws = makeWorkspace({ "vault/fixtures/platform.yaml": "paths: {}\n" });
    const packageRoot = installPackage(ws, "node_modules/dev-bootstrap");
    ws.write("charts/db-migrations/values.yaml", "# my own\n");
    const before = tree(ws.dir);
    const r = init(ws, { packageRoot, dryRun: true });
    expect(tree(ws.dir)).toEqual(before);
    expect(r.files).toEqual([
      { path: "dev-bootstrap.yaml", action: "would create" },
      { path: "vault/fixtures/platform.yaml", action: "exists, kept" },
      { path: "vault/fixtures/agents.yaml", action: "would create" },
      { path: "helmfile/42-db-migrations.yaml", action: "would create" },
      { path: "charts/db-migrations/values-local.yaml", action: "would create" },
      { path: `${FEATURE}/devcontainer-feature.json`, action: "would create" },
      { path: `${FEATURE}/install.sh`, action: "would create" },
      { path: `${FEATURE}/post-start.sh`, action: "would create" },
      { path: "db/flyway/sql/", action: "would create" },
      { path: "db/flyway/seed/", action: "would create" },
      { path: "charts/db-migrations/Chart.yaml", action: "would link" },
      { path: "charts/db-migrations/values.yaml", action: "exists, kept" },
      { path: "charts/db-migrations/templates", action: "would link" },
      { path: "charts/db-migrations/files", action: "would link" },
      { path: "charts/db-migrations/sql", action: "would link" },
      { path: "charts/db-migrations/seed", action: "would link" },
    ]);
  });

  it("a second init keeps every file, folder and link, and overwrites nothing the user changed", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(ws, "node_modules/dev-bootstrap");
    init(ws, { packageRoot });
    ws.write("dev-bootstrap.yaml", "namespace: mine\n");
    ws.write(`${FEATURE}/post-start.sh`, "#!/bin/sh\n# edited\n");
    const r = init(ws, { packageRoot });
    // Folders that exist are not listed; every file and link is kept.
    expect(r.files.map((f) => f.path)).not.toContain("db/flyway/sql/");
    expect(r.files).toHaveLength(14);
    expect(r.files.every((f) => f.action === "exists, kept")).toBe(true);
    expect(ws.read("dev-bootstrap.yaml")).toBe("namespace: mine\n");
    expect(ws.read(`${FEATURE}/post-start.sh`)).toBe("#!/bin/sh\n# edited\n");
    expect(lstatSync(join(ws.dir, "charts/db-migrations/files")).isSymbolicLink()).toBe(true);
  });

  it("--dry-run tells what the run would do where a link is already there whose target is missing", () => {
    // A fresh clone: the chart's links were committed and point into node_modules, which
    // npm ci has not filled yet; a fixture is the user's link into a folder not checked out.
    const ws = makeWorkspace();
    const packageRoot = installPackage(makeWorkspace(), "pkg");
    const links = [
      "charts/db-migrations/Chart.yaml",
      "charts/db-migrations/values.yaml",
      "charts/db-migrations/templates",
      "charts/db-migrations/files",
    ];
    mkdirSync(join(ws.dir, "charts/db-migrations"), { recursive: true });
    for (const link of links)
      symlinkSync(`../../node_modules/dev-bootstrap/${link}`, join(ws.dir, link));
    mkdirSync(join(ws.dir, "vault/fixtures"), { recursive: true });
    symlinkSync("../../team-fixtures/agents.yaml", join(ws.dir, "vault/fixtures/agents.yaml"));
    const planned = init(ws, { packageRoot, dryRun: true }).files;
    const done = init(ws, { packageRoot }).files;
    const kept = (files: typeof done) =>
      files.filter((f) => f.action === "exists, kept").map((f) => f.path);
    expect(kept(done)).toEqual(["vault/fixtures/agents.yaml", ...links]);
    expect(kept(planned)).toEqual(kept(done));
    expect(readlinkSync(join(ws.dir, "vault/fixtures/agents.yaml"))).toBe(
      "../../team-fixtures/agents.yaml",
    );
  });

  it("a file or link that appears while init runs is kept; any other write error is not swallowed", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(ws, "node_modules/dev-bootstrap");
    // Something else writes the fixture between init's look and its exclusive create.
    const racing: FsPort = {
      ...nodeFs,
      exists: (p) => (p.endsWith("agents.yaml") ? false : nodeFs.exists(p)),
    };
    ws.write("vault/fixtures/agents.yaml", "paths: {} # theirs\n");
    ws.write("charts/db-migrations/seed", "not a link\n");
    const r = init(ws, { packageRoot }, racing);
    expect(r.files).toContainEqual({ path: "vault/fixtures/agents.yaml", action: "exists, kept" });
    expect(r.files).toContainEqual({ path: "charts/db-migrations/seed", action: "exists, kept" });
    expect(ws.read("vault/fixtures/agents.yaml")).toBe("paths: {} # theirs\n");
    expect(ws.read("charts/db-migrations/seed")).toBe("not a link\n");

    const denied = (what: string) => () => {
      throw Object.assign(new Error(`EACCES: permission denied, ${what}`), { code: "EACCES" });
    };
    const ws2 = makeWorkspace();
    expect(() =>
      init(ws2, { packageRoot }, { ...nodeFs, createExclusive: denied("open") }),
    ).toThrow(/EACCES/);
    const ws3 = makeWorkspace();
    expect(() => init(ws3, { packageRoot }, { ...nodeFs, symlink: denied("symlink") })).toThrow(
      /EACCES/,
    );
  });

  it("--database names the databases, in order; a bad or repeated name is refused before anything is written", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(ws, "node_modules/dev-bootstrap");
    const r = init(ws, { packageRoot, databases: ["billing", "audit"], dryRun: true });
    expect(r.files.slice(1, 3)).toEqual([
      { path: "vault/fixtures/billing.yaml", action: "would create" },
      { path: "vault/fixtures/audit.yaml", action: "would create" },
    ]);
    init(ws, { packageRoot, databases: ["billing", "audit"] });
    expect(ws.read("dev-bootstrap.yaml")).toContain("{ name: billing, vaultPath: billing/db }");
    expect(ws.read("charts/db-migrations/values-local.yaml")).toContain(
      "databases:\n  - name: billing\n  - name: audit\n",
    );

    const empty = makeWorkspace();
    const bad = (() => {
      try {
        init(empty, { packageRoot, databases: ["billing", "Billing_DB"] });
      } catch (e) {
        return e;
      }
    })() as UsageErrorType;
    expect(bad).toBeInstanceOf(UsageError);
    expect(bad.message).toBe(
      `--database "Billing_DB": expected a lower-case name like 'billing' (letters and digits)`,
    );
    expect(bad.hint).toBe(
      "database names become Secret and Vault path names; use letters and digits only",
    );
    expect(() => init(empty, { packageRoot, databases: ["billing", "audit", "billing"] })).toThrow(
      new UsageError("--database billing given twice"),
    );
    expect(tree(empty.dir)).toEqual([]);
  });

  it("scaffolds layer 42 as the config names it, or with its defaults when only --layer 42 asks for it", () => {
    const packageRoot = installPackage(makeWorkspace(), "pkg");
    const named = makeWorkspace({
      "dev-bootstrap.yaml":
        'helm:\n  layers:\n    "42": { helmfile: deploy/42.yaml, environment: dev }\n',
    });
    const r = init(named, { packageRoot, dryRun: true });
    expect(r.layers).toEqual(["42"]);
    expect(r.files.map((f) => f.path)).toContain("deploy/42.yaml");

    const removed = makeWorkspace({ "dev-bootstrap.yaml": 'helm:\n  layers:\n    "42": null\n' });
    const none = init(removed, { packageRoot, dryRun: true });
    expect(none.layers).toEqual([]);
    expect(none.files.map((f) => f.path)).toEqual([
      "dev-bootstrap.yaml",
      "vault/fixtures/platform.yaml",
      "vault/fixtures/agents.yaml",
      `${FEATURE}/devcontainer-feature.json`,
      `${FEATURE}/install.sh`,
      `${FEATURE}/post-start.sh`,
    ]);

    // Asked for twice, scaffolded once, with the default helmfile and environment.
    const asked = init(removed, { packageRoot, layers: ["42", "42"] });
    expect(asked.layers).toEqual(["42"]);
    expect(asked.files.filter((f) => f.path === "helmfile/42-db-migrations.yaml")).toEqual([
      { path: "helmfile/42-db-migrations.yaml", action: "created" },
    ]);
    expect(removed.read("helmfile/42-db-migrations.yaml")).toContain(
      "environments:\n  local: {}\n",
    );
  });

  it("refuses a layer it has no scaffold for, saying whose helmfile that is", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(ws, "node_modules/dev-bootstrap");
    let error: unknown;
    try {
      init(ws, { packageRoot, layers: ["42", "15"] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageErrorType).message).toBe(
      '--layer "15": init scaffolds layer 42 only (the db-migrations chart this package ships)',
    );
    expect((error as UsageErrorType).hint).toBe(
      "layer 15's helmfile is your own: name it in dev-bootstrap.yaml under helm.layers",
    );
    expect(existsSync(join(ws.dir, "dev-bootstrap.yaml"))).toBe(false);
  });

  it("writes the settings given as flags, and reports a migrations folder that is not the default", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(ws, "node_modules/dev-bootstrap");
    const settings = { namespace: "commerce", "migrations.sqlDir": "database/migrations" };
    const r = init(ws, { packageRoot, settings }, nodeFs, settings);
    expect(ws.read("dev-bootstrap.yaml")).toMatch(/^namespace: commerce$/m);
    expect(r.sqlDir).toEqual({ path: "database/migrations", isDefault: false });
    expect(statSync(join(ws.dir, "database/migrations")).isDirectory()).toBe(true);
  });

  it("copies only the Feature files the package ships", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(ws, "node_modules/dev-bootstrap", ["json", "install"]);
    const r = init(ws, { packageRoot, dryRun: true });
    expect(r.files.map((f) => f.path).filter((p) => p.startsWith(FEATURE))).toEqual([
      `${FEATURE}/devcontainer-feature.json`,
      `${FEATURE}/install.sh`,
    ]);
  });
});

describe("initWorkspace --upgrade", () => {
  it("replaces each copied Feature file that differs, after its diff; creates a missing one; touches nothing else", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(ws, "node_modules/dev-bootstrap");
    ws.write(
      `${FEATURE}/devcontainer-feature.json`,
      '{ "id": "dev-bootstrap", "version": "1.4.0" }\n',
    );
    ws.write(`${FEATURE}/post-start.sh`, "#!/bin/sh\nset -eu\necho older\n");
    const before = tree(ws.dir);

    const dry = init(ws, { packageRoot, upgrade: true, dryRun: true });
    expect(tree(ws.dir)).toEqual(before);
    expect(ws.read(`${FEATURE}/post-start.sh`)).toBe("#!/bin/sh\nset -eu\necho older\n");
    expect(dry.layers).toEqual([]);
    expect(dry.files).toEqual([
      { path: `${FEATURE}/devcontainer-feature.json`, action: "up to date" },
      { path: `${FEATURE}/install.sh`, action: "would create" },
      { path: `${FEATURE}/post-start.sh`, action: "would update" },
    ]);
    expect(dry.diffs).toHaveLength(1);
    expect(dry.diffs[0]).toContain(
      `--- ${FEATURE}/post-start.sh (copied)\n+++ ${FEATURE}/post-start.sh (installed package)\n`,
    );
    expect(dry.diffs[0]).toContain("\n-echo older\n+echo post-start\n");

    const up = init(ws, { packageRoot, upgrade: true });
    expect(up.files).toEqual([
      { path: `${FEATURE}/devcontainer-feature.json`, action: "up to date" },
      { path: `${FEATURE}/install.sh`, action: "created" },
      { path: `${FEATURE}/post-start.sh`, action: "updated" },
    ]);
    expect(up.diffs).toEqual(dry.diffs);
    expect(ws.read(`${FEATURE}/post-start.sh`)).toBe("#!/bin/sh\nset -eu\necho post-start\n");
    expect(ws.read(`${FEATURE}/install.sh`)).toBe("#!/bin/sh\necho install\n");
    expect(executable(ws, `${FEATURE}/install.sh`)).toBe(true);
    // Only the Feature: no config, fixtures, layer or link appears.
    expect(existsSync(join(ws.dir, "dev-bootstrap.yaml"))).toBe(false);
    expect(existsSync(join(ws.dir, "charts"))).toBe(false);

    const again = init(ws, { packageRoot, upgrade: true });
    expect(again.diffs).toEqual([]);
    expect(again.files.every((f) => f.action === "up to date")).toBe(true);
  });

  it("creates the whole Feature in a workspace that has no copy yet", () => {
    const ws = makeWorkspace();
    const packageRoot = installPackage(makeWorkspace(), "pkg");
    const r = init(ws, { packageRoot, upgrade: true });
    expect(r.files.map((f) => f.action)).toEqual(["created", "created", "created"]);
    expect(tree(ws.dir)).toEqual([
      ".devcontainer",
      FEATURE,
      `${FEATURE}/devcontainer-feature.json`,
      `${FEATURE}/install.sh`,
      `${FEATURE}/post-start.sh`,
    ]);
  });
});
