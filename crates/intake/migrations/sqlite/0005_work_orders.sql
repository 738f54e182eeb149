-- Work orders placed by clients through work-order forms. Answers are stored like a lead's:
-- contact, assessment and sensitive as field ciphertexts bound to the order's id and the
-- class; meta is plain JSON (form version, submitted-at, the form's meta answers such as
-- the job type, the due date and rush).
CREATE TABLE work_orders (
    id            TEXT PRIMARY KEY NOT NULL,
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    form_id       TEXT NOT NULL REFERENCES forms (id),
    form_version  BIGINT NOT NULL,
    site_id       TEXT,
    customer_id   TEXT NOT NULL,
    status        TEXT NOT NULL,
    meta          TEXT NOT NULL,
    contact       BLOB,
    assessment    BLOB,
    sensitive     BLOB,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX work_orders_by_org ON work_orders (org_id, created_at);
CREATE INDEX work_orders_by_customer ON work_orders (org_id, customer_id, created_at);

-- What happened to an order, in order: created, status changes.
CREATE TABLE work_order_events (
    order_id    TEXT NOT NULL REFERENCES work_orders (id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX work_order_events_by_order ON work_order_events (order_id, at);
