/**
 * why: walks the chain fixture → Vault → ESO → source Secret → migrations secret →
 * database login → Flyway history, link by link, and stops at the first broken
 * one with what it saw and the one command that fixes it. Read-only, always: it
 * reuses the steps' own read-only checks (the Vault health and mount checks in
 * plan mode, ESO's version detection and Ready reading, the migrations secret's
 * reader and builder, the login, flyway-status) and writes nothing anywhere.
 */
import { randomBytes } from "node:crypto";
import type { Kube, SecretRead } from "../adapters/kube.js";
import type { KvRead, Vault } from "../adapters/vault.js";
import type { ResolvedConfig } from "../config/resolve.js";
import {
  type ChainReport,
  chainReport,
  differingKeys,
  fingerprinter,
  type LinkId,
  type LinkResult,
  renderExplanation,
} from "../core/chain.js";
import { credentialsFromFixtures, missingSourceKeys } from "../core/db-credentials.js";
import { isBootstrapError, StepError, UsageError } from "../core/errors.js";
import type { ResolvedPath } from "../core/fixtures.js";
import {
  type BuildResult,
  buildMigrationsData,
  readMigrationsSecret,
  type SecretEntry,
  type SourceData,
} from "../core/migrations-secret.js";
import { secretValuesOf } from "../core/secret-values.js";
import type { CheckpointLogger, RecordedCheckpoint } from "../log/logger.js";
import { detectEsoVersion, GROUP, readyOf } from "./eso-objects.js";
import { loadFixtureDirectory } from "./fixtures.js";
import { openDatabase, queryTimeoutMs } from "./flyway-db.js";
import { flywayStatus } from "./flyway-status.js";
import type { Host } from "./host.js";
import { explainKubeError } from "./kube-errors.js";
import { esoName, esoVaultPath, sourceSecretName } from "./migrations-sources.js";
import { ensureKv2Mount, waitForVault } from "./vault-ready.js";

interface WhyOptions {
  /** Also log in to each database and read its Flyway history. */
  connect: boolean;
  /** Only this database (its source Secret, its keys, its login, its history). */
  database?: string | undefined;
  /** Flyway's verdict as before `migrate`: pending and outdated migrations are fine. */
  allowPending: boolean;
  /** A logger that prints nothing and keeps the reused steps' checkpoints. */
  quiet: { log: CheckpointLogger; checkpoints: RecordedCheckpoint[] };
  /** Random bytes for this report's value fingerprints. */
  fingerprintKey: Uint8Array;
}

type Ref = { name: string; primary: boolean; vaultPath: string; sourceSecret?: string | undefined };

/** What one link hands the next. */
interface Seen {
  fixtures?: Map<string, ResolvedPath>;
  vault?: Vault;
  /** Vault's reads by path, so each path is read once per walk. */
  vaultReads: Map<string, Promise<KvRead>>;
  kube?: Kube;
  esoVersion?: string;
  /** The migrations secret's data as the sources give it, built once per walk. */
  built?: BuildResult;
  entries?: SecretEntry[];
}

class Broken extends Error {
  constructor(readonly result: Extract<LinkResult, { status: "broken" }>) {
    super(result.summary);
  }
}
/**
 * Ends a link's check as broken. `fix` is the command, optionally followed by three
 * spaces and a parenthesised note: the note goes to the evidence, so `fix` stays a
 * command a script or a Tilt button can run.
 */
const broken = (summary: string, fix: string, evidence: string[] = []): never => {
  const note = / {3}\((.*)\)$/s.exec(fix);
  throw new Broken({
    status: "broken",
    summary,
    evidence: note ? [...evidence, `note: ${note[1]}`] : evidence,
    fix: note ? fix.slice(0, note.index) : fix,
  });
};

/** The databases this walk looks at, in config order (the first is the primary). */
function selectedDatabases(resolved: ResolvedConfig, only?: string): Ref[] {
  const all = resolved.config.migrations.databases.map((db, i) => ({ ...db, primary: i === 0 }));
  if (only === undefined) return all;
  const picked = all.filter((d) => d.name === only);
  if (!picked.length)
    throw new UsageError(
      `no database '${only}' in migrations.databases (have: ${all.map((d) => d.name).join(", ")})`,
      "pick one of those, or add it to dev-bootstrap.yaml",
    );
  return picked;
}

