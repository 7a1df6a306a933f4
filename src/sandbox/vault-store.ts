/**
 * The Vault stand-in's state: mounts, KV v2 secrets with their versions, tokens
 * and their policies, and the faults tests switch on. No HTTP here.
 */
import { randomBytes } from "node:crypto";

/** What the Kubernetes API says of a service account token (a TokenReview's status). */
interface ReviewedToken {
  namespace: string;
  name: string;
  audiences: string[];
}

/** An enabled auth method (sys/auth), with the kubernetes method's config and roles. */
interface AuthMount {
  type: string;
  description: string;
  accessor: string;
  config: Record<string, unknown>;
  roles: Map<string, Record<string, unknown>>;
}

interface KvVersion {
  data: Record<string, unknown> | null;
  /** The data's JSON text as written (numbers as sent), when written over HTTP. */
  json?: string;
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

export interface KvEntry {
  versions: Map<number, KvVersion>;
  current: number;
  casRequired: boolean;
  created: string;
  updated: string;
}

export interface Mount {
  type: string;
  version: string;
  casRequired: boolean;
  maxVersions: number;
  kv: Map<string, KvEntry>;
}

/** One `path` block of an ACL policy: a path (a trailing `*` matches any rest) and capabilities. */
export interface PolicyRule {
  path: string;
  capabilities: string[];
}

export interface TokenPolicy {
  /** Path prefixes (after /v1/) this token may not touch; ACL denial answers 403. */
  deny?: string[];
  /** When set, the only paths this token may use (a login's policies); others answer 403. */
  allow?: PolicyRule[];
}

interface VaultStandInOptions {
  /** The root token; generated when omitted. */
  rootToken?: string;
  /** Mount a KV v2 engine at `secret/` like `vault server -dev` does. */
  devMount?: boolean;
}

interface VaultFaults {
  sealed: boolean;
  /** While sealed, unseal after answering this many more health checks (0: stay sealed). */
  unsealAfterHealthChecks: number;
  initialized: boolean;
  standby: boolean;
  /** Answer this many further non-health requests with 429 and this Retry-After (s). */
  rateLimit: { remaining: number; retryAfterSeconds: number };
  /** Apply this many further KV writes, then drop the connection without answering. */
  resetAfterWrite: number;
  /** Called before a KV write is applied, e.g. to simulate a concurrent writer. */
  beforeWrite?: (mount: string, path: string) => void;
}

interface RequestRecord {
  method: string;
  path: string;
  status: number;
}

export const now = () => new Date().toISOString();

export class VaultStore {
  readonly rootToken: string;
  readonly tokens = new Map<string, TokenPolicy>();
  readonly mounts = new Map<string, Mount>();
  readonly requests: RequestRecord[] = [];
  /** Auth methods by path (`token` is always there), and ACL policies by name. */
  readonly authMounts = new Map<string, AuthMount>([
    [
      "token",
      {
        type: "token",
        description: "token based credentials",
        accessor: "auth_token_0",
        config: {},
        roles: new Map(),
      },
    ],
  ]);
  readonly policies = new Map<string, string>();
  /** The Kubernetes TokenReview a `kubernetes` login asks for (the sandbox wires its stand-in). */
  reviewServiceAccountToken: ((jwt: string) => ReviewedToken | undefined) | undefined;
  faults: VaultFaults = {
    sealed: false,
    unsealAfterHealthChecks: 0,
    initialized: true,
    standby: false,
    rateLimit: { remaining: 0, retryAfterSeconds: 1 },
    resetAfterWrite: 0,
  };
  constructor(options: VaultStandInOptions = {}) {
    this.rootToken = options.rootToken ?? `hvs.${randomBytes(18).toString("base64url")}`;
    this.tokens.set(this.rootToken, {});
    if (options.devMount !== false) this.addMount("secret", "kv", "2");
  }

  addMount(path: string, type: string, version: string): Mount {
    const mount: Mount = { type, version, casRequired: false, maxVersions: 0, kv: new Map() };
    this.mounts.set(path, mount);
    return mount;
  }

  /** A token with a policy that denies some path prefixes. */
  addToken(policy: TokenPolicy): string {
    const token = `hvs.${randomBytes(18).toString("base64url")}`;
    this.tokens.set(token, policy);
    return token;
  }

  /** Current data of a KV v2 secret, or undefined. */
  read(mount: string, path: string): Record<string, unknown> | undefined {
    const entry = this.mounts.get(mount)?.kv.get(path);
    const v = entry?.versions.get(entry.current);
    return v && !v.destroyed && !v.deletion_time ? (v.data ?? undefined) : undefined;
  }

  /** Number of versions ever written to a KV v2 secret. */
  versionCount(mount: string, path: string): number {
    return this.mounts.get(mount)?.kv.get(path)?.current ?? 0;
  }

  totalVersions(mount = "secret"): number {
    let n = 0;
    for (const entry of this.mounts.get(mount)?.kv.values() ?? []) n += entry.current;
    return n;
  }

  /** Writes as another client would (bypassing HTTP), bumping the version. */
  writeDirect(mount: string, path: string, data: Record<string, unknown>): number {
    const m = this.mounts.get(mount);
    if (!m) throw new Error(`no mount ${mount}`);
    return this.applyWrite(m, path, data);
  }

  softDelete(mount: string, path: string): void {
    const entry = this.mounts.get(mount)?.kv.get(path);
    const v = entry?.versions.get(entry.current);
    if (v) v.deletion_time = now();
  }
  protected applyWrite(
    mount: Mount,
    path: string,
    data: Record<string, unknown>,
    json?: string,
  ): number {
    let entry = mount.kv.get(path);
    if (!entry) {
      entry = {
        versions: new Map(),
        current: 0,
        casRequired: false,
        created: now(),
        updated: now(),
      };
      mount.kv.set(path, entry);
    }
    entry.current += 1;
    entry.updated = now();
    entry.versions.set(entry.current, {
      data,
      ...(json === undefined ? {} : { json }),
      created_time: now(),
      deletion_time: "",
      destroyed: false,
    });
    return entry.current;
  }

  protected metadataOf(entry: KvEntry, version: number) {
    const v = entry.versions.get(version)!;
    return {
      created_time: v.created_time,
      custom_metadata: null,
      deletion_time: v.deletion_time,
      destroyed: v.destroyed,
      version,
    };
  }
}
