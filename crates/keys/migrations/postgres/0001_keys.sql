-- Tenant keys: one per organization and version, wrapped by the root key named in
-- root_key_id. Deleting an organization's rows here is crypto-shredding: its data can no
-- longer be decrypted by anyone.
CREATE TABLE tenant_keys (
    org_id      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    root_key_id TEXT NOT NULL,
    algorithm   TEXT NOT NULL,
    wrapped     BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT,
    PRIMARY KEY (org_id, version)
);

-- Data keys, wrapped by the tenant key of the same organization and tenant_version. The
-- id and version are what every ciphertext names.
CREATE TABLE data_keys (
    id             TEXT PRIMARY KEY NOT NULL,
    org_id         TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    version        BIGINT NOT NULL,
    tenant_version BIGINT NOT NULL,
    algorithm      TEXT NOT NULL,
    wrapped        BYTEA NOT NULL,
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT,
    UNIQUE (org_id, purpose, version),
    FOREIGN KEY (org_id, tenant_version) REFERENCES tenant_keys (org_id, version) ON DELETE CASCADE
);
