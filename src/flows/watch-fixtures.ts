/**
 * watch-vault-fixtures: after a debounce, re-validate the fixtures, re-seed
 * only the paths whose values changed, ask ESO to refresh the ExternalSecrets
 * that read them, and re-run the migrations-secret bootstrap when one of its
 * inputs changed. One run at a time, at most one queued; an invalid fixture
 * keeps the last good state and pushes nothing; a deleted file deletes nothing
 * remotely. Each run is a run of its own in the journal.
 *
 * A run that failed (a server down longer than its ready timeout) is retried
 * with bounded backoff, each retry a checkpoint, so Vault converges without
 * another save. dev-bootstrap.yaml is watched too: a change reloads it and
 * re-runs the whole flow; an invalid config keeps the last good one.
 */
import { basename, resolve as resolvePath } from "node:path";
import type { ResolvedConfig } from "../config/resolve.js";
import { credentialsFromFixtures } from "../core/db-credentials.js";
import { BootstrapError, describeError, InputError } from "../core/errors.js";
import type { ResolvedPath } from "../core/fixtures.js";
import { backoffDelay } from "../core/retry.js";
import { runDoneMessage, runStartMessage } from "../core/watch-run.js";
import type { CheckpointLogger } from "../log/logger.js";
import { FIXTURE_EXTENSIONS, loadFixtureDirectory } from "./fixtures.js";
import type { Host, Watcher } from "./host.js";
import { bootstrapMigrationsSecret, type Handoff } from "./migrations-secret.js";
import { ensureLocalSecretsStep } from "./phases.js";

interface WatchOptions {
  debounceMs: number;
  poll: boolean;
  skipEso: boolean;
  /** Resolves the config again (same file, env and flags); enables watching dev-bootstrap.yaml. */
  reloadConfig?: () => ResolvedConfig;
  /** Retries of a failed run: how many, and the backoff between them. */
  retry?: { attempts: number; initialMs: number; maxMs: number };
}

const STEP = "watch:fixtures";
const DEFAULT_RETRY = { attempts: 6, initialMs: 1000, maxMs: 30_000 };

export class FixtureWatcher {
  private watcher: Watcher | undefined;
  /** Ports of the first run: the watch itself, the signal, the masker. */
  private readonly host: Host;
  /** Cancels the debounce in progress (on the Host's clock, as every wait of a flow is). */
  private timer: (() => void) | undefined;
  private running: Promise<void> | undefined;
  /** Callers of idle(), woken when no run is in progress or due. */
  private readonly idlers = new Set<() => void>();
  // Stryker disable next-line BooleanLiteral: every run sets it false before it is read
  private queued = false;
  /** The logger of the run in progress, so a change during it is reported under its run id. */
  private current: CheckpointLogger | undefined;
  /** Values last pushed to Vault, per path: the state an invalid save must not disturb. */
  private applied = new Map<string, string>();
  private readonly changedFiles = new Set<string>();
  private readonly removedFiles = new Set<string>();
  /** The config in force: the last one that resolved without error. */
  private resolved: ResolvedConfig;
  private configChanged = false;
  /** After a config reload: push every path and re-run the bootstrap, not just what changed. */
  private fullRun = false;
  /** The bootstrap must run (its inputs changed) but has not succeeded yet. */
  private bootstrapPending = false;
  /** Cancels the scheduled retry of a failed run. */
  private retryTimer: (() => void) | undefined;
  private retryAttempt = 0;
  // Stryker disable next-line BooleanLiteral: retryAttempt is 0 until a run fails, so no run before that reads a retry number
  private retrying = false;
  runs = 0;

  /**
   * Entered as every flow is, with factories where a flow takes one value: the
   * ports for a run under a config (a reload brings new addresses and a new
   * token), and a logger per run (each run is a run of its own in the journal).
   */
  constructor(
    private readonly hostFor: (resolved: ResolvedConfig) => Host,
    resolved: ResolvedConfig,
    private readonly newRun: () => CheckpointLogger,
    private readonly options: WatchOptions,
  ) {
    this.resolved = resolved;
    this.host = hostFor(resolved);
  }

  private fixturesDir(): string {
    return this.resolved.path(this.resolved.config.vault.fixturesDir);
  }

