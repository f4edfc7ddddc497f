-- API v2: a task has a due date, can be done (apart from being deleted), and says when it was completed or deleted.
ALTER TABLE tasks
    ADD COLUMN due_date     date,
    ADD COLUMN done         boolean NOT NULL DEFAULT false,
    ADD COLUMN completed_at timestamptz,
    ADD COLUMN deleted_at   timestamptz,
    -- Words of the name and description, split the same way in any language (no stemming): a task is found by
    -- any word of its name.
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', task_name || ' ' || coalesce(description, ''))) STORED,
    -- Priority in its meaning's order, for sorting.
    ADD COLUMN priority_rank smallint GENERATED ALWAYS AS (
        CASE priority WHEN 'LOW' THEN 1 WHEN 'MEDIUM' THEN 2 WHEN 'HIGH' THEN 3 ELSE 4 END) STORED;

UPDATE tasks SET deleted_at = updated_at WHERE NOT status;

CREATE INDEX ix_tasks_search ON tasks USING gin (search);
-- Keyset paging in every sort order: (sort key, id) read forward or backward.
CREATE INDEX ix_tasks_updated_at_id ON tasks (updated_at, id);
CREATE INDEX ix_tasks_created_at_id ON tasks (created_at, id);
CREATE INDEX ix_tasks_due_date_id ON tasks (due_date, id);
CREATE INDEX ix_tasks_priority_rank_id ON tasks (priority_rank, id);
CREATE INDEX ix_tasks_task_name_id ON tasks (task_name, id);

-- deleted_at follows status and completed_at follows done, whichever interface or import wrote them.
CREATE FUNCTION tasks_lifecycle_times() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.deleted_at := CASE WHEN NEW.status THEN NULL ELSE coalesce(NEW.deleted_at, now()) END;
    END IF;
    IF TG_OP = 'INSERT' OR NEW.done IS DISTINCT FROM OLD.done THEN
        NEW.completed_at := CASE WHEN NEW.done THEN coalesce(NEW.completed_at, now()) ELSE NULL END;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tasks_lifecycle_times_inserted BEFORE INSERT ON tasks
    FOR EACH ROW WHEN (NOT NEW.status OR NEW.done) EXECUTE FUNCTION tasks_lifecycle_times();
CREATE TRIGGER tasks_lifecycle_times_updated BEFORE UPDATE OF status, done ON tasks
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.done IS DISTINCT FROM NEW.done)
    EXECUTE FUNCTION tasks_lifecycle_times();

-- The audit trail records the fields a client sets; the derived columns (and the import bookkeeping) are not changes.
CREATE OR REPLACE FUNCTION task_changes(old_row tasks, new_row tasks) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_object('old', f.old_value, 'new', f.new_value)), '{}'::jsonb)
    FROM (
        SELECT coalesce(n.key, o.key) AS key, o.value AS old_value, n.value AS new_value
        FROM jsonb_each(coalesce(to_jsonb(new_row), '{}') - '{id,version,created_at,updated_at,created_by,search,priority_rank,completed_at,deleted_at}'::text[]) n
        FULL JOIN jsonb_each(coalesce(to_jsonb(old_row), '{}') - '{id,version,created_at,updated_at,created_by,search,priority_rank,completed_at,deleted_at}'::text[]) o
            ON o.key = n.key
    ) f
    WHERE coalesce(f.old_value, 'null') IS DISTINCT FROM coalesce(f.new_value, 'null')
$$;

-- Idempotency-Key of POST /api/v2/tasks: per user, kept 24 hours; the first response is replayed to a retry.
CREATE TABLE idempotency_keys (
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          text        NOT NULL,
    request_hash text        NOT NULL,
    status       integer,
    body         text,
    location     text,
    etag         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX ix_idempotency_keys_created_at ON idempotency_keys (created_at);

-- GET /api/v2/audit?since= finds where the feed starts by time.
CREATE INDEX ix_task_audit_changed_at ON task_audit (changed_at);
