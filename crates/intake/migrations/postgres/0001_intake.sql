-- Forms, their immutable versions, and the leads submitted through them.
CREATE TABLE forms (
    id              TEXT PRIMARY KEY NOT NULL,
    org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    site_id         TEXT REFERENCES sites (id) ON DELETE SET NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    current_version BIGINT NOT NULL,
    published       BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX forms_by_org ON forms (org_id);

-- A submission records the version it answered; a version never changes once written.
CREATE TABLE form_versions (
    form_id     TEXT NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    definition  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (form_id, version)
);

-- contact, assessment and sensitive hold field ciphertexts (a JSON object of the answers of
-- that class, encrypted under the organization's field key, bound to the lead's id and the
-- class); meta is plain JSON (source site, UTM, consent versions).
CREATE TABLE leads (
    id             TEXT PRIMARY KEY NOT NULL,
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    form_id        TEXT NOT NULL REFERENCES forms (id),
    form_version   BIGINT NOT NULL,
    site_id        TEXT,
    status         TEXT NOT NULL,
    assigned_to    TEXT,
    tracking_hash  BYTEA NOT NULL UNIQUE,
    meta           TEXT NOT NULL,
    contact        BYTEA,
    assessment     BYTEA,
    sensitive      BYTEA,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX leads_by_org ON leads (org_id, created_at);

-- Blind indexes of a lead's e-mail addresses and phone numbers, for the duplicate hint.
CREATE TABLE lead_contacts (
    org_id   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    digest   BYTEA NOT NULL,
    lead_id  TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE
);
CREATE INDEX lead_contacts_lookup ON lead_contacts (org_id, kind, digest);

-- What happened to a lead, in order: created, status changes, assignments.
CREATE TABLE lead_events (
    lead_id     TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX lead_events_by_lead ON lead_events (lead_id, at);

-- The same tenant wall as every tenant table (see accounts' 0004_tenant_walls).
ALTER TABLE forms ENABLE ROW LEVEL SECURITY;
ALTER TABLE forms FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON forms
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
ALTER TABLE form_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE form_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON form_versions
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
ALTER TABLE leads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON leads
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
ALTER TABLE lead_contacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_contacts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON lead_contacts
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
ALTER TABLE lead_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE lead_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON lead_events
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