  async start(): Promise<void> {
    const dir = this.fixturesDir();
    const configFile = this.options.reloadConfig ? this.resolved.file : undefined;
    this.watcher = await this.host.watch.watch(configFile ? [dir, configFile] : dir, {
      ignoreInitial: true,
      depth: 0,
      usePolling: this.options.poll,
      interval: 200,
      // Editors that save by writing a temp file and renaming it over the fixture
      // produce unlink+add in quick succession; `atomic` reports that as one change.
      atomic: !this.options.poll,
      ignored: (path, stats) => Boolean(stats?.isFile()) && !FIXTURE_EXTENSIONS.test(path),
    });
    const onEvent = (kind: "change" | "unlink") => (path: string) => {
      if (configFile && resolvePath(path) === configFile) {
        this.configChanged = true;
        this.schedule();
        return;
      }
      if (!FIXTURE_EXTENSIONS.test(path) || basename(path).startsWith(".")) return;
      (kind === "unlink" ? this.removedFiles : this.changedFiles).add(basename(path));
      this.schedule();
    };
    this.watcher
      .on("add", onEvent("change"))
      .on("change", onEvent("change"))
      .on("unlink", onEvent("unlink"));
    await new Promise<void>((resolve) => this.watcher!.once("ready", () => resolve()));
    // The first run establishes the state (and writes only what differs in Vault).
    this.trigger();
  }

  async stop(): Promise<void> {
    this.timer?.();
    this.timer = undefined;
    this.retryTimer?.();
    this.retryTimer = undefined;
    await this.watcher?.close();
    await this.running;
    this.wakeIdlers();
  }

  /** Resolves when no run is in progress, queued or waiting out its debounce. */
  idle(): Promise<void> {
    if (!this.running && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.idlers.add(resolve));
  }

  private wakeIdlers(): void {
    if (this.running || this.timer) return;
    for (const wake of this.idlers) wake();
    this.idlers.clear();
  }

  /** A save (re)starts the quiet period; the run starts when it ends. */
  private schedule(): void {
    this.timer?.();
    this.timer = this.host.clock.after(this.options.debounceMs, () => {
      this.timer = undefined;
      this.trigger();
    });
  }

  private trigger(): void {
    if (this.running) {
      this.queued = true; // one run at a time, at most one queued
      // Says the save was seen: its values are pushed by the run that follows this one.
      this.current?.note(STEP, "fixtures changed during this run; one more run follows it");
      return;
    }
    this.running = (async () => {
      do {
        this.queued = false;
        await this.cycle().catch(() => {});
      } while (this.queued && !this.host.signal?.aborted);
      this.running = undefined;
      this.wakeIdlers();
    })();
  }

  /** Re-reads dev-bootstrap.yaml; on error keeps the last good config. False when it was invalid. */
  private reload(log: CheckpointLogger): boolean {
    const name = basename(this.resolved.file ?? "dev-bootstrap.yaml");
    const step = log.start("watch:config", `${name} changed; reloading it`);
    let next: ResolvedConfig;
    try {
      next = this.options.reloadConfig!();
    } catch (error) {
      const e = error as BootstrapError;
      step.fail(`${describeError(error)}; keeping the last good config`, e.hint);
      return false;
    }
    const before = this.fixturesDir();
    this.resolved = next;
    const after = this.fixturesDir();
    if (after !== before) {
      this.watcher?.unwatch(before);
      this.watcher?.add(after);
    }
    this.fullRun = true;
    step.ok(`${name} reloaded; re-running the whole flow`);
    return true;
  }

  /** Schedules the next retry of a failed run (bounded), or says it gave up. */
  private scheduleRetry(log: CheckpointLogger, error: unknown): void {
    const policy = this.options.retry ?? DEFAULT_RETRY;
    const why = describeError(error);
    if (this.retryAttempt >= policy.attempts) {
      log.checkpoint(
        "watch:retry",
        "fail",
        `run failed (${why}); gave up after ${policy.attempts} retries`,
        { hint: "fix the cause, then save a fixture or dev-bootstrap.yaml to run again" },
      );
      this.retryAttempt = 0;
      return;
    }
    this.retryAttempt++;
    const delay = backoffDelay(this.retryAttempt, { ...policy, factor: 2 });
    log.note(
      "watch:retry",
      `run failed (${why}); retry ${this.retryAttempt} of ${policy.attempts} in ${(delay / 1000).toFixed(1)} s`,
    );
    this.retryTimer = this.host.clock.after(delay, () => {
      this.retryTimer = undefined;
      this.retrying = true;
      this.trigger();
    });
  }

