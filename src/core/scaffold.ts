/**
 * What `dev-bootstrap init` writes into a consumer's workspace, as pure data:
 * the config file (the settings given as flags written as real settings, the
 * rest as commented defaults), one fixture file per database, layer 42's
 * helmfile and chart (links into the installed package's chart, the
 * workspace's own values), and the lines to add to the Tiltfile and
 * devcontainer.json.
 */
import { posix } from "node:path";

export interface ScaffoldDatabase {
  name: string;
  vaultPath: string;
  baselineVersion?: string;
}

/** Layer 42 as the config names it: its helmfile, and the chart and values it installs. */
export interface ScaffoldLayer42 {
  /** Workspace-relative paths, as the config has them. */
  helmfile: string;
  environment: string;
  chart: string;
  valuesFile: string;
  release: string;
  secretName: string;
  seedData: boolean;
  seedDir: string;
  /**
   * The installed package's chart folder as the workspace's links name it: relative
   * to the workspace when the package is installed inside it, else absolute.
   */
  packageChart: string;
}

export interface ScaffoldInput {
  databases: ScaffoldDatabase[];
  namespace: string;
  fixturesDir: string;
  sqlDir: string;
  /** The extension's Tiltfile as the consumer's Tiltfile loads it (./node_modules/… or absolute). */
  extensionTiltfile: string;
  /** Settings given as flags, by dotted key: written as real settings, not comments. */
  settings?: Record<string, string>;
  layer42?: ScaffoldLayer42;
}

export interface ScaffoldFile {
  /** Workspace-relative path. */
  path: string;
  content: string;
}

interface ScaffoldLink {
  /** Workspace-relative path of the link. */
  path: string;
  /** What it points at, as stored in the link (relative to the link's folder, or absolute). */
  target: string;
}

interface Scaffold {
  files: ScaffoldFile[];
  links: ScaffoldLink[];
  /** Workspace-relative folders that must exist (a link into a missing folder breaks helm). */
  dirs: string[];
  tiltfileLines: string[];
  devcontainerLines: string[];
}

/** Stricter than the config schema (no '_'), since the name also becomes part of Secret names. */
const DATABASE_NAME = /^[a-z][a-z0-9]{0,30}$/;

/** Checks a --database value, so init never writes a config that fails to load. */
export function isDatabaseName(name: string): boolean {
  return DATABASE_NAME.test(name);
}

/** The config keys init writes as settings when given as flags, in the order the file has them. */
export const SETTING_KEYS = [
  "namespace",
  "stateDir",
  "log.format",
  "vault.addr",
  "vault.fixturesDir",
  "kube.context",
  "migrations.sqlDir",
] as const;

/** A YAML scalar: plain when that reads back as the same string, else double-quoted (JSON is YAML). */
export function yamlScalar(value: string): string {
  const plain =
    /^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$/.test(value) &&
    !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(value) &&
    !/^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value) &&
    !/^0[xob]/i.test(value) &&
    !value.includes(": ");
  return plain ? value : JSON.stringify(value);
}

function configFile(input: ScaffoldInput): string {
  const dbs = input.databases;
  const set = input.settings ?? {};
  /** `key: value` when given as a flag, else the commented default (with its note). */
  const line = (key: string, indent: string, commented: string, note = "") => {
    const name = key.split(".").pop()!;
    const value = set[key];
    return value === undefined
      ? `${indent}# ${name}: ${commented}${note}`
      : `${indent}${name}: ${yamlScalar(value)}${note}`;
  };
  // Each section init writes has one key, so "some" and "every" of them, and the keys
  // with or without the filter, are the same.
  const section = (name: string, keys: string[]) =>
    // Stryker disable next-line MethodExpression: see above
    keys.some((k) => set[`${name}.${k}`] !== undefined)
      ? [
          "",
          `${name}:`,
          // Stryker disable next-line MethodExpression: one key per section, as above
          ...keys
            .filter((k) => set[`${name}.${k}`] !== undefined)
            .map((k) => line(`${name}.${k}`, "  ", "")),
        ]
      : [];
  const esos = dbs.map(
    (d) => `    - { name: ${d.name}-db-credentials, vaultPath: ${d.vaultPath} }`,
  );
  const databases = dbs.map(
    (d) =>
      `    - { name: ${d.name}, vaultPath: ${d.vaultPath}${d.baselineVersion ? `, baselineVersion: "${d.baselineVersion}"` : ""} }`,
  );
  const fixturesDir = set["vault.fixturesDir"] ?? input.fixturesDir;
  const lines = [
    "# dev-bootstrap's configuration. Relative paths resolve against this file's",
    "# directory. Commented keys show their defaults; dev-bootstrap's",
    "# docs/reference/configuration.md lists every key, its environment variable and its flag.",
    "",
    line("namespace", "", "ameide"),
    line("stateDir", "", ".dev-bootstrap", "        # journal and locks; add it to .gitignore"),
    ...section("log", ["format"]),
    "",
    "vault:",
    line("vault.addr", "  ", "http://127.0.0.1:8200", "   # or VAULT_ADDR"),
    "  # The token comes from VAULT_TOKEN, VAULT_TOKEN_FILE or ~/.vault-token, never from here.",
    "  # mount: secret",
    `  fixturesDir: ${yamlScalar(fixturesDir)}`,
    ...section("kube", ["context"]),
    "",
    "eso:",
    "  # store: ameide-vault",
    "  # One ExternalSecret per database: ESO writes <name> from the Vault path.",
    "  externalSecrets:",
    ...esos,
    "",
    "# Layers merge with the defaults (15 and 42); a layer set to null is removed.",
    "# helm:",
    "#   layers:",
    '#     "42":',
    "#       helmfile: helmfile/42-db-migrations.yaml",
    "#       before: [bootstrap-db-migrations-secret]",
    "#       tests: [db-migrations]",
    "",
    "migrations:",
    "  # secretName: db-migrations-local",
    "  # mode: ensure                  # verify in CI: never fall back to Vault defaults",
    line(
      "migrations.sqlDir",
      "  ",
      "db/flyway/sql",
      "         # V*__*.sql and R__*.sql under <sqlDir>/<database>/",
    ),
    "  # Databases in migration order; the first is the primary (FLYWAY_URL).",
    "  databases:",
    ...databases,
    "",
  ];
  return lines.join("\n");
}

