-- Public form pages already used for a submission (the SHA-256 of the page's token), so a
-- page is good for one lead; forgotten once such a token has expired anyway. No personal
-- data, no organization: a token names only a form.
CREATE TABLE spent_form_pages (
    digest     BLOB PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX spent_form_pages_by_expiry ON spent_form_pages (expires_at);
