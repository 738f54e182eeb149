-- An organization's own Stripe account: its secret key as a field ciphertext under the
-- organization's field key, bound to (organization, stripe_accounts, the organization's
-- id, secret_key). Only whether it is a test or a live key is kept in the clear.
CREATE TABLE stripe_accounts (
    org_id       TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    secret_key   BYTEA NOT NULL,
    mode         TEXT NOT NULL,
    connected_at BIGINT NOT NULL
);

-- The signing secrets of the organization's Stripe webhook endpoint (sealed as above, per
-- row). A replaced secret is still accepted until retires_at, so a rotation loses nothing.
CREATE TABLE stripe_signing_secrets (
    id         TEXT PRIMARY KEY NOT NULL,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    secret     BYTEA NOT NULL,
    added_at   BIGINT NOT NULL,
    retires_at BIGINT
);
CREATE INDEX stripe_signing_secrets_by_org ON stripe_signing_secrets (org_id);

-- What the organization charges: the currency and rush surcharge, and a price per job type
-- (kind 'job', item the job's name) or per consultation form (kind 'consultation', item the
-- form's id). Amounts in minor units.
CREATE TABLE payment_settings (
    org_id         TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    currency       TEXT NOT NULL,
    rush_surcharge BIGINT
);
CREATE TABLE payment_prices (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind   TEXT NOT NULL,
    item   TEXT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, item)
);

-- One attempt to pay for a work order or a lead's consultation: a Checkout Session. Stripe
-- ids, amounts, currency and states only: no card data ever reaches Leadvault.
CREATE TABLE payments (
    id             TEXT PRIMARY KEY NOT NULL,
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    subject_kind   TEXT NOT NULL,
    subject_id     TEXT NOT NULL,
    attempt        BIGINT NOT NULL,
    amount         BIGINT NOT NULL,
    currency       TEXT NOT NULL,
    state          TEXT NOT NULL,
    session_id     TEXT NOT NULL,
    checkout_url   TEXT NOT NULL,
    expires_at     BIGINT,
    payment_intent TEXT,
    refunded       BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (org_id, subject_kind, subject_id, attempt)
);
CREATE UNIQUE INDEX payments_by_session ON payments (org_id, session_id);
CREATE INDEX payments_by_intent ON payments (org_id, payment_intent);
CREATE INDEX payments_by_time ON payments (org_id, created_at);

-- Refunds made from Leadvault (one made in Stripe's dashboard arrives as charge.refunded).
CREATE TABLE payment_refunds (
    id               TEXT PRIMARY KEY NOT NULL,
    org_id           TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    payment_id       TEXT NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    stripe_refund_id TEXT NOT NULL,
    amount           BIGINT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    UNIQUE (org_id, stripe_refund_id)
);

-- Each Stripe event applied once: written in the transaction of the change it causes, so a
-- retried or replayed event finds its row and changes nothing.
CREATE TABLE stripe_events (
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, event_id)
);

ALTER TABLE stripe_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE stripe_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON stripe_accounts
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE stripe_signing_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE stripe_signing_secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON stripe_signing_secrets
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE payment_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON payment_settings
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE payment_prices ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_prices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON payment_prices
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON payments
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE payment_refunds ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_refunds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON payment_refunds
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));

ALTER TABLE stripe_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE stripe_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_wall ON stripe_events
    USING (current_setting('leadvault.org_id', true) IN (org_id, '*'))
    WITH CHECK (current_setting('leadvault.org_id', true) IN (org_id, '*'));
