/**
 * The sandbox: the whole main job on one machine. Starts the Vault stand-in,
 * the Kubernetes API stand-in with its ESO reconciler, and a real throwaway
 * PostgreSQL whose databases and roles use the passwords the fixtures derive;
 * then runs post-start against them — the same flow a devcontainer runs, only
 * the addresses differ — followed by the health check with --connect and
 * flyway-status on the example migrations, and prints the summary.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeFs } from "../adapters/files.js";
import { createHost, systemClock } from "../cli/host.js";
import { type ResolvedConfig, resolveConfig } from "../config/resolve.js";
import { StepError } from "../core/errors.js";
import type { SecretMasker } from "../core/mask.js";
import { loadFixtureDirectory } from "../flows/fixtures.js";
import { flywayStatusPhase, healthCheckPhase } from "../flows/phases.js";
import { postStart } from "../flows/post-start.js";
import { FixtureWatcher } from "../flows/watch-fixtures.js";
import type { CheckpointLogger, Output } from "../log/logger.js";
import { DatabaseRoles } from "./database-roles.js";
import { findPgBin, INSTALL_HINT } from "./postgres.js";
import { OPENSSL_HINT, opensslOnPath } from "./tls.js";
import { startWorld, type World } from "./world.js";

interface SandboxOptions {
  /** The workspace's config (fixtures, databases, migrations). */
  resolved: ResolvedConfig;
  env: NodeJS.ProcessEnv;
  masker: SecretMasker;
  /** A logger for a new run, journaled under `command`. */
  newRun: (command: string) => CheckpointLogger;
  /** The umbrella entrypoint (dist/bin/dev-bootstrap.js), for the PATH shim --keep prints. */
  umbrella: string;
  stdout: Output;
  keep: boolean;
  /** Run the flow a second time and report what it wrote (nothing, if idempotent). */
  twice: boolean;
  /**
   * Start the stand-ins and PostgreSQL (roles and databases from the fixtures), print
   * the exports and wait, running no flow: for driving any workspace's commands by hand.
   */
  servicesOnly?: boolean;
  signal: AbortSignal;
}

interface SandboxResult {
  ok: boolean;
  error?: unknown;
  /** Writes by the second run when `twice` (Vault versions, Kubernetes write requests). */
  rerun?: { vaultVersions: number; kubeWrites: number };
}

const kubeWrites = (world: World) =>
  world.kube.requests.filter((r) => ["create", "update", "patch", "delete"].includes(r.verb))
    .length;

