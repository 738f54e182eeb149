-- The work-orders board's filters, plain: the order's due date (midnight UTC of the date the
-- client gave in the form's date field) and whether it is a rush job (the form's rush box).
ALTER TABLE work_orders ADD COLUMN due_on BIGINT;
ALTER TABLE work_orders ADD COLUMN rush BIGINT NOT NULL DEFAULT 0;
CREATE INDEX work_orders_by_status ON work_orders (org_id, status, created_at, id);
CREATE INDEX work_orders_by_due ON work_orders (org_id, due_on);

-- Orders placed before this, through forms that named the fields `due` and `rush` (every
-- organization's: the tenant wall is lifted for this transaction only).
SELECT set_config('leadvault.org_id', '*', true);
UPDATE work_orders
SET due_on = (EXTRACT(EPOCH FROM ((meta::json -> 'answers' ->> 'due')::date)) * 1000000)::BIGINT
WHERE (meta::json -> 'answers' ->> 'due') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
UPDATE work_orders SET rush = 1 WHERE (meta::json -> 'answers' ->> 'rush') = 'yes';
