-- Demo seed data, for local environments only: dev-bootstrap adds this location
-- to Flyway's when migrations.seedData is on, and the chart refuses it in staging
-- and production. Repeatable: Flyway runs it after the schema migrations and again
-- whenever this file changes; ON CONFLICT keeps any rerun from inserting twice.
INSERT INTO organizations (slug, name) VALUES
    ('acme', 'Acme Corporation'),
    ('globex', 'Globex')
ON CONFLICT (slug) DO NOTHING;

INSERT INTO users (organization_id, email, display_name)
SELECT o.id, u.email, u.display_name
FROM (VALUES
    ('acme', 'ada@acme.example', 'Ada'),
    ('acme', 'grace@acme.example', 'Grace'),
    ('globex', 'hank@globex.example', 'Hank')
) AS u (slug, email, display_name)
JOIN organizations o ON o.slug = u.slug
ON CONFLICT (organization_id, email) DO NOTHING;
