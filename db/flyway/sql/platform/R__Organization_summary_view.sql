CREATE OR REPLACE VIEW organization_summary AS
SELECT o.id, o.slug, count(u.id) AS users
FROM organizations o
LEFT JOIN users u ON u.organization_id = o.id
GROUP BY o.id, o.slug;
