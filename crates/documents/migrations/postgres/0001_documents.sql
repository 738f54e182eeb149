-- Uploaded documents. The content is on disk, encrypted under the organization's file key
-- and bound to (organization, document id), under `stored_name` (random, unrelated to the
-- id or the uploaded name). `name` is the uploaded file name as a field ciphertext.
-- `owner_kind` and `owner_id` say what the document belongs to (a work order).
CREATE TABLE documents (
    id           TEXT PRIMARY KEY NOT NULL,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    owner_kind   TEXT NOT NULL,
    owner_id     TEXT NOT NULL,
    field        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    size         BIGINT NOT NULL,
    stored_name  TEXT NOT NULL UNIQUE,
    name         BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX documents_by_owner ON documents (org_id, owner_kind, owner_id);

-- The same tenant wall as every tenant table (see accounts' 0004_tenant_walls).
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE documents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON documents
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
