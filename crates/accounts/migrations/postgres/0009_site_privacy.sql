-- Whether a site's analytics skips visitors whose browser asks not to be tracked (Do Not
-- Track or Global Privacy Control): the firm's choice, off unless it turns it on.
ALTER TABLE sites ADD COLUMN honours_do_not_track BIGINT NOT NULL DEFAULT 0;
