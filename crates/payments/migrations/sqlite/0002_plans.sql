-- The plan each organization holds with the operator (when the operator sells plans):
-- Stripe's customer and subscription ids, the subscription's status as Stripe last said
-- it, and since when the organization has been without a plan in good standing.
CREATE TABLE org_plans (
    org_id             TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    plan               TEXT,
    customer_id        TEXT,
    subscription_id    TEXT,
    status             TEXT,
    current_period_end BIGINT,
    lapsed_at          BIGINT,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX org_plans_by_subscription ON org_plans (subscription_id);
CREATE UNIQUE INDEX org_plans_by_customer ON org_plans (customer_id);

-- Each of the operator's Stripe events applied once (in the transaction of its change).
CREATE TABLE billing_events (
    event_id    TEXT PRIMARY KEY NOT NULL,
    event_type  TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
