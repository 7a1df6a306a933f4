/**
 * A Vault client whose answers a test scripts call by call: each method answers
 * with the next of the answers given to it (the last one repeats), and an Error
 * among them is thrown, as the real client throws its VaultHttpError,
 * VaultNetworkError or VaultAnswerError. Every call is recorded, so a test
 * asserts what was asked of Vault (and what was not: a write never made).
 */
import type { Health, MountInfo, Vault } from "../../src/adapters/vault.js";

type Answer<T> = T | Error;

export interface ScriptedVault extends Vault {
  /** Every call, in order: the method, then its arguments. */
  readonly calls: Array<[string, ...unknown[]]>;
  /** The calls of one method (their arguments). */
  callsOf(method: string): unknown[][];
  /** Replaces a method's script. */
  script<K extends ScriptedMethod>(method: K, ...answers: Array<Answer<Resolved<K>>>): void;
}

type ScriptedMethod = "health" | "lookupSelf" | "readMount" | "enableKv2" | "read" | "write";
type Resolved<K extends ScriptedMethod> = Awaited<ReturnType<Vault[K]>>;

export function scriptedVault(
  options: { addr?: string; maxRetries?: number; sendsClientCert?: boolean } = {},
): ScriptedVault {
  const calls: Array<[string, ...unknown[]]> = [];
  const scripts = new Map<string, Array<Answer<unknown>>>([
    ["health", [{ status: 200, state: "active", version: "1.17.2" } satisfies Health]],
    ["lookupSelf", [{ policies: ["root"] }]],
    ["readMount", [{ type: "kv", version: "2" } satisfies MountInfo]],
    ["enableKv2", [undefined]],
    ["read", [undefined]],
    ["write", [undefined]],
  ]);
  const answer = async (method: string, ...args: unknown[]): Promise<never> => {
    calls.push([method, ...args]);
    const queue = scripts.get(method)!;
    const next = queue.length > 1 ? queue.shift() : queue[0];
    if (next instanceof Error) throw next;
    return next as never;
  };
  const unused = async (): Promise<never> => {
    throw new Error("not scripted");
  };
  return {
    addr: options.addr ?? "https://vault.test:8200",
    maxRetries: options.maxRetries,
    // Unset unless given, as a client that does not say counts as sending none.
    sendsClientCert: options.sendsClientCert,
    calls,
    callsOf: (method) => calls.filter((c) => c[0] === method).map(([, ...args]) => args),
    script: (method, ...answers) => {
      scripts.set(method, answers);
    },
    health: () => answer("health"),
    lookupSelf: () => answer("lookupSelf"),
    readMount: (mount) => answer("readMount", mount),
    enableKv2: (mount) => answer("enableKv2", mount),
    read: (path) => answer("read", path),
    write: (path, json) => answer("write", path, json),
    kvRead: unused,
    kvWrite: unused,
  };
}