async function why(
  host: Host,
  resolved: ResolvedConfig,
  options: WhyOptions,
): Promise<ChainReport> {
  const databases = selectedDatabases(resolved, options.database);
  // Load the Kubernetes client while Vault answers (as post-start does): compiling it is
  // the largest part of a walk, and would otherwise wait for the Vault links.
  host.kube().catch(() => {}); // a load error surfaces at the eso link, where it is awaited
  const seen: Seen = { vaultReads: new Map() };
  const print = fingerprinter(options.fingerprintKey);
  const ctx = { host, resolved, options, seen, databases, print };
  const checks: Array<[LinkId, () => Promise<LinkResult>]> = [
    ["fixtures", () => fixturesLink(ctx)],
    ["vault", () => vaultLink(ctx)],
    ["vault-data", () => vaultDataLink(ctx)],
    ["eso", () => esoLink(ctx)],
    ["external-secrets", () => externalSecretsLink(ctx)],
    ["source-secrets", () => sourceSecretsLink(ctx)],
    ["migrations-secret", () => migrationsSecretLink(ctx)],
    ...(options.connect
      ? ([
          ["database-login", () => loginLink(ctx)],
          ["flyway", () => flywayLink(ctx)],
        ] as Array<[LinkId, () => Promise<LinkResult>]>)
      : []),
  ];
  const results = new Map<LinkId, LinkResult>();
  for (const [id, check] of checks) {
    const result = await check().catch((error: unknown) => asBroken(error, host.signal));
    results.set(id, result);
    if (result.status === "broken") break;
  }
  return chainReport(results, { connect: options.connect });
}

/** A link's failure as its broken result; an interruption or a bug passes through. */
function asBroken(error: unknown, signal: AbortSignal | undefined): LinkResult {
  if (signal?.aborted) throw signal.reason;
  if (error instanceof Broken) return error.result;
  if (error instanceof UsageError) throw error;
  if (isBootstrapError(error)) {
    const problems = (error as { problems?: string[] }).problems ?? [];
    return {
      status: "broken",
      summary: error.message,
      evidence: problems.length > 1 ? problems : [],
      fix: error.hint,
    };
  }
  throw error;
}

type Ctx = {
  host: Host;
  resolved: ResolvedConfig;
  options: WhyOptions;
  seen: Seen;
  databases: Ref[];
  print: (value: string) => string;
};

const ENSURE = "dev-bootstrap ensure-local-secrets";
const REFRESH = "dev-bootstrap ensure-local-secrets --refresh";
const BOOTSTRAP = "dev-bootstrap bootstrap-db-migrations-secret";

/** The reused step's own fail line (message and hint), as the step reported it. */
function stepFailure(ctx: Ctx, step: string, error: unknown): never {
  const cp = [...ctx.options.quiet.checkpoints]
    .reverse()
    .find((c) => c.step === step && c.status === "fail");
  if (!cp || !isBootstrapError(error)) throw error;
  // A wait of zero seconds is no wait: the hint's "waited 0 s" says nothing here.
  const fix = (cp.hint ?? error.hint).replace(/;? ?waited 0 s,? ?/, "; ").replace(/; $/, "");
  return broken(cp.message, fix);
}

