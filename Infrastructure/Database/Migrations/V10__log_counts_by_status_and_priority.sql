-- The log's entries per (date, status, priority), replacing the per-date counts: the list's total and its
-- page jumps stay sums over a few thousand rows when it is filtered by status or priority too.
-- Writers keep the counts in their own statement (triggers below), each statement's changes applied in key
-- order, so two writers moving counts in opposite directions wait for each other instead of deadlocking.

LOCK TABLE task_logger IN SHARE MODE;

CREATE TABLE task_log_counts (
    log_date date    NOT NULL,
    status   boolean NOT NULL,
    priority text    NOT NULL,
    entries  bigint  NOT NULL,
    PRIMARY KEY (log_date, status, priority)
);

INSERT INTO task_log_counts (log_date, status, priority, entries)
SELECT log_date, status, priority, count(*) FROM task_logger GROUP BY log_date, status, priority;

DROP TRIGGER task_logger_count_inserted ON task_logger;
DROP TRIGGER task_logger_count_deleted ON task_logger;
DROP FUNCTION task_log_count_inserted();
DROP FUNCTION task_log_count_deleted();
DROP TABLE task_log_daily_counts;

CREATE FUNCTION task_log_counted_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_log_counts AS c (log_date, status, priority, entries)
    SELECT log_date, status, priority, count(*) FROM inserted_rows
    GROUP BY log_date, status, priority ORDER BY log_date, status, priority
    ON CONFLICT (log_date, status, priority) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
    RETURN NULL;
END
$$;

CREATE FUNCTION task_log_counted_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_log_counts AS c (log_date, status, priority, entries)
    SELECT log_date, status, priority, -count(*) FROM deleted_rows
    GROUP BY log_date, status, priority ORDER BY log_date, status, priority
    ON CONFLICT (log_date, status, priority) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
    RETURN NULL;
END
$$;

-- Today's row is rewritten by every change of its task; only a new status or priority moves a count.
CREATE FUNCTION task_log_counted_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_log_counts AS c (log_date, status, priority, entries)
    SELECT log_date, status, priority, sum(delta) FROM (
        SELECT o.log_date, o.status, o.priority, -1 AS delta FROM old_rows o JOIN new_rows n USING (id)
        WHERE (o.status, o.priority) IS DISTINCT FROM (n.status, n.priority)
        UNION ALL
        SELECT n.log_date, n.status, n.priority, 1 FROM old_rows o JOIN new_rows n USING (id)
        WHERE (o.status, o.priority) IS DISTINCT FROM (n.status, n.priority)
    ) moved
    GROUP BY log_date, status, priority HAVING sum(delta) <> 0 ORDER BY log_date, status, priority
    ON CONFLICT (log_date, status, priority) DO UPDATE SET entries = c.entries + EXCLUDED.entries;
    RETURN NULL;
END
$$;

CREATE TRIGGER task_logger_counted_inserted AFTER INSERT ON task_logger
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION task_log_counted_inserted();

CREATE TRIGGER task_logger_counted_deleted AFTER DELETE ON task_logger
    REFERENCING OLD TABLE AS deleted_rows FOR EACH STATEMENT EXECUTE FUNCTION task_log_counted_deleted();

CREATE TRIGGER task_logger_counted_updated AFTER UPDATE ON task_logger
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_log_counted_updated();
