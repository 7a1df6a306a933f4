/**
 * The JSONL journal on disk. Each checkpoint is one line written with a single
 * append, so concurrent runs (post-start and Tilt) interleave whole lines and
 * stay apart by run id. Bounded: past `maxBytes` the file is rotated once.
 */
import { appendFileSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { type Checkpoint, isCheckpoint } from "../core/checkpoint.js";

export interface JournalOptions {
  path: string;
  maxBytes: number;
}

export function rotatedPath(path: string): string {
  return path.replace(/(\.jsonl)?$/, ".1.jsonl");
}

export class Journal {
  constructor(private readonly options: JournalOptions) {}

  get path(): string {
    return this.options.path;
  }

  /** Appends one already-serialised (and already masked) JSON line. */
  append(line: string): void {
    const text = line.endsWith("\n") ? line : `${line}\n`;
    try {
      appendFileSync(this.options.path, text, { mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      mkdirSync(dirname(this.options.path), { recursive: true });
      appendFileSync(this.options.path, text, { mode: 0o600 });
    }
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
      size = statSync(this.options.path).size;
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
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        continue;
      }
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