async function fixturesLink(ctx: Ctx): Promise<LinkResult> {
  const { host, resolved } = ctx;
  const dir = resolved.config.vault.fixturesDir;
  try {
    ctx.seen.fixtures = loadFixtureDirectory(resolved, {
      masker: host.masker,
      env: host.env,
      fs: host.fs,
    });
  } catch (error) {
    if (!isBootstrapError(error)) throw error;
    const problems = (error as { problems?: string[] }).problems ?? [error.message];
    return broken(
      `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      `fix the fixture at that position (${error.hint}), then: ${ENSURE}`,
      problems,
    );
  }
  const paths = [...ctx.seen.fixtures.keys()];
  return {
    status: "ok",
    summary: `${paths.length} path(s) in ${dir} parse and resolve`,
    evidence: paths.map((p) => `${p} (${ctx.seen.fixtures!.get(p)!.file})`),
  };
}

async function vaultLink(ctx: Ctx): Promise<LinkResult> {
  const { host, resolved, options } = ctx;
  const { mount } = resolved.config.vault;
  const vault = await host.vault();
  ctx.seen.vault = vault;
  const log = options.quiet.log;
  // One health check (no waiting), then the token and the mount as the seeding checks
  // them, in plan mode: a missing mount is reported, never enabled.
  await waitForVault(host, resolved, log, { readyTimeoutMs: 0 }).catch((e) =>
    stepFailure(ctx, "vault:health", e),
  );
  await ensureKv2Mount(host, resolved, log, { plan: true }).catch((e) =>
    stepFailure(ctx, "vault:mount", e),
  );
  const planned = options.quiet.checkpoints.find(
    (c) => c.step === "vault:mount" && c.status === "ok" && c.message.includes("does not exist"),
  );
  if (planned) broken(`the ${mount}/ mount does not exist in Vault at ${vault.addr}`, ENSURE);
  return {
    status: "ok",
    summary: `Vault at ${vault.addr} answers, the token is valid, ${mount}/ is KV v2`,
  };
}

function readVault(ctx: Ctx, path: string): Promise<KvRead> {
  let read = ctx.seen.vaultReads.get(path);
  if (!read) {
    read = ctx.seen.vault!.kvRead(ctx.resolved.config.vault.mount, path);
    read.catch(() => {}); // awaited by whoever asked for it
    ctx.seen.vaultReads.set(path, read);
  }
  return read;
}

function describeRead(mount: string, path: string, read: KvRead): string {
  if (read.kind === "missing") return `${mount}/${path}: no such secret`;
  if (read.kind === "deleted")
    return `${mount}/${path}: version ${read.version} ${read.destroyed ? "destroyed" : `deleted at ${read.deletedAt}`}`;
  return `${mount}/${path}: version ${read.version}${read.createdTime ? ` written ${read.createdTime}` : ""}, keys ${Object.keys(read.data).join(", ")}`;
}

async function vaultDataLink(ctx: Ctx): Promise<LinkResult> {
  const { mount } = ctx.resolved.config.vault;
  const fixtures = [...ctx.seen.fixtures!.values()];
  const reads = await Promise.all(
    fixtures.map((f) =>
      readVault(ctx, f.path).catch((error: unknown) => {
        const status = (error as { status?: number }).status;
        if (status === 403)
          broken(
            `the Vault token may not read ${mount}/${f.path} (HTTP 403)`,
            `grant a policy with capabilities ["read"] on path "${mount}/data/${f.path}", or use another token`,
          );
        if (isBootstrapError(error)) throw error;
        throw new StepError(
          `reading ${mount}/${f.path} from Vault failed: ${(error as Error).message.split("\n")[0]}`,
          "check Vault ('vault status'), then rerun 'dev-bootstrap why'",
        );
      }),
    ),
  );
  const problems: string[] = [];
  const evidence: string[] = [];
  for (const [i, f] of fixtures.entries()) {
    const read = reads[i]!;
    evidence.push(describeRead(mount, f.path, read));
    if (read.kind !== "present") {
      problems.push(
        read.kind === "missing"
          ? `${mount}/${f.path} does not exist in Vault`
          : `${mount}/${f.path}'s latest version ${read.version} is ${read.destroyed ? "destroyed" : "deleted"}`,
      );
      continue;
    }
    const { missing, different } = differingKeys(read.data, f.values);
    if (!missing.length && !different.length) continue;
    problems.push(
      `${mount}/${f.path} (version ${read.version}) does not hold what ${f.file} derives: ${[
        ...different.map((k) => `${k} differs`),
        ...missing.map((k) => `${k} missing`),
      ].join(", ")}`,
    );
    for (const k of different)
      evidence.push(
        `${mount}/${f.path} ${k}: Vault ${ctx.print(read.data[k]!)}, fixtures ${ctx.print(f.values[k]!)}`,
      );
  }
  if (problems.length)
    broken(
      `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      `${ENSURE}   (edited by hand, or the fixture watcher is not running: it rewrites the fixtures' keys)`,
      [...problems.slice(1), ...evidence],
    );
  return {
    status: "ok",
    summary: `${fixtures.length} path(s) in Vault hold what the fixtures derive`,
    evidence,
  };
}

