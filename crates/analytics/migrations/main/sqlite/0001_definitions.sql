-- What a site counts and shows (goals, share links, experiments) lives beside the audit
-- log, so that a change and its audit record are written in one transaction. On SQLite the
-- analytics file keeps only events, visits and their rollups; rows made there by earlier
-- versions are moved here when analytics opens (leadvault_analytics::move_definitions).
CREATE TABLE analytics_goals (
    id         TEXT PRIMARY KEY NOT NULL,
    site_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    target     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (site_id, kind, target)
);
CREATE TABLE analytics_shares (
    site_id    TEXT PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE TABLE analytics_experiments (
    id           TEXT PRIMARY KEY NOT NULL,
    site_id      TEXT NOT NULL,
    seed         TEXT NOT NULL,
    definition   TEXT NOT NULL,
    state        TEXT NOT NULL,
    shipped      BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX analytics_experiments_by_site ON analytics_experiments (site_id, created_at);
