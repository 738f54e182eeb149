-- Signed checkpoints: the head of a chain at a moment, signed with the installation's
-- Ed25519 audit key. Copies go outside the database (a file, syslog), where a truncated tail
-- shows against them. Append-only like the records.
CREATE TABLE audit_checkpoints (
    chain       TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    hash        BYTEA NOT NULL,
    at          BIGINT NOT NULL,
    key_id      TEXT NOT NULL,
    public_key  BYTEA NOT NULL,
    signature   BYTEA NOT NULL,
    PRIMARY KEY (chain, seq)
);

CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM CURRENT_USER;

-- How far each export target (a file, a syslog address) has been sent each chain.
CREATE TABLE audit_exports (
    target  TEXT NOT NULL,
    chain   TEXT NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (target, chain)
);
