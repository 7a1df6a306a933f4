/**
 * The command table the umbrella `dev-bootstrap` lists and dispatches from.
 * Kept free of imports so `dev-bootstrap --help` stays as fast as `node -e 0`.
 * Each name is a module `src/bin/<name>.ts` exporting `command`.
 */
export const COMMANDS: ReadonlyArray<{ name: string; summary: string }> = [
  {
    name: "init",
    summary:
      "scaffold this workspace: dev-bootstrap.yaml, fixtures per database, layer 42, the Feature",
  },
  {
    name: "sandbox",
    summary: "run the whole job on this machine: Vault and Kubernetes stand-ins, a real PostgreSQL",
  },
  {
    name: "post-start",
    summary:
      "the devcontainer's postStartCommand: seed Vault, wire ESO, write the secret, start Tilt, summarise",
  },
  {
    name: "watch-vault-fixtures",
    summary: "watch the fixtures; re-seed changed paths, refresh ESO, re-run the secret bootstrap",
  },
  {
    name: "smoke",
    summary: "CI smoke target: bootstrap, health check, layer 42, flyway-status — in order",
  },
  {
    name: "ensure-local-secrets",
    summary: "seed Vault from fixtures and wire External Secrets to it",
  },
  {
    name: "bootstrap-db-migrations-secret",
    summary:
      "write <namespace>/db-migrations-local (FLYWAY_URL/USER/PASSWORD …) from the database credentials",
  },
  {
    name: "check-db-migrations-secret",
    summary:
      "health check: the migrations secret exists, is complete and valid (--connect: logins work)",
  },
  {
    name: "run-helm-layer",
    summary: "run a Helmfile layer: our steps first, then helmfile sync, then its helm test gates",
  },
  {
    name: "run-migrations",
    summary:
      "ensure the secret, helm upgrade --install the db-migrations release, show the Job's logs and versions",
  },
  {
    name: "run-flyway-cli",
    summary: "run the Flyway CLI for each database in order, with credentials from the cluster",
  },
  {
    name: "flyway-status",
    summary: "each database's `flyway info` and `flyway validate` verdict, without a JVM",
  },
  {
    name: "lint-docs",
    summary: "find Azure Key Vault instructions and configuration in Markdown and YAML",
  },
  {
    name: "summary",
    summary:
      "show the latest post-start run (or another command's, or a list of runs) from the journal",
  },
  {
    name: "why",
    summary:
      "the first broken link from fixture to Flyway: what it saw and the command that fixes it",
  },
  {
    name: "wait",
    summary:
      "block until no link from fixture to Flyway is broken (a readiness gate for apps and Tilt)",
  },
];