export async function runSandbox(options: SandboxOptions): Promise<SandboxResult> {
  if (!findPgBin(options.env))
    throw new StepError("PostgreSQL server binaries (initdb, pg_ctl) not found", INSTALL_HINT);
  const stateDir = options.resolved.path(options.resolved.config.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const root = mkdtempSync(join(stateDir, "sandbox-"));
  const out = options.stdout;
  out.write(
    "Starting the sandbox: stand-ins that follow the Vault and Kubernetes APIs dev-bootstrap uses (they are not Vault or Kubernetes), and a real PostgreSQL.\n",
  );
  let world: World | undefined;
  let watcher: FixtureWatcher | undefined;
  const cleanup = async () => {
    await watcher?.stop();
    await world?.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // TLS lets kubectl in; without openssl the rest of the sandbox still works.
    const tls = opensslOnPath(options.env);
    world = await startWorld({ postgres: true, dir: root, tls });
    const pg = world.postgres!;
    writeFileSync(join(root, "vault-token"), `${world.vault.rootToken}\n`, { mode: 0o600 });
    options.masker.register(world.vault.rootToken);
    options.masker.register(world.kube.token);
    out.write(
      [
        `  Vault stand-in (KV v2)            ${world.vaultAddr}`,
        `  Kubernetes API stand-in + ESO     ${world.kube.url}${tls ? " (TLS, CA made at start-up)" : ""}`,
        ...(tls
          ? []
          : [`  (plain HTTP: openssl is not on PATH, so kubectl cannot log in; ${OPENSSL_HINT})`]),
        `  PostgreSQL (real, throwaway)      ${pg.host}:${pg.port}`,
        "",
      ].join("\n"),
    );
    // Roles follow Vault: every write of a path holding DB_USERNAME / DB_PASSWORD /
    // DB_NAME for this server sets that role and creates its database, whoever wrote it.
    const roles = new DatabaseRoles(pg, (r) =>
      out.write(
        `[sandbox:postgres] ${r.ok ? "✔" : "✖"} ${options.masker.mask(r.message)} (Vault path ${r.path})\n`,
      ),
    );
    const mount = options.resolved.config.vault.mount;
    world.vault.afterWrite = async (m, path, data) => {
      if (m === mount) await roles.reconcile(path, data);
    };
    // Only addresses differ from a devcontainer: Vault, the kubeconfig, the database host and port.
    const env: NodeJS.ProcessEnv = {
      ...options.env,
      VAULT_ADDR: world.vaultAddr,
      DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR: world.vaultAddr,
      DEV_BOOTSTRAP_SANDBOX: "1",
      VAULT_TOKEN: world.vault.rootToken,
      KUBECONFIG: world.kubeconfig,
      DEV_BOOTSTRAP_DB_HOST: pg.host,
      DEV_BOOTSTRAP_DB_PORT: String(pg.port),
    };
    delete env.DEV_BOOTSTRAP_RUN_ID;
    delete env.DEV_BOOTSTRAP_LOCK_HELD;
    const hostFor = (r: ResolvedConfig) =>
      createHost({
        resolved: r,
        masker: options.masker,
        env,
        signal: options.signal,
        clock: systemClock,
      });
    // The sandbox's own addresses over the workspace's config; the watcher calls it
    // again when dev-bootstrap.yaml changes, as watch-vault-fixtures does.
    const resolveHere = () =>
      resolveConfig({
        cwd: options.resolved.root,
        env,
        ...(options.resolved.file ? { configPath: options.resolved.file } : {}),
      });
    const resolved = resolveHere();

    // The configured databases' roles exist before any flow, so a workspace driven by
    // hand (--services-only) can log in; after that, roles follow Vault.
    const fixtures = loadFixtureDirectory(resolved, { masker: options.masker, env, fs: nodeFs });
    const specs = resolved.config.migrations.databases.map((db) => {
      const v = fixtures.get(db.vaultPath)?.values ?? {};
      if (!v.DB_USERNAME || !v.DB_PASSWORD) {
        throw new StepError(
          `fixture path ${db.vaultPath} lacks DB_USERNAME or DB_PASSWORD for database ${db.name}`,
          "add them to the fixtures; the sandbox creates the role from them",
        );
      }
      return { name: v.DB_NAME ?? db.name, owner: v.DB_USERNAME, password: v.DB_PASSWORD };
    });
    await pg.ensureDatabases(specs);
    const binDir = writePathShim(root, options.umbrella);
    const exportLines = [
      `  export VAULT_ADDR=${world.vaultAddr}`,
      `  export VAULT_TOKEN_FILE=${join(root, "vault-token")}`,
      `  export KUBECONFIG=${world.kubeconfig}`,
      `  export DEV_BOOTSTRAP_DB_HOST=${pg.host} DEV_BOOTSTRAP_DB_PORT=${pg.port}`,
      // The ESO stand-in runs here and reaches Vault on loopback.
      `  export DEV_BOOTSTRAP_VAULT_CLUSTER_ADDR=${world.vaultAddr} DEV_BOOTSTRAP_SANDBOX=1`,
      `  export PATH=${binDir}:$PATH`,
    ];
    const howToCall = [
      "Then run any command as `dev-bootstrap <command>` (the PATH line adds it; where",
      "dev-bootstrap is an installed package, `npx dev-bootstrap <command>` works too), and",
      `kubectl against the Kubernetes stand-in, e.g. \`kubectl -n ${resolved.config.namespace} get secret ${resolved.config.migrations.secretName}\`.`,
      "Roles and databases follow Vault: a fixture with DB_USERNAME, DB_PASSWORD and DB_NAME",
      "gets its role and database here as soon as it is seeded.",
    ];
    const untilAborted = () =>
      new Promise<void>((resolve) =>
        options.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
    // Says how to use the running sandbox, then waits for Ctrl-C.
    const keepRunning = async (...lead: string[]) => {
      out.write(
        [
          ...lead,
          ...exportLines,
          ...howToCall,
          "Ctrl-C stops everything and removes the sandbox's data.",
          "",
        ].join("\n"),
      );
      await untilAborted();
    };
    if (options.servicesOnly) {
      await keepRunning(
        "The stand-ins and PostgreSQL are running; no flow was run. From another shell, in this workspace:",
      );
      return { ok: true };
    }

    const flow = async () => {
      // The flow is post-start's, so its runs are journaled as post-start runs:
      // `dev-bootstrap summary` shows the latest of them by default.
      const log = options.newRun("post-start");
      const host = hostFor(resolved);
      return postStart(host, resolved, log, {
        stdout: out,
        noTilt: true,
        extraPhases: [
          healthCheckPhase(host, resolved, log, { connect: true }),
          // The sandbox migrates nothing (no Flyway here): a pre-migrate check.
          flywayStatusPhase(host, resolved, log, { stdout: out, allowPending: true }),
        ],
      });
    };

    const first = await flow();
    let rerun: SandboxResult["rerun"];
    if (options.twice && !first.failed) {
      const versions = world.vault.totalVersions();
      const writes = kubeWrites(world);
      out.write("\nRunning the same flow again in the same sandbox (it should write nothing):\n");
      const second = await flow();
      rerun = {
        vaultVersions: world.vault.totalVersions() - versions,
        kubeWrites: kubeWrites(world) - writes,
      };
      out.write(
        `Second run wrote ${rerun.vaultVersions} Vault version(s) and made ${rerun.kubeWrites} Kubernetes write(s).\n`,
      );
      if (second.failed) return { ok: false, error: second.error, rerun };
    }
    if (first.failed) return { ok: false, error: first.error };
    if (options.keep) {
      watcher = new FixtureWatcher(
        hostFor,
        resolved,
        () => options.newRun("watch-vault-fixtures"),
        {
          debounceMs: 300,
          poll: false,
          skipEso: false,
          reloadConfig: resolveHere,
        },
      );
      await watcher.start();
      await keepRunning(
        "",
        "The sandbox keeps running, with the fixture watcher on. In another shell, from this directory:",
      );
    }
    return rerun ? { ok: true, rerun } : { ok: true };
  } finally {
    // Every way out stops the stand-ins and PostgreSQL and removes the sandbox's data.
    await cleanup();
  }
}

/** A `dev-bootstrap` executable in the sandbox's directory, for the PATH line --keep prints. */
function writePathShim(root: string, umbrella: string): string {
  const dir = join(root, "bin");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "dev-bootstrap");
  const quote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;
  writeFileSync(file, `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(umbrella)} "$@"\n`);
  chmodSync(file, 0o755);
  return dir;
}