async function esoLink(ctx: Ctx): Promise<LinkResult> {
  const { config } = ctx.resolved;
  const kube = await ctx.host.kube();
  ctx.seen.kube = kube;
  const found = await detectEsoVersion(kube, config.eso.apiVersion);
  ctx.seen.esoVersion = found.version;
  const store = await kube
    .read(`${GROUP}/${found.version}`, "ClusterSecretStore", undefined, config.eso.store)
    .catch((e) => {
      throw explainKubeError(e);
    });
  if (!store)
    broken(`ClusterSecretStore ${config.eso.store} does not exist on ${kube.server}`, ENSURE);
  const r = readyOf(store as Record<string, unknown>);
  // No condition at all: ESO's controller has not looked at the store (not running?).
  if (!r.ready && r.reason === "Pending")
    broken(
      `ClusterSecretStore ${config.eso.store} has no Ready condition: ESO has not reconciled it`,
      "kubectl -n external-secrets rollout restart deployment external-secrets   (is ESO's controller running? kubectl -n external-secrets get pods)",
    );
  if (!r.ready)
    broken(
      `ClusterSecretStore ${config.eso.store} is not Ready: ${r.reason}: ${r.message}`,
      `${ENSURE}   (it re-applies the store and its token Secret; then see: kubectl describe clustersecretstore ${config.eso.store})`,
      [`condition Ready: ${r.reason}: ${r.message}`],
    );
  return {
    status: "ok",
    summary: `ESO serves ${GROUP}/${found.version}; ClusterSecretStore ${config.eso.store} is Ready`,
  };
}

/** Whole seconds since the epoch (ESO writes refreshTime to the second). */
const seconds = (time: string) => Math.floor(Date.parse(time) / 1000);

async function externalSecretsLink(ctx: Ctx): Promise<LinkResult> {
  const { config } = ctx.resolved;
  const { mount } = config.vault;
  const kube = ctx.seen.kube!;
  const evidence: string[] = [];
  for (const es of config.eso.externalSecrets) {
    const ns = es.namespace ?? config.namespace;
    const where = `ExternalSecret ${ns}/${es.name}`;
    const obj = await kube
      .read(`${GROUP}/${ctx.seen.esoVersion}`, "ExternalSecret", ns, es.name)
      .catch((e) => {
        throw explainKubeError(e);
      });
    if (!obj) broken(`${where} does not exist`, ENSURE);
    const r = readyOf(obj as Record<string, unknown>);
    const status = (obj as { status?: { refreshTime?: string } }).status ?? {};
    const seen = `${where}: Ready ${r.ready ? "True" : "False"} (${r.reason}: ${r.message})${status.refreshTime ? `, last synced ${status.refreshTime}` : ""}`;
    evidence.push(seen);
    if (!r.ready)
      broken(
        `${where} is not Ready: ${r.reason}: ${r.message}`,
        `${REFRESH}   (after fixing what the message names; details: kubectl -n ${ns} describe externalsecret ${es.name})`,
        [seen],
      );
    // Synced after Vault's last write of its path? A refresh older than that write left
    // ESO's Secret with the values before it (refreshInterval, or a refresh never asked).
    const read = await readVault(ctx, es.vaultPath).catch(() => undefined);
    if (read?.kind === "present" && read.createdTime && status.refreshTime) {
      if (seconds(status.refreshTime) < seconds(read.createdTime))
        broken(
          `${where} last synced at ${status.refreshTime}, before Vault's write of ${mount}/${es.vaultPath} (version ${read.version} at ${read.createdTime})`,
          REFRESH,
          [seen, describeRead(mount, es.vaultPath, read)],
        );
    }
  }
  return {
    status: "ok",
    summary: `${config.eso.externalSecrets.length} ExternalSecret(s) Ready and synced after Vault's last write`,
    evidence,
  };
}

