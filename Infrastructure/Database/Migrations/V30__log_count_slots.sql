-- The daily log's counts in slots: each transaction adds to its own slot of a (date, status, priority) count, so
-- concurrent writes (each moves today's counts) no longer queue for one row lock until the other commits. Readers
-- already sum the counts by date; the daily snapshot folds the slots of the days before it into slot 0.
ALTER TABLE task_log_counts ADD COLUMN slot smallint NOT NULL DEFAULT 0;
ALTER TABLE task_log_counts DROP CONSTRAINT task_log_counts_pkey;
ALTER TABLE task_log_counts ADD PRIMARY KEY (log_date, status, priority, slot);

-- 16 slots: a transaction's id picks one, the same for all its statements (so a batch holds one slot's rows).
CREATE FUNCTION task_log_slot() RETURNS smallint LANGUAGE sql VOLATILE AS $$
    SELECT (pg_current_xact_id()::text::bigint % 16)::smallint
$$;

CREATE OR REPLACE FUNCTION task_log_counted_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := task_log_slot();
BEGIN
    INSERT INTO task_log_counts AS c (log_date, status, priority, slot, entries)
    SELECT log_date, status, priority, s, count(*) FROM inserted_rows
    GROUP BY log_date, status, priority ORDER BY log_date, status, priority
    ON CONFLICT (log_date, status, priority, slot) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION task_log_counted_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint := task_log_slot();
BEGIN
    INSERT INTO task_log_counts AS c (log_date, status, priority, slot, entries)
    SELECT log_date, status, priority, s, -count(*) FROM deleted_rows
    GROUP BY log_date, status, priority ORDER BY log_date, status, priority
    ON CONFLICT (log_date, status, priority, slot) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION task_log_counted_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s smallint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n USING (id) WHERE (o.status, o.priority) IS DISTINCT FROM (n.status, n.priority)) THEN
        RETURN NULL;
    END IF;
    s := task_log_slot();
    INSERT INTO task_log_counts AS c (log_date, status, priority, slot, entries)
    SELECT log_date, status, priority, s, sum(delta) FROM (
        SELECT o.log_date, o.status, o.priority, -1 AS delta FROM old_rows o JOIN new_rows n USING (id)
        WHERE (o.status, o.priority) IS DISTINCT FROM (n.status, n.priority)
        UNION ALL
        SELECT n.log_date, n.status, n.priority, 1 FROM old_rows o JOIN new_rows n USING (id)
        WHERE (o.status, o.priority) IS DISTINCT FROM (n.status, n.priority)
    ) moved
    GROUP BY log_date, status, priority HAVING sum(delta) <> 0 ORDER BY log_date, status, priority
    ON CONFLICT (log_date, status, priority, slot) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
    RETURN NULL;
END
$$;
