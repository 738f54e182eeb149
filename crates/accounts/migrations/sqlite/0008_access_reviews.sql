-- When each organization's owners were last reminded to review unused access.
CREATE TABLE access_reviews (
    org_id      TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    reminded_at BIGINT NOT NULL
);
