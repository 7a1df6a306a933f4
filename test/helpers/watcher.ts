/**
 * One watch-vault-fixtures process per test, with its own output capture and
 * its own workspace journal. Tests wait for what the watcher reports (its runs'
 * journal lines, read whenever it prints one), never for time to pass.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, cleanEnv } from "./cli.js";
import type { Workspace } from "./workspace.js";

export interface JournalLine {
  runId: string;
  step: string;
  status?: string;
  message: string;
}

/** One watcher cycle: the lines journaled under its run id, in order. */
export interface WatchRun {
  runId: string;
  /** The message of its watch:fixtures start line: "initial sync…" or "fixtures changed: …". */
  trigger: string;
  lines: JournalLine[];
  /** Its last line has been written: nothing more comes from this run. */
  ended: boolean;
}

const STEP = "watch:fixtures";

/** Whether a run wrote the line that closes it, whichever way it went. */
function hasEnded(lines: JournalLine[]): boolean {
  return lines.some(
    (l) =>
      l.status === "fail" ||
      (l.step === STEP && l.status === "ok" && l.message.startsWith("no value changed")) ||
      (l.step === "eso:apply" && l.status === "skip") ||
      (l.step === "db-migrations-secret" && (l.status === "ok" || l.status === "warn")),
  );
}

export class WatcherProcess {
  /** Everything this process printed, stdout and stderr interleaved. */
  output = "";
  private readonly child: ChildProcess;
  private readonly wakeups = new Set<() => void>();
  private exitedWith: string | undefined;
  private readonly exited: Promise<void>;
  private sentinels = 0;

  constructor(
    private readonly ws: Workspace,
    env: Record<string, string>,
    args: string[],
  ) {
    this.child = spawn(process.execPath, [BIN, "watch-vault-fixtures", ...args], {
      cwd: ws.dir,
      env: cleanEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const take = (d: Buffer) => {
      this.output += d;
      this.wake();
    };
    this.child.stdout!.on("data", take);
    this.child.stderr!.on("data", take);
    this.exited = new Promise((resolve) =>
      this.child.on("close", (code, signal) => {
        this.exitedWith = `exited (code ${code}, signal ${signal})`;
        this.wake();
        resolve();
      }),
    );
  }

  private wake() {
    for (const w of this.wakeups) w();
  }

  /** This workspace's journal, skipping a line that is still being written. */
  journal(): JournalLine[] {
    let text = "";
    try {
      text = readFileSync(join(this.ws.dir, ".dev-bootstrap/journal.jsonl"), "utf8");
    } catch {}
    const out: JournalLine[] = [];
    for (const line of text.split("\n")) {
      try {
        out.push(JSON.parse(line) as JournalLine);
      } catch {}
    }
    return out;
  }

  /** The watcher's runs, oldest first. */
  runs(): WatchRun[] {
    const byId = new Map<string, JournalLine[]>();
    for (const l of this.journal()) {
      if (!byId.has(l.runId)) byId.set(l.runId, []);
      byId.get(l.runId)!.push(l);
    }
    const runs: WatchRun[] = [];
    for (const [runId, lines] of byId) {
      const start = lines.find((l) => l.step === STEP && l.status === "start");
      if (start) runs.push({ runId, trigger: start.message, lines, ended: hasEnded(lines) });
    }
    return runs;
  }

  /**
   * Resolves with check()'s first truthy answer. check() runs now and each time
   * the watcher prints (every journal line is printed right after it is written).
   * Fails at once if the watcher exits, or with everything it printed if the
   * awaited event never comes.
   */
  waitFor<T>(what: string, check: () => T | undefined | false, deadlineMs = 45_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (error?: Error, value?: T) => {
        clearTimeout(guard);
        this.wakeups.delete(evaluate);
        if (error) reject(error);
        else resolve(value as T);
      };
      const evaluate = () => {
        let value: T | undefined | false;
        try {
          value = check();
        } catch (error) {
          return done(error as Error);
        }
        if (value) return done(undefined, value);
        if (this.exitedWith)
          done(new Error(`the watcher ${this.exitedWith} before ${what}\n${this.output}`));
      };
      // Only reached when the event never happens: a failure report, not a race.
      const guard = setTimeout(
        () => done(new Error(`no ${what} within ${deadlineMs} ms\n--- output ---\n${this.output}`)),
        deadlineMs,
      );
      this.wakeups.add(evaluate);
      evaluate();
    });
  }

  /** The first run whose trigger matches, once it has ended. */
  endedRun(what: string, trigger: RegExp, after = 0): Promise<WatchRun> {
    return this.waitFor(what, () =>
      this.runs()
        .slice(after)
        .find((r) => trigger.test(r.trigger) && r.ended),
    );
  }

  /** The initial sync has ended and the watcher has said it is watching. */
  async ready(): Promise<WatchRun> {
    await this.waitFor("the readiness line", () => /watching vault\/fixtures/.test(this.output));
    return this.endedRun("the end of the initial sync", /^initial sync/);
  }

  /**
   * Saves a new fixture file and waits for the run it causes to end. Events are
   * delivered in order, so any run that an earlier save caused has started by
   * then (or joins this run, which then names the earlier file): the runs
   * returned are all there will be for the saves before.
   */
  async quiesce(): Promise<WatchRun[]> {
    const n = ++this.sentinels;
    const name = `zz-sentinel-${n}.yaml`;
    writeFileSync(
      join(this.ws.dir, "vault/fixtures", name),
      `paths:\n  sentinel/${n}:\n    VALUE: "${n}"\n`,
    );
    await this.endedRun(`the run for ${name}`, new RegExp(`\\b${name.replace(/\./g, "\\.")}`));
    return this.runs();
  }

  /** Stops the watcher and waits until it has exited, so nothing of it outlives the test. */
  async stop(): Promise<void> {
    if (!this.exitedWith) this.child.kill("SIGTERM");
    await this.exited;
  }
}
