-- A change of e-mail address waits here until the new address confirms it: single use,
-- one hour; only the token's SHA-256 is kept.
CREATE TABLE email_changes (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_email  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX email_changes_by_user ON email_changes (user_id);
