-- Staff notes on a lead: the body is a field ciphertext under the organization's field key,
-- bound to (organization, lead_notes, the note's id, body).
CREATE TABLE lead_notes (
    id          TEXT PRIMARY KEY NOT NULL,
    lead_id     TEXT NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    body        BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX lead_notes_by_lead ON lead_notes (lead_id, created_at);