async function sourceSecretsLink(ctx: Ctx): Promise<LinkResult> {
  const { config } = ctx.resolved;
  const { mount } = config.vault;
  const ns = config.namespace;
  const kube = ctx.seen.kube!;
  const sources: Array<{ ref: Ref; source: SourceData }> = [];
  const evidence: string[] = [];
  for (const db of ctx.databases) {
    const name = sourceSecretName(db);
    const where = `secret ${ns}/${name}`;
    const secret: SecretRead | undefined = await kube.readSecret(ns, name).catch((e) => {
      throw explainKubeError(e);
    });
    const es = esoName(config, ns, name);
    if (!secret)
      broken(
        `${where} does not exist (ESO has not created it)`,
        `${REFRESH}   (details: kubectl -n ${ns} describe externalsecret ${es})`,
      );
    for (const v of secretValuesOf(secret!.data)) ctx.host.masker.register(v);
    const lacking = [
      ...missingSourceKeys(secret!.data),
      ...secret!.binaryKeys.map((k) => `${k} (not UTF-8)`),
    ];
    const path = esoVaultPath(config, ns, name) ?? db.vaultPath;
    if (lacking.length)
      broken(
        `${where} lacks ${lacking.join(", ")}`,
        `add them to the fixtures for ${mount}/${path}, then: ${REFRESH}`,
        [`${where}: keys ${Object.keys(secret!.data).join(", ") || "none"}`],
      );
    const read = await readVault(ctx, path);
    if (read.kind === "present") {
      const { missing, different } = differingKeys(secret!.data, read.data);
      if (missing.length || different.length)
        broken(
          `${where} does not hold Vault's values at ${mount}/${path}: ${[
            ...different.map((k) => `${k} differs`),
            ...missing.map((k) => `${k} missing`),
          ].join(", ")}`,
          `${REFRESH}   (ESO has not synced Vault's current values; details: kubectl -n ${ns} describe externalsecret ${es})`,
          [
            `${where}: resourceVersion ${secret!.resourceVersion}`,
            describeRead(mount, path, read),
            ...different.map(
              (k) =>
                `${k}: secret ${ctx.print(secret!.data[k]!)}, Vault ${ctx.print(read.data[k]!)}`,
            ),
          ],
        );
    }
    evidence.push(`${where}: keys ${Object.keys(secret!.data).join(", ")}, as in Vault`);
    sources.push({ ref: db, source: { label: `${name} (ESO)`, data: secret!.data } });
  }
  // The credentials built from the fixtures the walk loaded are used where a Secret
  // holds exactly their values, as the bootstrap after a seed does.
  const known =
    ctx.seen.fixtures && credentialsFromFixtures(config.migrations.databases, ctx.seen.fixtures);
  const built = buildMigrationsData(
    sources.map((s) => ({ ref: s.ref, source: s.source })),
    known,
  );
  ctx.seen.built = built;
  if (!built.ok)
    broken(
      `the source credentials are not usable: ${built.problems[0]}`,
      `fix the fixtures for those databases, then: ${REFRESH}`,
      built.problems,
    );
  return {
    status: "ok",
    summary: `${sources.length} source Secret(s) hold Vault's values`,
    evidence,
  };
}