function fixtureFile(db: ScaffoldDatabase, namespace: string): string {
  return `description: Local credentials of the ${db.name} database.
paths:
  ${db.vaultPath}:
    DB_USERNAME: ${db.name}
    DB_PASSWORD:
      derive: { length: 32, alphabet: alnum }
    # The cluster's service by default; a port-forward or the sandbox sets these.
    DB_HOST: { env: DEV_BOOTSTRAP_DB_HOST, default: postgres.${namespace}.svc.cluster.local }
    DB_PORT: { env: DEV_BOOTSTRAP_DB_PORT, default: "5432" }
    DB_NAME: ${db.name}
    DATABASE_URL:
      template: "postgresql://\${DB_USERNAME}:\${DB_PASSWORD | urlencode}@\${DB_HOST}:\${DB_PORT}/\${DB_NAME}"
`;
}

/** `to` as seen from the folder `from` (both workspace-relative); an absolute `to` stays absolute. */
function relativeTo(from: string, to: string): string {
  return posix.isAbsolute(to)
    ? to
    : posix.relative(posix.normalize(from), posix.normalize(to)) || ".";
}

/**
 * Layer 42: a helmfile with one release of the workspace's own chart folder, whose
 * Chart.yaml, values.yaml, templates and files link into the installed package (so
 * an upgrade of the package upgrades the chart) and whose sql and seed link to the
 * workspace's migrations: Helm reads only files inside a chart's folder. The values
 * file is the workspace's own: its databases, the secret the bootstrap writes.
 */
function layer42(
  input: ScaffoldInput,
  l: ScaffoldLayer42,
): Omit<Scaffold, "tiltfileLines" | "devcontainerLines"> {
  const helmfileDir = posix.dirname(l.helmfile);
  const helmfile = `# Layer 42: database migrations. \`dev-bootstrap run-helm-layer 42\` (Tilt:
# infra:42-db-migrations) writes ${input.namespace}/${l.secretName} first, then runs
# \`helmfile --environment ${l.environment} sync\` on this file, then \`helm test ${l.release}\`.
# Plain YAML without templates: Helmfile 1.x renders only *.gotmpl files as templates.
environments:
  ${yamlScalar(l.environment)}: {}
---
releases:
  - name: ${l.release}
    namespace: ${input.namespace}
    chart: ${relativeTo(helmfileDir, l.chart)}
    values:
      - ${relativeTo(helmfileDir, l.valuesFile)}
`;
  const values = [
    "# The workspace's values for the db-migrations chart (its defaults: values.yaml,",
    "# linked from the installed package). `run-migrations` installs with this file too.",
    "# Databases in migration order; the first is the primary (FLYWAY_URL / DATABASE_URL).",
    "databases:",
    ...input.databases.map(
      (d) =>
        `  - name: ${d.name}${d.baselineVersion ? `\n    baselineVersion: "${d.baselineVersion}"` : ""}`,
    ),
    "# bootstrap-db-migrations-secret writes this Secret before every sync.",
    "existingSecrets:",
    `  - ${l.secretName}`,
    "environment: local",
    `# Demo seed data from seed/<database> (${l.seedDir}); local environments only.`,
    "seedData:",
    `  enabled: ${l.seedData}`,
    "",
  ].join("\n");
  const links: ScaffoldLink[] = ["Chart.yaml", "values.yaml", "templates", "files"].map((f) => ({
    path: posix.join(l.chart, f),
    target: relativeTo(l.chart, posix.join(l.packageChart, f)),
  }));
  links.push(
    { path: posix.join(l.chart, "sql"), target: relativeTo(l.chart, input.sqlDir) },
    { path: posix.join(l.chart, "seed"), target: relativeTo(l.chart, l.seedDir) },
  );
  return {
    files: [
      { path: l.helmfile, content: helmfile },
      { path: l.valuesFile, content: values },
    ],
    links,
    dirs: [input.sqlDir, l.seedDir],
  };
}

export function scaffold(input: ScaffoldInput): Scaffold {
  const files: ScaffoldFile[] = [{ path: "dev-bootstrap.yaml", content: configFile(input) }];
  const fixturesDir = input.settings?.["vault.fixturesDir"] ?? input.fixturesDir;
  for (const db of input.databases) {
    files.push({
      path: `${fixturesDir}/${db.name}.yaml`,
      content: fixtureFile(db, input.namespace),
    });
  }
  const layer = input.layer42 ? layer42(input, input.layer42) : { files: [], links: [], dirs: [] };
  return {
    files: [...files, ...layer.files],
    links: layer.links,
    dirs: layer.dirs,
    tiltfileLines: [`load("${input.extensionTiltfile}", "dev_bootstrap")`, "dev_bootstrap()"],
    // The Feature uses the workspace's own install (its default version "none"),
    // which the container gets from the lock file when it is created.
    devcontainerLines: ['"features": { "./dev-bootstrap": {} },', '"postCreateCommand": "npm ci"'],
  };
}
