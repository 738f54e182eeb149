-- Analytics keeps apart from the intake data: on PostgreSQL in tables of its own, in the
-- same database (see the SQLite version for the separate file). Nothing here identifies a
-- person: a visitor is a keyed hash under a salt forgotten the day after, and no IP address
-- or user agent is stored.

-- Visits: written when an event changes one (at the ingester's next flush), so a visit in
-- progress is counted with what it is so far.
CREATE TABLE analytics_visits (
    site_id         TEXT NOT NULL,
    visit_id        BIGINT NOT NULL,
    visitor         BIGINT NOT NULL,
    started         BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    entry_page      TEXT NOT NULL,
    exit_page       TEXT NOT NULL,
    pageviews       INTEGER NOT NULL,
    other_events    INTEGER NOT NULL,
    channel         TEXT NOT NULL,
    source          TEXT NOT NULL,
    utm_source      TEXT NOT NULL,
    utm_medium      TEXT NOT NULL,
    utm_campaign    TEXT NOT NULL,
    utm_term        TEXT NOT NULL,
    utm_content     TEXT NOT NULL,
    country         TEXT NOT NULL,
    browser         TEXT NOT NULL,
    browser_version TEXT NOT NULL,
    os              TEXT NOT NULL,
    device          TEXT NOT NULL,
    screen          TEXT NOT NULL,
    PRIMARY KEY (site_id, visit_id)
);
CREATE INDEX analytics_visits_by_start ON analytics_visits (site_id, started);

-- Events: page views and the rest, each naming its visit, whose facts it shares.
CREATE TABLE analytics_events (
    site_id          TEXT NOT NULL,
    at               BIGINT NOT NULL,
    visit_id         BIGINT NOT NULL,
    name             TEXT NOT NULL,
    path             TEXT NOT NULL,
    props            TEXT,
    revenue_minor    BIGINT,
    revenue_currency TEXT
);
CREATE INDEX analytics_events_by_time ON analytics_events (site_id, at);
