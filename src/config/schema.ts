/**
 * The config schema: the contracts in ARCHITECTURE.md as defaults. Every name
 * is configurable; `resolveConfig` layers file → env → flags over these.
 */
import * as z from "zod/mini";
import "../core/zod-english.js";
import {
  GO_BOOL_WORDS,
  parseDurationSecond,
  parseGoBool,
  parseGoUint32,
} from "../core/go-parse.js";
import { isValidVaultPath } from "../core/vault-path.js";

// zod/mini, not classic zod: every command builds this schema at start-up, and classic
// zod's heavier schemas and module cost about 15 ms there, zod/mini's about 6 ms.

/** RFC 1123 label, as Kubernetes requires for namespaces. */
const dnsLabel = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
      "expected a DNS-1123 label (lower-case letters, digits, '-')",
    ),
  );
/** RFC 1123 subdomain, as Kubernetes requires for Secret and resource names. */
const dnsName = z
  .string()
  .check(
    z.maxLength(253),
    z.regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
      "expected a DNS-1123 name (lower-case letters, digits, '-', '.')",
    ),
  );
const httpUrl = z.string().check(
  z.regex(
    /^https?:\/\/[^\s/]+/,
    "expected an http:// or https:// address, e.g. http://127.0.0.1:8200",
  ),
  z.refine((v) => URL.canParse(v), {
    message: "not a valid URL (check brackets around an IPv6 host, and the port)",
    abort: true,
  }),
  // Vault takes a token, never userinfo; an address holding one would be printed and journaled.
  z.refine((v) => !URL.canParse(v) || (!new URL(v).username && !new URL(v).password), {
    message:
      "must not hold a user name or password (user:password@); Vault takes a token: set VAULT_TOKEN",
  }),
);
// Schemas are immutable: the common ones are built once and shared (fewer to build at start-up).
/** A non-empty string. */
const text = z.string().check(z.minLength(1));

/**
 * Characters no hand-written path holds on purpose: C0/C1 controls and DEL (a tab
 * from `"C:\tmp"` in double quotes, a newline pasted in, a NUL that node's file
 * calls refuse), lone surrogates (no file name encodes them), and the line
 * separators and bidirectional overrides that make a path print as another one.
 * Go's module paths refuse the same class (golang.org/x/mod/module CheckFilePath).
 */
const UNWANTED_IN_PATH =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Hints for a path or header with a control character: what usually put it there. */
const CONTROL_IN_PATH_HINT = {
  file: 'in a double-quoted YAML string a backslash starts an escape ("\\t" is a tab): use single quotes or forward slashes, or retype it',
  other:
    "retype the value: a control character in it is usually a pasted newline or an escape sequence",
} as const;

