-- When each organization's owners were last reminded to review unused access.
CREATE TABLE access_reviews (
    org_id      TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    reminded_at BIGINT NOT NULL
);

-- The same tenant wall as every tenant table (see 0004_tenant_walls).
ALTER TABLE access_reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON access_reviews
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
