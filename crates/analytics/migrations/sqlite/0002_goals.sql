-- Goals: what a site counts as a conversion, besides the built-in "Form submitted". An
-- event goal names a custom event; a page goal a path pattern (* for anything).
CREATE TABLE analytics_goals (
    id         TEXT PRIMARY KEY NOT NULL,
    site_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    target     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (site_id, kind, target)
);
