/**
 * The config schema: the contracts in ARCHITECTURE.md as defaults. Every name
 * is configurable; `resolveConfig` layers file → env → flags over these.
 */
import * as z from "zod";
import { isValidVaultPath } from "../core/vault-path.js";

// One parse per process: compiling zod's fast path (new Function) costs more than it saves.
z.config({ jitless: true });

/** RFC 1123 label, as Kubernetes requires for namespaces. */
const dnsLabel = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "expected a DNS-1123 label (lower-case letters, digits, '-')",
  );
/** RFC 1123 subdomain, as Kubernetes requires for Secret and resource names. */
const dnsName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    "expected a DNS-1123 name (lower-case letters, digits, '-', '.')",
  );
const httpUrl = z
  .string()
  .regex(
    /^https?:\/\/[^\s/]+/,
    "expected an http:// or https:// address, e.g. http://127.0.0.1:8200",
  )
  .refine((v) => URL.canParse(v), {
    message: "not a valid URL (check brackets around an IPv6 host, and the port)",
    abort: true,
  })
  // Vault takes a token, never userinfo; an address holding one would be printed and journaled.
  .refine((v) => !URL.canParse(v) || (!new URL(v).username && !new URL(v).password), {
    message:
      "must not hold a user name or password (user:password@); Vault takes a token: set VAULT_TOKEN",
  });
/** A KV v2 secret path relative to the mount: no leading slash, no `data/`, no `.` segments. */
export const vaultPathSchema = z
  .string()
  .min(1)
  .refine((p) => isValidVaultPath(p), {
    message:
      "expected a KV path like 'platform/db' (no leading '/', no 'data/' prefix, no '.' or '..' segments, no trailing '.')",
  });

const databaseName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,30}$/,
    "expected a lower-case name like 'platform' (letters, digits, '_')",
  );

const database = z.strictObject({
  name: databaseName,
  /** Vault path whose keys hold this database's defaults (fallback source). */
  vaultPath: vaultPathSchema,
  /** ESO-managed Secret holding this database's credentials; default `<name>-db-credentials`. */
  sourceSecret: dnsName.optional(),
  /** Flyway baseline version used when the schema exists without history. */
  baselineVersion: z
    .string()
    .regex(/^\d+(\.\d+)*$/, "expected a version like '3' or '1.2'")
    .optional(),
});

const externalSecret = z.strictObject({
  name: dnsName,
  namespace: dnsLabel.optional(),
  /** KV path (relative to the mount) whose keys become the target Secret's keys. */
  vaultPath: vaultPathSchema,
  /** Name of the Secret ESO writes; defaults to the ExternalSecret's name. */
  target: dnsName.optional(),
});

const layer = z.strictObject({
  /** Helmfile for this layer, workspace-relative. */
  helmfile: z.string().min(1),
  /** Helmfile environment (--environment). */
  environment: z.string().min(1).default("local"),
  /** Our steps that run first, in order. */
  before: z.array(z.enum(["ensure-local-secrets", "bootstrap-db-migrations-secret"])).default([]),
  /** Releases whose `helm test` gates the layer after the sync. */
  tests: z.array(dnsName).default([]),
  timeoutSeconds: z.number().positive().default(900),
});

