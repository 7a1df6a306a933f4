/**
 * What `dev-bootstrap init` writes into a consumer's workspace, as pure data:
 * the config file with commented defaults, one fixture file per database, and
 * the lines to add to the consumer's Tiltfile and devcontainer.json.
 */

export interface ScaffoldDatabase {
  name: string;
  vaultPath: string;
}

export interface ScaffoldInput {
  databases: ScaffoldDatabase[];
  namespace: string;
  fixturesDir: string;
  /** The extension's Tiltfile as the consumer's Tiltfile loads it (./node_modules/… or absolute). */
  extensionTiltfile: string;
}

export interface ScaffoldFile {
  /** Workspace-relative path. */
  path: string;
  content: string;
}

export interface Scaffold {
  files: ScaffoldFile[];
  tiltfileLines: string[];
  devcontainerLines: string[];
}

/** Stricter than the config schema (no '_'), since the name also becomes part of Secret names. */
const DATABASE_NAME = /^[a-z][a-z0-9]{0,30}$/;

/** Checks a --database value, so init never writes a config that fails to load. */
export function isDatabaseName(name: string): boolean {
  return DATABASE_NAME.test(name);
}

function configFile(input: ScaffoldInput): string {
  const dbs = input.databases;
  const esos = dbs.map(
    (d) => `    - { name: ${d.name}-db-credentials, vaultPath: ${d.vaultPath} }`,
  );
  return `# dev-bootstrap's configuration. Relative paths resolve against this file's
# directory. Commented keys show their defaults; the README's "Configuration"
# section lists every key, its environment variable and its flag.

# namespace: ${input.namespace}
# stateDir: .dev-bootstrap        # journal and locks; add it to .gitignore

vault:
  # addr: http://127.0.0.1:8200   # or VAULT_ADDR; the token comes from VAULT_TOKEN,
  #                               # VAULT_TOKEN_FILE or ~/.vault-token, never from here
  # mount: secret
  fixturesDir: ${input.fixturesDir}

eso:
  # store: ameide-vault
  # One ExternalSecret per database: ESO writes <name> from the Vault path.
  externalSecrets:
${esos.join("\n")}

# helm:
#   layers:
#     "42":
#       helmfile: helmfile/42-db-migrations.yaml
#       before: [bootstrap-db-migrations-secret]
#       tests: [db-migrations]

migrations:
  # secretName: db-migrations-local
  # mode: ensure                  # verify in CI: never fall back to Vault defaults
  # sqlDir: db/flyway/sql         # V*__*.sql and R__*.sql under <sqlDir>/<database>/
  # Databases in migration order; the first is the primary (FLYWAY_URL).
  databases:
${dbs.map((d) => `    - { name: ${d.name}, vaultPath: ${d.vaultPath} }`).join("\n")}
`;
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

export function scaffold(input: ScaffoldInput): Scaffold {
  const files: ScaffoldFile[] = [{ path: "dev-bootstrap.yaml", content: configFile(input) }];
  for (const db of input.databases) {
    files.push({
      path: `${input.fixturesDir}/${db.name}.yaml`,
      content: fixtureFile(db, input.namespace),
    });
  }
  return {
    files,
    tiltfileLines: [`load("${input.extensionTiltfile}", "dev_bootstrap")`, "dev_bootstrap()"],
    // The Feature uses the workspace's own install (its default version "none"),
    // which the container gets from the lock file when it is created.
    devcontainerLines: ['"features": { "./dev-bootstrap": {} },', '"postCreateCommand": "npm ci"'],
  };
}
