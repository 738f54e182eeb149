-- Experiments: a site's A/B tests. The definition is kept as the JSON it was checked from;
-- the seed (random, made when the experiment is) feeds the assignment hash, so visitors keep
-- their variation for the experiment's life.
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
