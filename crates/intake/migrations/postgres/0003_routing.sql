-- An organization's own pipeline (none: the default one). Leads store a state's name; the
-- label is what people read and may change.
CREATE TABLE pipeline_states (
    org_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name     TEXT NOT NULL,
    label    TEXT NOT NULL,
    PRIMARY KEY (org_id, name)
);

-- Assignment rules, tried in position order; the first that matches a new lead gives it to
-- the next of its attorneys in turn. A rule of a removed site goes with it (it must not
-- widen to every site).
CREATE TABLE assignment_rules (
    id          TEXT PRIMARY KEY NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    site_id     TEXT REFERENCES sites (id) ON DELETE CASCADE,
    field_key   TEXT,
    field_value TEXT,
    attorneys   TEXT NOT NULL,
    turn        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX assignment_rules_by_org ON assignment_rules (org_id, position);

ALTER TABLE pipeline_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE pipeline_states FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON pipeline_states
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
ALTER TABLE assignment_rules ENABLE ROW LEVEL SECURITY;
ALTER TABLE assignment_rules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON assignment_rules
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
