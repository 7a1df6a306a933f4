-- Versions 1-3 predate Flyway on existing installations; those baseline at 3.
CREATE TABLE agents (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
