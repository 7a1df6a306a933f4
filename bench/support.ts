// What the bench starts in its own process: the stand-ins and a throwaway PostgreSQL.
// Bundled by bench/lib.mjs at bench time (dist/ holds the commands only).
export { flywayChecksum } from "../src/core/flyway-files.js";
export { ThrowawayPostgres } from "../src/sandbox/postgres.js";
export { VaultStandIn } from "../src/sandbox/vault-server.js";
export { startWorld } from "../src/sandbox/world.js";
export { historyTableDdl } from "../test/helpers/flyway-history.js";
