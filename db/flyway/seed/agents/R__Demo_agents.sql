-- Demo seed data, for local environments only (see db/flyway/seed/platform).
-- Repeatable, and ON CONFLICT keeps any rerun from inserting twice.
INSERT INTO agents (name) VALUES
    ('demo-summariser'),
    ('demo-triager')
ON CONFLICT (name) DO NOTHING;