async function migrationsSecretLink(ctx: Ctx): Promise<LinkResult> {
  const { config } = ctx.resolved;
  const ns = config.namespace;
  const name = config.migrations.secretName;
  const where = `secret ${ns}/${name}`;
  const secret = await ctx.seen.kube!.readSecret(ns, name).catch((e) => {
    throw explainKubeError(e);
  });
  if (!secret)
    broken(`${where} does not exist — Flyway would fail with 'FLYWAY_URL not set'`, BOOTSTRAP);
  for (const v of secretValuesOf(secret!.data)) ctx.host.masker.register(v);
  const entries = readMigrationsSecret(secret!, ctx.databases);
  const problems = entries.flatMap((e) => e.problems.map((p) => `${e.database}: ${p}`));
  if (problems.length)
    broken(
      `${where}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      BOOTSTRAP,
      problems,
    );
  const built = ctx.seen.built!;
  if (built.ok) {
    const { missing, different } = differingKeys(secret!.data, built.data);
    if (missing.length || different.length)
      broken(
        `${where} does not match its sources: ${[...different.map((k) => `${k} differs`), ...missing.map((k) => `${k} missing`)].join(", ")}`,
        BOOTSTRAP,
        [
          `${where}: resourceVersion ${secret!.resourceVersion}`,
          ...different.map(
            (k) =>
              `${k}: secret ${ctx.print(secret!.data[k]!)}, sources ${ctx.print(built.data[k]!)}`,
          ),
        ],
      );
  }
  ctx.seen.entries = entries;
  return {
    status: "ok",
    summary: `${where} is valid and matches the sources for ${entries.map((e) => e.database).join(", ")}`,
    evidence: entries.map((e) => `${e.database}: ${e.url} as ${e.user}`),
  };
}

async function loginLink(ctx: Ctx): Promise<LinkResult> {
  const { host, resolved } = ctx;
  const evidence: string[] = [];
  for (const e of ctx.seen.entries!) {
    const c = e.connection!;
    const at = `${c.target.host}:${c.target.port}`;
    try {
      // One attempt: why answers now; `wait` is what polls.
      const client = await openDatabase(host.db, c, {
        attempts: 1,
        queryTimeoutMs: queryTimeoutMs(resolved.config.migrations),
        ...(host.signal ? { signal: host.signal } : {}),
      });
      try {
        await client.query("select 1");
      } finally {
        void client.end().catch(() => {});
      }
    } catch (error) {
      if (!(error instanceof StepError)) throw error;
      const auth = /password authentication failed/.test(error.message);
      broken(
        error.message,
        auth
          ? `psql -h ${c.target.host} -p ${c.target.port} -U postgres -d ${c.target.database} -c '\\password ${c.target.user}'   (enter ${e.keys.password} of ${resolved.config.namespace}/${resolved.config.migrations.secretName}, the fixtures' value; or let the database operator reset the role)`
          : error.hint,
        [`${e.database}: ${e.url} as ${e.user} at ${at}`],
      );
    }
    evidence.push(`${e.database}: logged in as ${e.user} at ${at}`);
  }
  return { status: "ok", summary: "every database accepts its login", evidence };
}

async function flywayLink(ctx: Ctx): Promise<LinkResult> {
  const { host, resolved, options } = ctx;
  const result = await flywayStatus(host, resolved, options.quiet.log, {
    from: "cluster",
    allowPending: options.allowPending,
    ...(options.database ? { database: options.database } : {}),
  }).catch((e) => stepFailure(ctx, "flyway:status", e));
  const evidence = result.databases.map((r) =>
    r.error
      ? `${r.database}: ${r.error}`
      : `${r.database}: ${r.currentVersion ? `version ${r.currentVersion}` : "no version yet"}, ${r.counts.Pending ?? 0} pending${r.errors.length ? `, ${r.errors.length} validate error(s)` : ""}`,
  );
  if (result.databases.some((r) => !r.healthy)) {
    const cp = [...options.quiet.checkpoints]
      .reverse()
      .find((c) => c.step === "flyway:status" && c.status === "fail");
    const bad = result.databases.find((r) => !r.healthy)!;
    broken(
      bad.error ?? `${bad.database}: ${bad.errors[0]?.message.split("\n")[0] ?? "validate failed"}`,
      cp?.hint ?? "dev-bootstrap flyway-status",
      [
        ...evidence,
        ...bad.errors.slice(1).map((e) => `${bad.database}: ${e.message.split("\n")[0]}`),
      ],
    );
  }
  return {
    status: "ok",
    summary: `Flyway validate passes${options.allowPending ? " (pending allowed)" : ", nothing pending"}`,
    evidence,
  };
}

/** One walk with its own quiet logger and fingerprint key (what `why` and `wait` run). */
export function walkChain(
  host: Host,
  resolved: ResolvedConfig,
  options: { connect: boolean; database?: string | undefined; allowPending: boolean },
): Promise<ChainReport> {
  return why(host, resolved, {
    ...options,
    quiet: host.recordingLogger(),
    fingerprintKey: randomBytes(32),
  });
}

/**
 * The lines a failing command's summary ends with: the first broken link and its
 * fix, from the same walk `why` does. Never throws: a walk that cannot finish says
 * so in one line (an interruption passes through).
 */
export async function explainFailure(
  host: Host,
  resolved: ResolvedConfig,
  options: { connect: boolean },
): Promise<string> {
  if (host.signal?.aborted) return "";
  try {
    return renderExplanation(await walkChain(host, resolved, { ...options, allowPending: true }));
  } catch (error) {
    if (host.signal?.aborted) return "";
    return `why: could not walk the chain: ${(error as Error).message.split("\n")[0]} (try: dev-bootstrap why)\n`;
  }
}
