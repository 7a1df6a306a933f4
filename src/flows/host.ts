/**
 * The ports a flow does its I/O through. The CLI builds one Host per run from the
 * resolved config (src/cli/host.ts); tests pass fakes or in-process stand-ins.
 * Only types here: a flow never imports an I/O module itself.
 */
import type { Kube } from "../adapters/kube.js";
import type { RunToolOptions, RunToolResult } from "../adapters/proc.js";
import type { Vault } from "../adapters/vault.js";
import type { Connection } from "../core/connection.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger } from "../log/logger.js";

/** The connected client a database port returns (the part of pg.Client we use). */
export interface DbClient {
  query<R = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
  escapeIdentifier(name: string): string;
  end(): Promise<void>;
}

export interface DbPort {
  /** Logs in with bounded retries; throws PgConnectError with the classified failure. */
  connect(
    target: Connection,
    options: {
      attempts?: number;
      connectTimeoutMs?: number;
      signal?: AbortSignal;
      lockTimeoutMs?: number;
      statementTimeoutMs?: number;
    },
  ): Promise<DbClient>;
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
  /** A regular file's bytes, or what it is instead (never blocks on a named pipe). */
  readRegular(path: string): { bytes: Buffer } | { kind: string };
  writeText(path: string, text: string): void;
  /** Creates the file; fails (EEXIST) when it exists, so nothing is overwritten. */
  createExclusive(path: string, text: string, mode: number): void;
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
 * Time as flows see it: every retry backoff, Retry-After wait, poll interval and
 * connect retry sleeps through here, so a test can run them without waiting.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Host {
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM; every request, query, child and wait honours it. */
  readonly signal: AbortSignal | undefined;
  readonly masker: SecretMasker;
  /** The Vault token (found once per run, registered for masking). */
  vaultToken(): string;
  /** The Vault client (built once per run, on first use). */
  vault(): Promise<Vault>;
  /** The Kubernetes client (its library loads on first use only). */
  kube(): Promise<Kube>;
  db(): Promise<DbPort>;
  readonly proc: ProcPort;
  readonly fs: FsPort;
  readonly watch: WatchPort;
  readonly clock: Clock;
  /** Serialises the commands that write (post-start and Tilt may start them at once). */
  withWorkspaceLock<T>(log: CheckpointLogger, fn: () => Promise<T>): Promise<T>;
}