  private async cycle(): Promise<void> {
    this.runs++;
    const log = this.newRun();
    this.current = log;
    const retry = this.retrying ? this.retryAttempt : 0;
    this.retrying = false;
    if (this.configChanged) {
      this.configChanged = false;
      // An invalid config with no fixture saved runs nothing: a pending retry stays due.
      if (!this.reload(log) && this.changedFiles.size === 0 && this.removedFiles.size === 0) return;
    }
    // A save (or a config change) runs now; a pending retry would only repeat it.
    this.retryTimer?.();
    this.retryTimer = undefined;
    const { masker } = this.host;
    const resolved = this.resolved;
    const { config } = resolved;
    const files = [...this.changedFiles].sort();
    const removed = [...this.removedFiles].sort();
    this.changedFiles.clear();
    this.removedFiles.clear();
    const policy = this.options.retry ?? DEFAULT_RETRY;
    const step = log.start(
      STEP,
      runStartMessage({ retry, attempts: policy.attempts, files, removed, fullRun: this.fullRun }),
    );
    let fixtures: Map<string, ResolvedPath>;
    try {
      fixtures = loadFixtureDirectory(resolved, {
        masker,
        env: this.host.env,
        fs: this.host.fs,
        invalidHint: "fix it and save again; Vault keeps the last good values, nothing was pushed",
      });
    } catch (error) {
      const e = error as BootstrapError;
      step.fail(
        describeError(error),
        e.hint,
        error instanceof InputError ? { problems: error.problems } : undefined,
      );
      return;
    }
    if (removed.length)
      step.note(
        `${removed.join(", ")} deleted: its paths stay in Vault (nothing is deleted remotely)`,
      );
    const full = this.fullRun;
    const changed = [...fixtures.values()]
      .filter((p) => full || this.applied.get(p.path) !== JSON.stringify(p.values))
      .map((p) => p.path);
    if (changed.length === 0 && !this.bootstrapPending) {
      step.ok("no value changed; nothing to push");
      return;
    }
    // One run, one set of ports: the Vault token is found once for it.
    const host = this.hostFor(resolved);
    try {
      await host.withWorkspaceLock(log, async () => {
        // Stryker disable next-line ArrayDeclaration: replaced by the seed's paths before it is read; unread when no value changed
        let written: string[] = [];
        // What the bootstrap is handed: the credentials built from the fixtures loaded
        // above and, after a seed, what Vault holds at the paths it read.
        let handoff: Handoff | undefined;
        if (changed.length) {
          // The fixtures loaded above go on as they are: one read and derivation per save.
          const seeded = await ensureLocalSecretsStep(host, resolved, log, {
            ...(full ? {} : { only: new Set(changed) }),
            skipEso: this.options.skipEso,
            fixtures,
          });
          const { writtenPaths } = seeded;
          written = writtenPaths;
          handoff = seeded.handoff;
          for (const path of changed)
            this.applied.set(path, JSON.stringify(fixtures.get(path)!.values));
          const inputs = new Set(config.migrations.databases.map((d) => d.vaultPath));
          if (full || writtenPaths.some((p) => inputs.has(p))) this.bootstrapPending = true;
        }
        if (this.options.skipEso) this.bootstrapPending = false;
        const bootstrapped = this.bootstrapPending;
        if (this.bootstrapPending)
          await bootstrapMigrationsSecret(host, resolved, log, {
            handoff: handoff ?? {
              credentials: credentialsFromFixtures(config.migrations.databases, fixtures),
            },
          });
        this.bootstrapPending = false;
        step.ok(runDoneMessage(changed.length, written, bootstrapped));
      });
      this.fullRun = false;
      this.retryAttempt = 0;
    } catch (error) {
      if (this.host.signal?.aborted) return;
      // The failing step already reported it: close this run's step naming that step,
      // keep watching, and retry (bounded). An error no step reported is told here.
      const at = log.reportedAt(error);
      if (at !== undefined)
        step.fail(
          `re-seed failed at ${at}`,
          "see that step's line; the run is retried with backoff",
        );
      else if (error instanceof BootstrapError) step.fail(describeError(error), error.hint);
      else step.fail(describeError(error), "unexpected error; rerun with DEBUG=dev-bootstrap");
      this.scheduleRetry(log, error);
    }
  }
}
