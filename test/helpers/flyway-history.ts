/**
 * The SQL Flyway 10 runs to create its history table on PostgreSQL, for tests that
 * stand a database up as Flyway left it. It is flyway-database-postgresql 10.22.0's
 * `PostgreSQLDatabase.getRawCreateScript` with no tablespace and no baseline row
 * (the same statements as flyway-core's older `postgresql/createMetaDataTable.sql`):
 * the table, its primary key and the index on `success`, named after the table.
 */
export function historyTableDdl(schema = "public", table = "flyway_schema_history"): string {
  return `CREATE TABLE "${schema}"."${table}" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "${schema}"."${table}" ADD CONSTRAINT "${table}_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "${table}_s_idx" ON "${schema}"."${table}" ("success");`;
}
