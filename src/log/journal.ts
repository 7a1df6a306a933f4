/**
 * The JSONL journal on disk. Each checkpoint is one line written with a single
 * append, so concurrent runs (post-start and Tilt) interleave whole lines and
 * stay apart by run id. Bounded: past `maxBytes` the file is rotated once.
 */
import { lstatSync, renameSync } from "node:fs";
import { appendStateFile, readStateFile } from "../adapters/files.js";
import { type Checkpoint, isCheckpoint } from "../core/checkpoint.js";
import { StepError, UNEXPECTED_HINT } from "../core/errors.js";

interface JournalOptions {
  path: string;
  maxBytes: number;
  /** Told once when the journal cannot be written (default: a warning line on stderr). */
  onWriteError?: (error: StepError) => void;
}

const warnOnStderr = (error: StepError) =>
  process.stderr.write(`dev-bootstrap: warning: ${error.message}\n  hint: ${error.hint}\n`);

export function rotatedPath(path: string): string {
  return path.replace(/(\.jsonl)?$/, ".1.jsonl");
}

/**
 * The first failed write per journal path in this process: later lines of the run go
 * to the terminal only, and a summary read through another Journal can say why its
 * run is missing.
 */
const failures = new Map<string, StepError>();

export class Journal {
  constructor(private readonly options: JournalOptions) {}

  get path(): string {
    return this.options.path;
  }

  /**
   * Appends one already-serialised (and already masked) JSON line. The file is opened
   * without blocking and must be a regular file (a named pipe there would hold the
   * run in open(), deaf to signals). Never throws: every checkpoint, those that
   * report a failure included, goes through here, and the terminal still shows
   * them. The first failure — refused file, full or read-only disk — is told once
   * as one line; later appends are skipped and `writeError` keeps it for the summary.
   */
  append(line: string): void {
    if (failures.has(this.options.path)) return;
    const text = line.endsWith("\n") ? line : `${line}\n`;
    try {
      appendStateFile(this.options.path, text);
    } catch (error) {
      const failure =
        error instanceof StepError
          ? error
          : new StepError(`cannot write ${this.options.path}: ${String(error)}`, UNEXPECTED_HINT);
      failures.set(this.options.path, failure);
      (this.options.onWriteError ?? warnOnStderr)(failure);
    }
  }

  /** Why this run's lines are missing from the journal, when a write failed. */
  get writeError(): StepError | undefined {
    return failures.get(this.options.path);
  }

  /**
   * Rotates when the journal has grown past its bound: the current file becomes
   * `<name>.1.jsonl`, replacing the previous one, so at most two files exist.
   * Called once when a run starts, never mid-run, so a run stays in one file
   * unless it is itself larger than the bound.
   */
  rotateIfNeeded(): boolean {
    let size: number;
    try {
      const stats = lstatSync(this.options.path);
      if (!stats.isFile()) return false; // refused, with its line, at the first append
      size = stats.size;
    } catch {
      return false;
    }
    if (size <= this.options.maxBytes) return false;
    try {
      renameSync(this.options.path, rotatedPath(this.options.path));
      return true;
    } catch {
      return false; // another run rotated it first
    }
  }

  /**
   * Every checkpoint (or only run `runId`'s), oldest first, skipping lines a crash
   * left half-written. With a run id, other runs' lines are skipped unparsed: the
   * journal holds up to two files of maxBytes, and post-start reads it on every start.
   */
  readCheckpoints(runId?: string): Checkpoint[] {
    const out: Checkpoint[] = [];
    for (const file of [rotatedPath(this.options.path), this.options.path]) {
      // Never blocks on a named pipe: refused with one line; a missing file is no runs.
      const text = readStateFile(file);
      if (text === undefined) continue;
      for (const line of text.split("\n")) {
        if (!line || (runId !== undefined && !line.includes(runId))) continue;
        try {
          const value: unknown = JSON.parse(line);
          if (isCheckpoint(value)) out.push(value);
        } catch {
          // a torn line; the rest of the journal is still good
        }
      }
    }
    return out;
  }
}
