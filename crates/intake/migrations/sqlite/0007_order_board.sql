-- The work-orders board's filters, plain: the order's due date (midnight UTC of the date the
-- client gave in the form's date field) and whether it is a rush job (the form's rush box).
ALTER TABLE work_orders ADD COLUMN due_on BIGINT;
ALTER TABLE work_orders ADD COLUMN rush BIGINT NOT NULL DEFAULT 0;
CREATE INDEX work_orders_by_status ON work_orders (org_id, status, created_at, id);
CREATE INDEX work_orders_by_due ON work_orders (org_id, due_on);

-- Orders placed before this, through forms that named the fields `due` and `rush`.
UPDATE work_orders SET due_on = CAST(strftime('%s', json_extract(meta, '$.answers.due')) AS INTEGER) * 1000000
WHERE json_valid(meta) AND json_extract(meta, '$.answers.due') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]';
UPDATE work_orders SET rush = 1
WHERE json_valid(meta) AND json_extract(meta, '$.answers.rush') = 'yes';
