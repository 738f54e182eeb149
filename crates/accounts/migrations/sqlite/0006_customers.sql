-- Clients of an organization (legal-support customers): they sign in to the client portal
-- and see only their own work orders. Not members: they hold no role.
CREATE TABLE customers (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX customers_by_user ON customers (user_id);
