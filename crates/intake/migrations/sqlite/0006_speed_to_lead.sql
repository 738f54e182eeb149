-- Speed to lead: when a lead was first contacted (its first status change out of `new`, its
-- first note, or an explicit "contacted"), a follow-up date staff set, and how far the
-- reminders about each have gone (so each is sent once). The channel the lead came through
-- (as analytics names channels, from the form page's campaign tags) is plain, for filters
-- and figures.
ALTER TABLE leads ADD COLUMN first_contact_at BIGINT;
ALTER TABLE leads ADD COLUMN follow_up_at BIGINT;
-- 0: no reminder yet; 1: the assignee was reminded; 2: intake staff were.
ALTER TABLE leads ADD COLUMN contact_reminded BIGINT NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN follow_up_reminded BIGINT NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN channel TEXT;

-- The inbox at a firm's volume: pages in time order (the id breaks ties, as the keyset
-- does), and by status; these replace the first index on (org_id, created_at).
CREATE INDEX leads_by_time ON leads (org_id, created_at, id);
CREATE INDEX leads_by_status ON leads (org_id, status, created_at, id);
DROP INDEX leads_by_org;
-- Leads nobody has contacted yet, for the reminder job.
CREATE INDEX leads_awaiting_contact ON leads (first_contact_at, contact_reminded, created_at);
CREATE INDEX leads_by_follow_up ON leads (follow_up_at, follow_up_reminded);

-- An organization's speed-to-lead target: first contact within `minutes` of office time.
-- Office hours are `opens`..`closes` minutes after local midnight on the days of `weekdays`
-- (bit 0 Monday … bit 6 Sunday), local time being UTC + `utc_offset` minutes.
CREATE TABLE contact_targets (
    org_id      TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    minutes     BIGINT NOT NULL,
    weekdays    BIGINT NOT NULL,
    opens       BIGINT NOT NULL,
    closes      BIGINT NOT NULL,
    utc_offset  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Leads received before this: their first contact is their first note or status change out
-- of `new`, as their history says.
UPDATE leads SET first_contact_at = (
    SELECT MIN(e.at) FROM lead_events e
    WHERE e.lead_id = leads.id AND (e.kind = 'note' OR (e.kind = 'status' AND e.detail <> 'new'))
);
