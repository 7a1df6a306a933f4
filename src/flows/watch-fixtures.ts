/**
 * watch-vault-fixtures: after a debounce, re-validate the fixtures, re-seed
 * only the paths whose values changed, ask ESO to refresh the ExternalSecrets
 * that read them, and re-run the migrations-secret bootstrap when one of its
 * inputs changed. One run at a time, at most one queued; an invalid fixture
 * keeps the last good state and pushes nothing; a deleted file deletes nothing
 * remotely. Each run is a run of its own in the journal.
 */
import { basename } from "node:path";
import type { FSWatcher } from "chokidar";
import type { ResolvedConfig } from "../config/resolve.js";
import { BootstrapError, describeError, InputError } from "../core/errors.js";
import { parseFixtures, type ResolvedPath, resolveFixtures } from "../core/fixtures.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger } from "../log/logger.js";
import { FIXTURE_EXTENSIONS, readFixtureSources } from "./fixtures.js";
import { bootstrapStep, ensureLocalSecretsStep } from "./steps.js";
import { withWorkspaceLock } from "./workspace.js";

export interface WatchOptions {
  resolved: ResolvedConfig;
  masker: SecretMasker;
  env: NodeJS.ProcessEnv;
  newRun: () => CheckpointLogger;
  debounceMs: number;
  poll: boolean;
  skipEso: boolean;
  signal?: AbortSignal;
}

const STEP = "watch:fixtures";

export class FixtureWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private queued = false;
  /** The logger of the run in progress, so a change during it is reported under its run id. */
  private current: CheckpointLogger | undefined;
  /** Values last pushed to Vault, per path: the state an invalid save must not disturb. */
  private applied = new Map<string, string>();
  private readonly changedFiles = new Set<string>();
  private readonly removedFiles = new Set<string>();
  runs = 0;

  constructor(private readonly options: WatchOptions) {}

  async start(): Promise<void> {
    const { watch } = await import("chokidar");
    const dir = this.options.resolved.path(this.options.resolved.config.vault.fixturesDir);
    this.watcher = watch(dir, {
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
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
    await this.running;
  }

  /** Resolves when no run is in progress or queued. */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      await (this.running ?? new Promise((r) => setTimeout(r, 20)));
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.trigger();
    }, this.options.debounceMs);
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
      } while (this.queued && !this.options.signal?.aborted);
      this.running = undefined;
    })();
  }

  private async cycle(): Promise<void> {
    this.runs++;
    const log = this.options.newRun();
    this.current = log;
    const { resolved, masker } = this.options;
    const { config } = resolved;
    const files = [...this.changedFiles].sort();
    const removed = [...this.removedFiles].sort();
    this.changedFiles.clear();
    this.removedFiles.clear();
    const step = log.start(
      STEP,
      files.length || removed.length
        ? `fixtures changed: ${[...files, ...removed.map((f) => `${f} (deleted)`)].join(", ")}`
        : "initial sync of the fixtures",
    );
    let fixtures: Map<string, ResolvedPath>;
    try {
      const sources = readFixtureSources(resolved.path(config.vault.fixturesDir), resolved.root);
      const { set, problems } = parseFixtures(sources);
      if (problems.length)
        throw new InputError(
          problems,
          "fix it and save again; Vault keeps the last good values, nothing was pushed",
        );
      fixtures = resolveFixtures(set, {
        seed: config.vault.seed,
        mount: config.vault.mount,
        env: this.options.env,
      });
      for (const p of fixtures.values()) for (const k of p.secretKeys) masker.register(p.values[k]);
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
    const changed = [...fixtures.values()]
      .filter((p) => this.applied.get(p.path) !== JSON.stringify(p.values))
      .map((p) => p.path);
    if (changed.length === 0) {
      step.ok("no value changed; nothing to push");
      return;
    }
    step.ok(`${changed.length} path(s) changed: ${changed.join(", ")}`);
    const ctx = {
      resolved,
      log,
      masker,
      env: this.options.env,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    };
    try {
      await withWorkspaceLock(resolved, log, this.options.env, this.options.signal, async () => {
        const { writtenPaths } = await ensureLocalSecretsStep(ctx, {
          only: new Set(changed),
          skipEso: this.options.skipEso,
        });
        for (const path of changed)
          this.applied.set(path, JSON.stringify(fixtures.get(path)!.values));
        const inputs = new Set(config.migrations.databases.map((d) => d.vaultPath));
        if (!this.options.skipEso && writtenPaths.some((p) => inputs.has(p)))
          await bootstrapStep(ctx);
      });
    } catch (error) {
      // The step already reported it; keep watching.
      if (!(error instanceof BootstrapError))
        log.checkpoint(STEP, "fail", describeError(error), {
          hint: "unexpected error; rerun with DEBUG=dev-bootstrap",
        });
    }
  }
}
