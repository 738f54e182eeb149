-- What each backup, verification, restore and prune did: for the operations page, the
-- monitoring endpoint and the missed-backup e-mail. No personal data: names, sizes, errors.
CREATE TABLE backup_runs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    name TEXT,
    destination TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    succeeded BIGINT NOT NULL,
    archive_size BIGINT,
    detail TEXT NOT NULL
);
CREATE INDEX backup_runs_by_kind ON backup_runs (kind, finished_at);
