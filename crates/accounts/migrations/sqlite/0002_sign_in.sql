-- Server-side sessions, so that several `serve` processes share them. The browser holds a
-- random token; only its SHA-256 is kept here, so a copy of this table opens no session.
CREATE TABLE sessions (
    id_hash      BLOB PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- 'second_factor' (password accepted, code awaited), 'enrol' (must set up a second
    -- factor before anything else) or 'full'.
    stage        TEXT NOT NULL,
    -- Browser and system in a few words ("Firefox on Linux"), for the sessions page.
    device       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- A person's TOTP secret, encrypted as a field under the installation's own key (a person
-- may belong to several organizations); org_id names that key owner, so re-encryption
-- after a key rotation treats this column like any other.
CREATE TABLE totp_credentials (
    user_id      TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL,
    secret       BLOB NOT NULL,
    -- NULL while enrolment waits for the first correct code.
    confirmed_at BIGINT,
    -- The last time step accepted: a code from it or an earlier one is a replay.
    last_step    BIGINT,
    created_at   BIGINT NOT NULL
);

-- Single-use recovery codes (80 random bits each), stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
