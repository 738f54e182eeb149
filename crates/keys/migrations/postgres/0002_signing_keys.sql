-- Signing keys (Ed25519): the audit checkpoint key. The private half is a field ciphertext
-- under the installation's own data key (org_id is always the installation's); the public
-- half is for anyone who verifies a checkpoint.
CREATE TABLE signing_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    org_id       TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    public_key   BYTEA NOT NULL,
    private_key  BYTEA NOT NULL,
    created_at   BIGINT NOT NULL
);
