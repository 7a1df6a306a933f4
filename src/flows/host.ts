/**
 * The ports a flow does its I/O through. The CLI builds one Host per run from the
 * resolved config (src/cli/host.ts); tests pass fakes or in-process stand-ins.
 * Only types here: a flow never imports an I/O module itself. The ports' shapes
 * live with the adapters that implement them (src/adapters/ports.ts).
 */
import type { Kube } from "../adapters/kube.js";
import type { Clock, DbPort, FsPort, ProcPort, WatchPort } from "../adapters/ports.js";
import type { Vault } from "../adapters/vault.js";
import type { SecretMasker } from "../core/mask.js";
import type { CheckpointLogger, RecordedCheckpoint } from "../log/logger.js";

export type {
  Clock,
  DbClient,
  DbPort,
  FsPort,
  ProcPort,
  TreeEntry,
  Watcher,
  WatchPort,
} from "../adapters/ports.js";

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
  /**
   * A logger that prints and journals nothing and keeps every checkpoint (masked
   * with the run's masker), for read-only walks that reuse steps (why, wait).
   * Built by the Host: a logger loads pino, which no flow may import.
   */
  recordingLogger(): { log: CheckpointLogger; checkpoints: RecordedCheckpoint[] };
  /** Serialises the commands that write (post-start and Tilt may start them at once). */
  withWorkspaceLock<T>(log: CheckpointLogger, fn: () => Promise<T>): Promise<T>;
}
