-- Signed checkpoints: the head of a chain at a moment, signed with the installation's
-- Ed25519 audit key. Copies go outside the database (a file, syslog), where a truncated tail
-- shows against them. Append-only like the records.
CREATE TABLE audit_checkpoints (
    chain       TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    hash        BLOB NOT NULL,
    at          BIGINT NOT NULL,
    key_id      TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    signature   BLOB NOT NULL,
    PRIMARY KEY (chain, seq)
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;

-- How far each export target (a file, a syslog address) has been sent each chain.
CREATE TABLE audit_exports (
    target  TEXT NOT NULL,
    chain   TEXT NOT NULL,
    seq     BIGINT NOT NULL,
    PRIMARY KEY (target, chain)
);
