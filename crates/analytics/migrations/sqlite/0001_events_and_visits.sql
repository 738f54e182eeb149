-- Analytics keeps apart from the intake data: on SQLite in a file of its own, so that its
-- writes never wait for intake's and intake's never wait for its. Nothing here identifies a
-- person: a visitor is a keyed hash under a salt forgotten the day after, and no IP address
-- or user agent is stored.

-- Sites as analytics knows them: a small number each, so that the tables below, which
-- hold millions of rows, do not repeat a 36-character id in every row and index entry.
CREATE TABLE analytics_sites (
    site_key INTEGER PRIMARY KEY,
    site_id  TEXT NOT NULL UNIQUE
);

-- Visits: written when an event changes one (at the ingester's next flush), so a visit in
-- progress is counted with what it is so far.
CREATE TABLE analytics_visits (
    site_key        BIGINT NOT NULL,
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
    PRIMARY KEY (site_key, visit_id)
);
CREATE INDEX analytics_visits_by_start ON analytics_visits (site_key, started);

-- Events: page views and the rest, each naming its visit, whose facts it shares.
CREATE TABLE analytics_events (
    site_key         BIGINT NOT NULL,
    at               BIGINT NOT NULL,
    visit_id         BIGINT NOT NULL,
    visitor          BIGINT NOT NULL,
    name             TEXT NOT NULL,
    path             TEXT NOT NULL,
    props            TEXT,
    revenue_minor    BIGINT,
    revenue_currency TEXT
);
CREATE INDEX analytics_events_by_time ON analytics_events (site_key, at);
-- Goals and custom events are read by name: a few among many page views.
CREATE INDEX analytics_events_by_name ON analytics_events (site_key, name, at);

-- Rollups: what reports read. One row per site, day ('d') or hour ('h'), dimension and
-- value: visitors (distinct within the bucket; a day's visitor ids live one day, so a
-- period's visitors are the sum of its days'), visits, page views, bounces, time spent
-- (microseconds) and other events. Days carry every dimension; hours only the total
-- (dimension '') for the hourly chart. Made again from the events and visits for a day
-- while it is recent, and never changed once it is past.
CREATE TABLE analytics_rollups (
    site_key   BIGINT NOT NULL,
    grain      TEXT NOT NULL,
    bucket     BIGINT NOT NULL,
    dimension  TEXT NOT NULL,
    value      TEXT NOT NULL,
    visitors   BIGINT NOT NULL,
    visits     BIGINT NOT NULL,
    pageviews  BIGINT NOT NULL,
    bounces    BIGINT NOT NULL,
    duration   BIGINT NOT NULL,
    events     BIGINT NOT NULL,
    PRIMARY KEY (site_key, grain, dimension, bucket, value)
);
