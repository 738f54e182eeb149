-- The audit log: one hash chain per organization (chain 'org:<id>') and one for the
-- installation ('instance'). Records are never updated or deleted (the trigger below refuses
-- both, and the application's own role gives up the privilege); the head of each chain is kept
-- beside them, so that a missing tail shows.
CREATE TABLE audit_records (
    chain        TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_kind  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    fields       TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    prev_hash    BYTEA NOT NULL,
    hash         BYTEA NOT NULL,
    PRIMARY KEY (chain, seq)
);

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY NOT NULL,
    seq   BIGINT NOT NULL,
    hash  BYTEA NOT NULL
);

CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only';
END;
$$;

CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_records FROM CURRENT_USER;
