-- Where an organization wants to hear about events; the signing secret is a field
-- ciphertext under the organization's field key, bound to (organization,
-- webhook_endpoints, the endpoint's id, secret).
CREATE TABLE webhook_endpoints (
    id         TEXT PRIMARY KEY NOT NULL,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    secret     BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_by_org ON webhook_endpoints (org_id);

-- One message to one endpoint: queued in the transaction of what it reports, sent until an
-- endpoint answers 2xx or the attempts run out. The body holds ids and statuses only.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    org_id          TEXT NOT NULL,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT,
    failed_at       BIGINT,
    last_result     TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON webhook_endpoints
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON webhook_deliveries
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