/** A character as an escape (`\\x0a`, `\\u202e`), so that it shows and does nothing. */
function escaped(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** Why `path` is no usable path, or undefined: the character and where it stands, never the path. */
function pathProblem(path: string): string | undefined {
  const found = UNWANTED_IN_PATH.exec(path);
  if (!found) return undefined;
  return `contains a control character (${escaped(found[0])}, character ${found.index + 1} of the value), which no path holds on purpose`;
}
const noControlCharacters = z.superRefine((value: string, ctx) => {
  const problem = pathProblem(value);
  if (problem)
    ctx.addIssue({
      code: "custom",
      message: problem,
      input: value,
      params: { hints: CONTROL_IN_PATH_HINT },
    });
});
/**
 * Text sent as an HTTP header (X-Vault-Token, X-Vault-Namespace): node refuses a
 * header holding anything but tab, printable ASCII and Latin-1 (ERR_INVALID_CHAR),
 * which would surface as "Vault unreachable" on every attempt until the deadline.
 * The value may be a secret: the message names the character only.
 */
const headerSafe = z.superRefine((value: string, ctx) => {
  const found = /[^\t\x20-\x7e\x80-\xff]/.exec(value);
  if (found)
    ctx.addIssue({
      code: "custom",
      message: `holds a character an HTTP header cannot carry (${escaped(found[0])})`,
      input: value,
      params: { hints: CONTROL_IN_PATH_HINT },
    });
});
/** A file or directory path: any text a file name takes, without control characters. */
const pathText = z.string().check(noControlCharacters);
/** A non-empty path. */
const filePath = z.string().check(z.minLength(1), noControlCharacters);
/**
 * A duration in seconds. Node's timers wait at most 2^31-1 ms and fire at once past it
 * (a query limit of a month would end every query immediately): 24 days is the most.
 */
const seconds = z.number().check(
  z.positive(),
  z.lte(2_147_483, {
    message: "at most 2147483 seconds (about 24 days), the longest a timer waits",
  }),
);
/** A whole number from `min` to `max`. */
const whole = (min: number, max?: number) =>
  z.number().check(z.int(), z.gte(min), ...(max === undefined ? [] : [z.lte(max)]));

/**
 * A value the vault CLI reads from its environment, read as it reads it (core/go-parse.ts):
 * a variable `vault` accepts is accepted, one it refuses is refused with what it takes.
 * Text goes through `parse`; a config file's own type (a YAML number or boolean) through
 * `direct`. The value is never echoed (a mistyped token may sit in the wrong variable).
 */
function goValue<T>(
  parse: (text: string) => T | undefined,
  direct: (value: unknown) => T | undefined,
  expected: string,
) {
  return z.transform((v: unknown, ctx): T => {
    const value = typeof v === "string" ? parse(v) : direct(v);
    if (value === undefined) {
      ctx.issues.push({ code: "custom", message: `expected ${expected}`, input: v });
      return z.NEVER;
    }
    return value;
  });
}
const goBool = goValue(
  parseGoBool,
  (v) => (typeof v === "boolean" ? v : undefined),
  `a boolean as the vault CLI reads it (${GO_BOOL_WORDS})`,
);
/** Vault requests' default time limit (the vault CLI's is 60 s; a local Vault answers in ms). */
const VAULT_CLIENT_TIMEOUT_MS = 10_000;
const goDurationSecond = z
  .pipe(
    goValue(
      parseDurationSecond,
      (v) => (typeof v === "number" && Number.isFinite(v) ? v * 1000 : undefined),
      'a duration as the vault CLI reads it: seconds ("30") or "30s", "2m"',
    ),
    z.transform((ms: number) => (ms === 0 ? VAULT_CLIENT_TIMEOUT_MS : ms)), // vault: 0 is the default
  )
  .check(
    z.refine((ms) => ms > 0, { message: "must not be negative" }),
    z.refine((ms) => ms <= 2_147_483_647, {
      message: "at most 2147483 seconds (about 24 days), the longest a timer waits",
    }),
  );
// The vault CLI takes any 32-bit count; retries stay bounded here (each may wait 10 s).
const goUint = z.pipe(
  goValue(
    parseGoUint32,
    (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined),
    "a whole number of retries, 0 or more",
  ),
  z.number().check(z.lte(100, { message: "at most 100 retries" })),
);

/** A KV v2 secret path relative to the mount: no leading slash, no `data/`, no `.` segments. */
const vaultPathSchema = z.string().check(
  z.minLength(1),
  z.refine((p) => isValidVaultPath(p), {
    message:
      "expected a KV path like 'platform/db' (no leading '/', no 'data/' prefix, no '.' or '..' segments, no trailing '.')",
  }),
);

const databaseName = z
  .string()
  .check(
    z.regex(
      /^[a-z][a-z0-9_]{0,30}$/,
      "expected a lower-case name like 'platform' (letters, digits, '_')",
    ),
  );

const database = z.strictObject({
  name: databaseName,
  /** Vault path whose keys hold this database's defaults (fallback source). */
  vaultPath: vaultPathSchema,
  /** ESO-managed Secret holding this database's credentials; default `<name>-db-credentials`. */
  sourceSecret: z.optional(dnsName),
  /** Flyway baseline version used when the schema exists without history. */
  baselineVersion: z.optional(
    z.string().check(z.regex(/^\d+(\.\d+)*$/, "expected a version like '3' or '1.2'")),
  ),
});

const externalSecret = z.strictObject({
  name: dnsName,
  namespace: z.optional(dnsLabel),
  /** KV path (relative to the mount) whose keys become the target Secret's keys. */
  vaultPath: vaultPathSchema,
  /** Name of the Secret ESO writes; defaults to the ExternalSecret's name. */
  target: z.optional(dnsName),
});

const layer = z.strictObject({
  /** Helmfile for this layer, workspace-relative. */
  helmfile: filePath,
  /** Helmfile environment (--environment). */
  environment: z._default(text, "local"),
  /** Our steps that run first, in order. */
  before: z._default(
    z.array(z.enum(["ensure-local-secrets", "bootstrap-db-migrations-secret"])),
    [],
  ),
  /** Releases whose `helm test` gates the layer after the sync. */
  tests: z._default(z.array(dnsName), []),
  timeoutSeconds: z._default(seconds, 900),
});

/** The layers helm.layers starts from. */
const DEFAULT_LAYERS: Record<string, z.output<typeof layer>> = {
  "15": {
    helmfile: "helmfile/15-secrets.yaml",
    environment: "local",
    before: ["ensure-local-secrets"],
    tests: [],
    timeoutSeconds: 900,
  },
  "42": {
    helmfile: "helmfile/42-db-migrations.yaml",
    environment: "local",
    before: ["bootstrap-db-migrations-secret"],
    tests: ["db-migrations"],
    timeoutSeconds: 900,
  },
};

/** A switch set from the environment as `1`/`true` or `0`/`false` (or a YAML boolean). */
const onOff = z.transform((v: unknown, ctx): boolean => {
  if (v === true || v === "1" || v === "true") return true;
  if (v === false || v === "0" || v === "false") return false;
  ctx.issues.push({ code: "custom", message: "expected 1 or true, 0 or false", input: v });
  return z.NEVER;
});

export const configSchema = z.strictObject({
  /**
   * This run's cluster is dev-bootstrap's own sandbox (DEV_BOOTSTRAP_SANDBOX, set by
   * `dev-bootstrap sandbox` for what it starts): its ESO stand-in runs on this machine
   * and reaches loopback. Never from the config file: a shared file cannot know it.
   */
  sandbox: z._default(onOff, false),
  namespace: z._default(dnsLabel, "ameide"),
  /** Workspace-relative directory for the journal, locks and other run state (git-ignored). */
  stateDir: z._default(filePath, ".dev-bootstrap"),
  log: z._default(
    z.strictObject({
      format: z._default(z.enum(["human", "json"]), "human"),
      /** Journal file; default `<stateDir>/journal.jsonl`. */
      journal: z.optional(filePath),
      /** Bound of the journal before it is rotated (bytes). */
      journalMaxBytes: z._default(whole(4096), 1_048_576),
      /** Interval of the progress checkpoints long waits print (vault:health, eso:sync). */
      progressSeconds: z._default(seconds, 5),
    }),
    { format: "human", journalMaxBytes: 1_048_576, progressSeconds: 5 },
  ),
  watch: z._default(
    z.strictObject({
      /**
       * watch-vault-fixtures polls the files instead of relying on file-system events
       * (DEV_BOOTSTRAP_WATCH_POLL, --poll): bind mounts that miss events.
       */
      poll: z._default(onOff, false),
    }),
    { poll: false },
  ),
  vault: z.prefault(
    z.strictObject({
      addr: z._default(httpUrl, "http://127.0.0.1:8200"),
      /**
       * Vault's address as ESO's pods reach it (the ClusterSecretStore's server): the
       * in-cluster service, since VAULT_ADDR is usually loopback in a devcontainer.
       */
      clusterAddress: z._default(httpUrl, "http://vault.vault.svc.cluster.local:8200"),
      /** Only from VAULT_TOKEN; never put a token in the config file. */
      token: z.optional(z.string().check(headerSafe)),
      tokenFile: z.optional(pathText),
      /** CA certificate (PEM file) that signed Vault's certificate, as VAULT_CACERT. */
      caCert: z.optional(filePath),
      /** The same as PEM text, as VAULT_CACERT_BYTES (caCert wins when both are set). */
      caCertBytes: z.optional(text),
      /** A directory of PEM CA certificates, as VAULT_CAPATH (caCert and caCertBytes win). */
      caPath: z.optional(filePath),
      /** Client certificate and its key (PEM files), as VAULT_CLIENT_CERT / VAULT_CLIENT_KEY. */
      clientCert: z.optional(filePath),
      clientKey: z.optional(filePath),
      /** The name Vault's certificate is checked against (and SNI), as VAULT_TLS_SERVER_NAME. */
      tlsServerName: z.optional(text),
      /** Skip verifying Vault's certificate, as VAULT_SKIP_VERIFY (throwaway dev servers only). */
      skipVerify: z._default(goBool, false),
      /** Time limit of one Vault request, as VAULT_CLIENT_TIMEOUT ("30", "30s", "1m"); milliseconds. */
      clientTimeout: z._default(goDurationSecond, VAULT_CLIENT_TIMEOUT_MS),
      /**
       * Retries of a request Vault rate-limits (429) or, after the health check, refuses
       * the connection for, as VAULT_MAX_RETRIES; unset keeps dev-bootstrap's own bounds.
       */
      maxRetries: z.optional(goUint),
      /** Vault Enterprise namespace, as VAULT_NAMESPACE. */
      namespace: z.optional(z.string().check(z.minLength(1), headerSafe)),
      mount: z._default(
        z
          .string()
          .check(
            z.regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "expected a mount path like 'secret'"),
          ),
        "secret",
      ),
      fixturesDir: z._default(filePath, "vault/fixtures"),
      /** Seed for derived secrets. The default is for local use only. */
      seed: z._default(text, "dev-bootstrap-local"),
      readyTimeoutSeconds: z._default(seconds, 30),
      concurrency: z._default(whole(1, 64), 8),
    }),
    {},
  ),
  kube: z.prefault(
    z.strictObject({
      kubeconfig: z.optional(pathText),
      context: z.optional(z.string()),
      /** What to do when the namespace is missing. */
      namespaceMissing: z._default(z.enum(["create", "fail"]), "create"),
      fieldManager: z._default(text, "dev-bootstrap"),
      /** Time limit of one Kubernetes API request; a request that does not answer is retried. */
      requestTimeoutSeconds: z._default(seconds, 10),
      /** Attempts per request when the API times out or refuses connections (bounded retry). */
      requestAttempts: z._default(whole(1, 10), 3),
    }),
    {},
  ),
  eso: z.prefault(
    z
      .strictObject({
        store: z._default(dnsName, "ameide-vault"),
        /**
         * How the store reaches Vault. token: a Secret holding the developer's Vault token
         * (unset means token, with a warning on a cluster that is not a local one);
         * kubernetes: Vault's Kubernetes auth, configured here; existing: a store someone
         * else made, named by `store`/`storeKind`, left as it is.
         */
        auth: z.optional(z.enum(["token", "kubernetes", "existing"])),
        /** The kind of `store`: SecretStore (in each ExternalSecret's namespace) only with auth existing. */
        storeKind: z._default(z.enum(["ClusterSecretStore", "SecretStore"]), "ClusterSecretStore"),
        /** Vault's Kubernetes auth for auth kubernetes; role, policy and service account default to `store`. */
        kubernetes: z.prefault(
          z.strictObject({
            mountPath: z._default(
              z
                .string()
                .check(
                  z.regex(
                    /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/,
                    "expected an auth mount path like 'kubernetes'",
                  ),
                ),
              "kubernetes",
            ),
            role: z.optional(
              z
                .string()
                .check(
                  z.regex(
                    /^[A-Za-z0-9_.-]+$/,
                    "expected a Vault role name like 'dev-bootstrap-eso'",
                  ),
                ),
            ),
            policy: z.optional(
              z
                .string()
                .check(
                  z.regex(
                    /^[A-Za-z0-9_.-]+$/,
                    "expected a Vault policy name like 'dev-bootstrap-eso'",
                  ),
                ),
            ),
            serviceAccount: z.optional(dnsName),
            serviceAccountNamespace: z._default(dnsLabel, "external-secrets"),
            /** Written to auth/<mountPath>/config only when dev-bootstrap enables the method. */
            kubernetesHost: z._default(httpUrl, "https://kubernetes.default.svc"),
          }),
          {},
        ),
        apiVersion: z._default(z.enum(["auto", "v1", "v1beta1"]), "auto"),
        /** Overrides vault.clusterAddress for the ClusterSecretStore (kept for older configs). */
        vaultServer: z.optional(httpUrl),
        tokenSecret: z.prefault(
          z.strictObject({
            name: z._default(dnsName, "vault-token"),
            namespace: z._default(dnsLabel, "external-secrets"),
            key: z._default(text, "token"),
          }),
          {},
        ),
        refreshInterval: z._default(
          z.string().check(z.regex(/^(\d+(ms|s|m|h))+$/, "expected a duration like '1h' or '30s'")),
          "1h",
        ),
        /** ESO's spec.refreshPolicy; unset leaves ESO's default (Periodic). */
        refreshPolicy: z.optional(z.enum(["Periodic", "OnChange", "CreatedOnce"])),
        readyTimeoutSeconds: z._default(seconds, 60),
        externalSecrets: z._default(z.array(externalSecret), [
          { name: "platform-db-credentials", vaultPath: "platform/db" },
          { name: "agents-db-credentials", vaultPath: "agents/db" },
        ]),
      })
      .check(
        // A SecretStore lives in one namespace: dev-bootstrap makes ClusterSecretStores only.
        z.refine((e) => e.storeKind === "ClusterSecretStore" || e.auth === "existing", {
          message:
            "a SecretStore is used only as an existing store: set eso.auth to existing, or storeKind to ClusterSecretStore",
          path: ["storeKind"],
        }),
      ),
    {},
  ),
  helm: z.prefault(
    z.strictObject({
      /**
       * Layers run-helm-layer knows, by number: the configured ones merged over the
       * defaults (15, 42), as every other section merges; `null` removes a default
       * layer. So naming only "42" changes layer 42 and keeps 15, never drops it unsaid.
       */
      layers: z.pipe(
        z._default(
          z.record(
            z.string().check(z.regex(/^\d+$/, "expected a layer number like '42'")),
            z.nullable(layer),
          ),
          {},
        ),
        z.transform((configured) => {
          const merged: Record<string, z.output<typeof layer>> = structuredClone(DEFAULT_LAYERS);
          for (const [n, l] of Object.entries(configured)) {
            if (l === null) delete merged[n];
            else merged[n] = l;
          }
          return merged;
        }),
      ),
      /** The db-migrations release run-migrations installs. */
      release: z._default(dnsName, "db-migrations"),
      chart: z._default(filePath, "charts/db-migrations"),
      valuesFile: z._default(filePath, "charts/db-migrations/values-local.yaml"),
      timeoutSeconds: z._default(seconds, 600),
    }),
    {},
  ),
  migrations: z.prefault(
    z
      .strictObject({
        secretName: z._default(dnsName, "db-migrations-local"),
        mode: z._default(z.enum(["ensure", "verify"]), "ensure"),
        sqlDir: z._default(filePath, "db/flyway/sql"),
        /** The preflight's lock_timeout: how long it waits on a lock another session holds. */
        lockTimeoutSeconds: z._default(seconds, 10),
        /** The preflight's statement_timeout. */
        statementTimeoutSeconds: z._default(seconds, 60),
        /**
         * The client's own limit on each query, for a server that logs in and then
         * answers nothing. Unset: statementTimeoutSeconds + 5.
         */
        queryTimeoutSeconds: z.optional(seconds),
        /**
         * Demo seed data: Flyway migrations in <seedDir>/<database>, added to Flyway's
         * locations only when enabled. This tool is for local environments, so on by
         * default; the chart refuses it for staging and production.
         */
        seedData: z._default(onOff, true),
        seedDir: z._default(filePath, "db/flyway/seed"),
        databases: z._default(z.array(database).check(z.minLength(1)), [
          { name: "platform", vaultPath: "platform/db" },
          { name: "agents", vaultPath: "agents/db", baselineVersion: "3" },
        ]),
        /**
         * Flyway settings that change what info/validate report; flyway-status
         * applies them and run-flyway-cli passes them on. FLYWAY_* variables win.
         */
        flyway: z.prefault(
          z.strictObject({
            ignoreMigrationPatterns: z.optional(z.array(z.string())),
            target: z.optional(text),
            outOfOrder: z.optional(z.boolean()),
          }),
          {},
        ),
      })
      .check(
        // A slow query must meet the server's statement_timeout first: its message says more.
        z.refine(
          (m) =>
            m.queryTimeoutSeconds === undefined ||
            m.queryTimeoutSeconds > m.statementTimeoutSeconds,
          {
            message:
              "must be greater than migrations.statementTimeoutSeconds, so that a slow query's own statement_timeout reports first",
            path: ["queryTimeoutSeconds"],
          },
        ),
      ),
    {},
  ),
});

export type Config = z.output<typeof configSchema>;
