-- Public share links: one per site at most, found by the SHA-256 of its token (the token
-- itself is shown once and never stored).
CREATE TABLE analytics_shares (
    site_id    TEXT PRIMARY KEY NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
