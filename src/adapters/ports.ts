/**
 * The I/O ports' shapes: what the adapters implement and a flow's Host hands out.
 * Types only, and here (below the flows) so an adapter can implement a port
 * without importing the layer above it; src/flows/host.ts gathers them into the Host.
 */
import type { Connection } from "../core/connection.js";
import type { RunToolOptions, RunToolResult } from "./proc.js";

/** The connected client a database port returns (the part of pg.Client we use). */
export interface DbClient {
  query<R = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
  escapeIdentifier(name: string): string;
  end(): Promise<void>;
}

/** How a login is attempted: the database port's options, and the pg adapter's. */
export interface ConnectOptions {
  attempts?: number;
  connectTimeoutMs?: number;
  /** Closes the connection when it fires, so a query waiting on a lock ends at once. */
  signal?: AbortSignal;
  /** Session settings sent at login (milliseconds): lock_timeout, statement_timeout. */
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
  /**
   * The client's own limit on each query (milliseconds): a server that takes the
   * login and then answers nothing cannot hold the run. The connection is closed
   * and the query rejects with PgQueryTimeoutError.
   */
  queryTimeoutMs?: number;
}

export interface DbPort {
  /** Logs in with bounded retries; throws PgConnectError with the classified failure. */
  connect(target: Connection, options: ConnectOptions): Promise<DbClient>;
}

export interface ProcPort {
  /** Runs an external CLI (its own process group; timeout, interrupt, streamed lines). */
  run(options: Omit<RunToolOptions, "baseEnv">): Promise<RunToolResult>;
  /** The executable's path on PATH, or undefined. */
  which(tool: string): Promise<string | undefined>;
  /** Starts a process that outlives this one, its output appended to `logFile`; returns its pid. */
  startDetached(options: {
    file: string;
    args: string[];
    cwd: string;
    logFile: string;
  }): Promise<number | undefined>;
  /** The process's identity (boot id and start time), to tell a reused pid apart. */
  identity(pid: number): string | undefined;
  /** Whether `pid` is still the process whose identity was recorded. */
  sameProcess(pid: number, identity: string | undefined): boolean;
}

export interface TreeEntry {
  name: string;
  /** The entry's full path. */
  path: string;
  /** A regular file, or a symlink to one (a dangling symlink is neither). */
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

export interface FsPort {
  readText(path: string): string;
  readBytes(path: string): Buffer;
  /**
   * A regular file's bytes, or what it is instead (never blocks on a named pipe), or
   * its size when that is past `maxBytes` (then nothing is read).
   */
  readRegular(
    path: string,
    maxBytes?: number,
  ): { bytes: Buffer } | { kind: string } | { tooLarge: number };
  writeText(path: string, text: string): void;
  /** Creates the file; fails (EEXIST) when it exists, so nothing is overwritten. */
  createExclusive(path: string, text: string, mode: number): void;
  /** Creates a symbolic link at `path` to `target`; fails (EEXIST) when anything is there. */
  symlink(target: string, path: string): void;
  /**
   * Run state (under stateDir): never blocks on a named pipe, refuses anything but a
   * regular file, and fails with one line naming the file (a full or read-only disk).
   * readState gives undefined for a file that does not exist; writeState creates 0600.
   */
  readState(path: string): string | undefined;
  writeState(path: string, text: string): void;
  /** Creates the file 0600, or tightens an existing one to 0600. */
  ensurePrivateFile(path: string): void;
  exists(path: string): boolean;
  mkdirp(path: string): void;
  remove(path: string): void;
  readdir(path: string): string[];
  /** The directory's entries, typed. */
  list(dir: string): TreeEntry[];
  /** Every entry under `dir`, subdirectories included. */
  listTree(dir: string): TreeEntry[];
}

/** What a file watcher tells and lets us do (chokidar's surface we use). */
export interface Watcher {
  on(event: "add" | "change" | "unlink", listener: (path: string) => void): Watcher;
  once(event: "ready", listener: () => void): Watcher;
  add(paths: string | string[]): unknown;
  unwatch(paths: string | string[]): unknown;
  close(): Promise<void>;
}

export interface WatchOptions {
  ignoreInitial: boolean;
  depth: number;
  usePolling: boolean;
  interval: number;
  atomic: boolean;
  ignored: (path: string, stats?: { isFile(): boolean }) => boolean;
}

export interface WatchPort {
  watch(paths: string | string[], options: WatchOptions): Promise<Watcher>;
}

/**
 * Time as flows see it: every retry backoff, Retry-After wait, poll interval,
 * connect retry and timer runs through here, so a test can run them without
 * waiting. Required wherever a flow waits: a forgotten wire is a type error,
 * never a silent fall back to real time.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `fn` once, `ms` from now, unless the returned function cancels it first
   * (cancelling after it ran, or twice, does nothing). A debounce or a scheduled
   * retry: work that starts later, where `sleep` would hold a caller waiting.
   */
  after(ms: number, fn: () => void): () => void;
}
