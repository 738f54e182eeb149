-- Sites: the domains an organization runs, where its forms embed and analytics count.
CREATE TABLE sites (
    id         TEXT PRIMARY KEY NOT NULL,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, domain)
);

-- A membership reaches the whole organization, or only the sites listed for it. A site's
-- removal removes it from every list, narrowing (never widening) what a member sees.
ALTER TABLE memberships ADD COLUMN scope TEXT NOT NULL DEFAULT 'organization';
CREATE TABLE membership_sites (
    org_id  TEXT NOT NULL,
    user_id TEXT NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, user_id, site_id),
    FOREIGN KEY (org_id, user_id) REFERENCES memberships (org_id, user_id) ON DELETE CASCADE
);

-- Invitations: single use, expiring; only the token's SHA-256 is kept.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    scope       TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX invitations_by_org ON invitations (org_id);
CREATE TABLE invitation_sites (
    invitation_id TEXT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    site_id       TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, site_id)
);
