-- The transactional outbox and the audit trail.

-- Events are written here in the same transaction as the change they describe; a relay publishes them
-- to the bus and marks them sent. Nothing is lost while the broker or the worker is away.
CREATE TABLE outbox_messages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   uuid        NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    message_type text        NOT NULL,
    body         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    sent_at      timestamptz
);

-- The relay's claim query walks unsent rows in id order; sent rows drop out of this index.
CREATE INDEX ix_outbox_unsent ON outbox_messages (id) WHERE sent_at IS NULL;
-- Clean-up deletes sent rows by age.
CREATE INDEX ix_outbox_sent_at ON outbox_messages (sent_at) WHERE sent_at IS NOT NULL;

-- Wakes the relays at commit (NOTIFY is delivered only when the inserting transaction commits).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox_messages
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- One entry per task change, written by the worker from the bus, once per message id.
-- No foreign key to tasks: the trail outlives a permanent delete.
CREATE TABLE task_audit (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id           uuid        NOT NULL UNIQUE,
    task_id              bigint      NOT NULL,
    action               text        NOT NULL,
    changes              jsonb       NOT NULL,
    previous_status      boolean,
    new_status           boolean,
    modified_by          bigint,
    modified_by_username text,
    changed_at           timestamptz NOT NULL
);

-- GET /api/task/{id}/audit reads one task's entries oldest first.
CREATE INDEX ix_task_audit_task ON task_audit (task_id, changed_at, id);

-- Each changed field's old and new value, as {"field": {"old": ..., "new": ...}}. Either row may be
-- NULL (a creation, a purge). Bookkeeping columns are left out.
CREATE FUNCTION task_changes(old_row tasks, new_row tasks) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_object('old', f.old_value, 'new', f.new_value)), '{}'::jsonb)
    FROM (
        SELECT coalesce(n.key, o.key) AS key, o.value AS old_value, n.value AS new_value
        FROM jsonb_each(coalesce(to_jsonb(new_row), '{}') - '{id,version,created_at,updated_at,created_by}'::text[]) n
        FULL JOIN jsonb_each(coalesce(to_jsonb(old_row), '{}') - '{id,version,created_at,updated_at,created_by}'::text[]) o
            ON o.key = n.key
    ) f
    WHERE coalesce(f.old_value, 'null') IS DISTINCT FROM coalesce(f.new_value, 'null')
$$;

-- The body of a TaskChanged event.
CREATE FUNCTION task_changed_event(action text, old_row tasks, new_row tasks, actor bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'task_id', coalesce(new_row.id, old_row.id),
        'action', action,
        'changes', task_changes(old_row, new_row),
        'previous_status', old_row.status,
        'new_status', new_row.status,
        'modified_by', actor,
        'modified_by_username', (SELECT username FROM users WHERE id = actor),
        'changed_at', now())
$$;
