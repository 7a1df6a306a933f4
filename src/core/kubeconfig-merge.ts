/**
 * Several kubeconfig files merged into one the way kubectl merges KUBECONFIG
 * (client-go's ClientConfigLoadingRules.Load, documented in "Organizing Cluster Access
 * Using kubeconfig Files", section "Merging kubeconfig files"):
 *
 * - files are taken in order; a missing one is skipped (the caller does not pass it);
 * - the first file to set a map key wins, and wins whole: a cluster, user or context
 *   named in two files is the first file's entry, and the later file's fields under
 *   that name are discarded even where they do not conflict;
 * - `current-context` is the first non-empty one, whichever file sets it;
 * - a name listed twice in the same file makes that file an error (client-go's
 *   conversion refuses it: "duplicate name … in list");
 * - relative file references are resolved against the directory of the file the entry
 *   came from (client-go's ResolveLocalPaths): a cluster's `certificate-authority`, a
 *   user's `client-certificate`, `client-key`, `tokenFile`, and an exec plugin's
 *   `command` when it contains a path separator (a bare name is looked up on PATH).
 *
 * Pure: the caller reads and parses the files.
 */
import { dirname, isAbsolute, join } from "node:path";
import { ConfigError } from "./errors.js";
import { printable } from "./printable.js";

export interface KubeconfigFile {
  /** The path as listed (for messages and to resolve relative references). */
  file: string;
  /** The parsed YAML document (null or undefined for an empty file). */
  doc: unknown;
}

/** A named entry as written: `{ name, cluster | user | context: {...} }`. */
export type NamedEntry = { name: string } & Record<string, unknown>;

export interface MergedKubeconfig {
  clusters: NamedEntry[];
  users: NamedEntry[];
  contexts: NamedEntry[];
  currentContext: string | undefined;
  /** The file each entry came from, by kind and name (for messages). */
  origin: {
    clusters: Map<string, string>;
    users: Map<string, string>;
    contexts: Map<string, string>;
  };
}

type Kind = "clusters" | "users" | "contexts";
const FIELD: Record<Kind, string> = { clusters: "cluster", users: "user", contexts: "context" };
const KINDS: Kind[] = ["clusters", "users", "contexts"];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function resolveIn(base: string, value: unknown): unknown {
  return typeof value === "string" && value !== "" && !isAbsolute(value)
    ? join(base, value)
    : value;
}

/** The entry with its file references made absolute against its file's directory. */
function withAbsolutePaths(kind: Kind, entry: NamedEntry, file: string): NamedEntry {
  const base = dirname(file);
  const body = entry[FIELD[kind]];
  if (!isObject(body)) return entry;
  if (kind === "clusters") {
    const cluster = { ...body };
    cluster["certificate-authority"] = resolveIn(base, cluster["certificate-authority"]);
    return { ...entry, cluster };
  }
  if (kind === "users") {
    const user = { ...body };
    for (const key of ["client-certificate", "client-key", "tokenFile"])
      if (key in user) user[key] = resolveIn(base, user[key]);
    const exec = user.exec;
    if (isObject(exec) && typeof exec.command === "string" && exec.command.includes("/"))
      user.exec = { ...exec, command: resolveIn(base, exec.command) };
    return { ...entry, user };
  }
  return entry;
}

/** The named entries of one kind in one file; a name listed twice refuses the file. */
function entriesOf(kind: Kind, { file, doc }: KubeconfigFile): NamedEntry[] {
  if (!isObject(doc)) return [];
  const list = doc[kind];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list))
    throw new ConfigError(
      `kubeconfig ${printable(file)}: '${kind}' is not a list`,
      "fix the file (kubectl config view shows what kubectl reads)",
    );
  const seen = new Set<string>();
  const out: NamedEntry[] = [];
  for (const item of list) {
    if (!isObject(item) || typeof item.name !== "string") continue;
    if (seen.has(item.name))
      throw new ConfigError(
        `kubeconfig ${printable(file)}: ${FIELD[kind]} '${printable(item.name)}' is listed twice in the same file`,
        "kubectl refuses this file too: remove one of the two entries",
      );
    seen.add(item.name);
    out.push(withAbsolutePaths(kind, item as NamedEntry, file));
  }
  return out;
}

export function mergeKubeconfigs(files: readonly KubeconfigFile[]): MergedKubeconfig {
  const merged: MergedKubeconfig = {
    clusters: [],
    users: [],
    contexts: [],
    currentContext: undefined,
    origin: { clusters: new Map(), users: new Map(), contexts: new Map() },
  };
  for (const source of files) {
    if (source.doc !== undefined && source.doc !== null && !isObject(source.doc))
      throw new ConfigError(
        `kubeconfig ${printable(source.file)} is not a kubeconfig (a YAML mapping with clusters, users and contexts)`,
        "point KUBECONFIG at kubeconfig files only",
      );
    for (const kind of KINDS) {
      for (const entry of entriesOf(kind, source)) {
        // The first file to set a key wins, whole.
        if (merged.origin[kind].has(entry.name)) continue;
        merged.origin[kind].set(entry.name, source.file);
        merged[kind].push(entry);
      }
    }
    const current = isObject(source.doc) ? source.doc["current-context"] : undefined;
    if (merged.currentContext === undefined && typeof current === "string" && current !== "")
      merged.currentContext = current;
  }
  return merged;
}
