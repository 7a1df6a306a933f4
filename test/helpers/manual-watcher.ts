/**
 * A file watcher whose events the test sends, for driving the fixture watcher
 * without a file-system watch: `emit` delivers an event the way chokidar does
 * (a path, to every listener of that event), and the watch port records what it
 * was asked to watch, with which options, and what was added or unwatched later.
 */
import type { Watcher, WatchPort } from "../../src/flows/host.js";

type WatchOptions = Parameters<WatchPort["watch"]>[1];

export interface ManualWatcher {
  readonly port: WatchPort;
  /** Each call of the port: the paths and the options. */
  readonly watched: Array<{ paths: string | string[]; options: WatchOptions }>;
  /** Paths added and unwatched after the start, in order ("+path" / "-path"). */
  readonly changes: string[];
  closed: boolean;
  emit(event: "add" | "change" | "unlink", path: string): void;
}

export function manualWatcher(): ManualWatcher {
  const listeners = new Map<string, Array<(path: string) => void>>();
  const result: ManualWatcher = {
    watched: [],
    changes: [],
    closed: false,
    port: {
      watch: async (paths, options) => {
        result.watched.push({ paths, options });
        return watcher;
      },
    },
    emit(event, path) {
      for (const listener of listeners.get(event) ?? []) listener(path);
    },
  };
  const watcher: Watcher = {
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return watcher;
    },
    once(event, listener) {
      // Ready at once: there is no initial scan to wait for.
      if (event === "ready") queueMicrotask(listener);
      return watcher;
    },
    add: (paths) => {
      for (const p of [paths].flat()) result.changes.push(`+${p}`);
    },
    unwatch: (paths) => {
      for (const p of [paths].flat()) result.changes.push(`-${p}`);
    },
    close: async () => {
      result.closed = true;
    },
  };
  return result;
}
