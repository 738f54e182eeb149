-- E-mail waiting to be delivered. A message may carry a secret link (an invitation, a
-- password reset), so it is stored encrypted as one field under the installation's own key
-- (org_id names that key owner) and deleted as soon as the SMTP server has accepted it.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    org_id          TEXT NOT NULL,
    sealed          BYTEA NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    -- Due for (another) attempt from this time on; a worker claims a message by moving it.
    next_attempt_at BIGINT NOT NULL,
    -- Why the last attempt failed, in words that hold no address or content.
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at);