export const configSchema = z.strictObject({
  namespace: dnsLabel.default("ameide"),
  /** Workspace-relative directory for the journal, locks and other run state (git-ignored). */
  stateDir: z.string().min(1).default(".dev-bootstrap"),
  log: z
    .strictObject({
      format: z.enum(["human", "json"]).default("human"),
      /** Journal file; default `<stateDir>/journal.jsonl`. */
      journal: z.string().min(1).optional(),
      /** Bound of the journal before it is rotated (bytes). */
      journalMaxBytes: z.number().int().min(4096).default(1_048_576),
      /** Interval of the progress checkpoints long waits print (vault:health, eso:sync). */
      progressSeconds: z.number().positive().default(5),
    })
    .default({ format: "human", journalMaxBytes: 1_048_576, progressSeconds: 5 }),
  vault: z
    .strictObject({
      addr: httpUrl.default("http://127.0.0.1:8200"),
      /**
       * Vault's address as ESO's pods reach it (the ClusterSecretStore's server): the
       * in-cluster service, since VAULT_ADDR is usually loopback in a devcontainer.
       */
      clusterAddress: httpUrl.default("http://vault.vault.svc.cluster.local:8200"),
      /** Only from VAULT_TOKEN; never put a token in the config file. */
      token: z.string().optional(),
      tokenFile: z.string().optional(),
      /** CA certificate (PEM file) that signed Vault's certificate, as VAULT_CACERT. */
      caCert: z.string().min(1).optional(),
      /** Skip verifying Vault's certificate, as VAULT_SKIP_VERIFY (throwaway dev servers only). */
      skipVerify: z.union([z.boolean(), z.stringbool()]).default(false),
      /** Vault Enterprise namespace, as VAULT_NAMESPACE. */
      namespace: z.string().min(1).optional(),
      mount: z
        .string()
        .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, "expected a mount path like 'secret'")
        .default("secret"),
      fixturesDir: z.string().min(1).default("vault/fixtures"),
      /** Seed for derived secrets. The default is for local use only. */
      seed: z.string().min(1).default("dev-bootstrap-local"),
      readyTimeoutSeconds: z.number().positive().default(30),
      concurrency: z.number().int().min(1).max(64).default(8),
    })
    .prefault({}),
  kube: z
    .strictObject({
      kubeconfig: z.string().optional(),
      context: z.string().optional(),
      /** What to do when the namespace is missing. */
      namespaceMissing: z.enum(["create", "fail"]).default("create"),
      fieldManager: z.string().min(1).default("dev-bootstrap"),
      /** Time limit of one Kubernetes API request; a request that does not answer is retried. */
      requestTimeoutSeconds: z.number().positive().default(10),
      /** Attempts per request when the API times out or refuses connections (bounded retry). */
      requestAttempts: z.number().int().min(1).max(10).default(3),
    })
    .prefault({}),
  eso: z
    .strictObject({
      store: dnsName.default("ameide-vault"),
      apiVersion: z.enum(["auto", "v1", "v1beta1"]).default("auto"),
      /** Overrides vault.clusterAddress for the ClusterSecretStore (kept for older configs). */
      vaultServer: httpUrl.optional(),
      tokenSecret: z
        .strictObject({
          name: dnsName.default("vault-token"),
          namespace: dnsLabel.default("external-secrets"),
          key: z.string().min(1).default("token"),
        })
        .prefault({}),
      refreshInterval: z
        .string()
        .regex(/^(\d+(ms|s|m|h))+$/, "expected a duration like '1h' or '30s'")
        .default("1h"),
      readyTimeoutSeconds: z.number().positive().default(60),
      externalSecrets: z.array(externalSecret).default([
        { name: "platform-db-credentials", vaultPath: "platform/db" },
        { name: "agents-db-credentials", vaultPath: "agents/db" },
      ]),
    })
    .prefault({}),
  helm: z
    .strictObject({
      /** Layers run-helm-layer knows, by number. */
      layers: z
        .record(z.string().regex(/^\d+$/, "expected a layer number like '42'"), layer)
        .default({
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
        }),
      /** The db-migrations release run-migrations installs. */
      release: dnsName.default("db-migrations"),
      chart: z.string().min(1).default("charts/db-migrations"),
      valuesFile: z.string().min(1).default("charts/db-migrations/values-local.yaml"),
      timeoutSeconds: z.number().positive().default(600),
    })
    .prefault({}),
  migrations: z
    .strictObject({
      secretName: dnsName.default("db-migrations-local"),
      mode: z.enum(["ensure", "verify"]).default("ensure"),
      sqlDir: z.string().min(1).default("db/flyway/sql"),
      /** The preflight's lock_timeout: how long it waits on a lock another session holds. */
      lockTimeoutSeconds: z.number().positive().default(10),
      /** The preflight's statement_timeout. */
      statementTimeoutSeconds: z.number().positive().default(60),
      /**
       * Demo seed data: Flyway migrations in <seedDir>/<database>, added to Flyway's
       * locations only when enabled. This tool is for local environments, so on by
       * default; the chart refuses it for staging and production.
       */
      seedData: z
        .preprocess(
          (v) => (v === "1" || v === "true" ? true : v === "0" || v === "false" ? false : v),
          z.boolean(),
        )
        .default(true),
      seedDir: z.string().min(1).default("db/flyway/seed"),
      databases: z
        .array(database)
        .min(1)
        .default([
          { name: "platform", vaultPath: "platform/db" },
          { name: "agents", vaultPath: "agents/db", baselineVersion: "3" },
        ]),
      /**
       * Flyway settings that change what info/validate report; flyway-status
       * applies them and run-flyway-cli passes them on. FLYWAY_* variables win.
       */
      flyway: z
        .strictObject({
          ignoreMigrationPatterns: z.array(z.string()).optional(),
          target: z.string().min(1).optional(),
          outOfOrder: z.boolean().optional(),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
export type DatabaseConfig = Config["migrations"]["databases"][number];
export type ExternalSecretConfig = Config["eso"]["externalSecrets"][number];
