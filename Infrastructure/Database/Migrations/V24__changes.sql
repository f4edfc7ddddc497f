-- The change feed (GET /api/v2/changes and its stream). Every event a change writes to the outbox also lands here, in
-- the same transaction, by trigger: no write path can forget it. A change's position is (txid, seq): the writing
-- transaction's id, then the order of its statements. Readers return only changes of transactions older than every
-- transaction still running (pg_snapshot_xmin), so nothing can later commit at a position a reader has passed
-- (docs/reliability.md, "The change feed").
CREATE TABLE changes (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid            xid8        NOT NULL DEFAULT pg_current_xact_id(),
    type            text        NOT NULL,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor_id        bigint,
    project_id      bigint,
    task_id         bigint,
    -- A task's project before an update that moved it: readers of that project alone see task.removed.
    from_project_id bigint,
    -- project.member_*: the member, who sees its own removal although it no longer reads the project.
    member_id       bigint,
    -- project.deleted: who could read the private project then (it cannot be asked afterwards).
    readers         bigint[],
    data            jsonb       NOT NULL
);

CREATE UNIQUE INDEX ix_changes_position ON changes (txid, seq);
CREATE INDEX ix_changes_project ON changes (project_id, txid, seq);

-- The last position retention removed: an `after` before it has a gap (410).
CREATE TABLE change_retention (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    purged_txid xid8   NOT NULL DEFAULT '0',
    purged_seq  bigint NOT NULL DEFAULT 0
);
INSERT INTO change_retention DEFAULT VALUES;

-- A position as clients see it: fixed-width hex, so positions also compare as strings.
CREATE FUNCTION change_position(txid xid8, seq bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT lpad(to_hex(txid::text::bigint), 16, '0') || lpad(to_hex(seq), 16, '0')
$$;

-- The change an outbox row describes, or none (imports, snapshots). Runs before the row is stored, so the outbox
-- body carries its change's position for webhook deliveries.
CREATE FUNCTION outbox_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b jsonb := NEW.body;
    action text := b->>'action';
    kind text;
    change changes;
BEGIN
    kind := CASE NEW.message_type
        WHEN 'task-changed' THEN CASE WHEN action = 'imported' THEN 'task.created' ELSE 'task.' || action END
        WHEN 'project-changed' THEN 'project.' || action
        WHEN 'label-changed' THEN 'label.' || action
        WHEN 'comment-changed' THEN 'comment.' || action
    END;
    IF kind IS NULL THEN
        RETURN NEW;
    END IF;
    INSERT INTO changes (type, actor_id, project_id, task_id, from_project_id, member_id, readers, data)
    SELECT kind, (b->>'modified_by')::bigint,
           coalesce((b->>'project_id')::bigint, (b#>>'{task,project_id}')::bigint, (b#>>'{label,project_id}')::bigint),
           coalesce((b->>'task_id')::bigint, (b#>>'{comment,task_id}')::bigint),
           CASE WHEN kind = 'task.updated' THEN (b#>>'{changes,project_id,old}')::bigint END,
           (b#>>'{member,user_id}')::bigint,
           CASE WHEN kind = 'project.deleted' THEN ARRAY(SELECT jsonb_array_elements_text(b->'readers')::bigint) END,
           CASE NEW.message_type
               WHEN 'task-changed' THEN CASE WHEN action = 'purged' THEN jsonb_build_object('id', b->'task_id') ELSE b->'task' END
               WHEN 'project-changed' THEN CASE WHEN b->'member' IS NOT NULL AND b->'member' <> 'null'
                   THEN jsonb_build_object('project_id', b->'project_id', 'user_id', b#>'{member,user_id}',
                                           'username', b#>'{member,username}', 'role', b#>'{member,role}')
                   ELSE b->'project' END
               WHEN 'label-changed' THEN b->'label'
               ELSE b->'comment'
           END
    RETURNING * INTO change;
    NEW.body := b || jsonb_build_object('change_position', change_position(change.txid, change.seq));
    RETURN NEW;
END
$$;

CREATE TRIGGER outbox_record_change BEFORE INSERT ON outbox_messages
    FOR EACH ROW EXECUTE FUNCTION outbox_record_change();

-- Wakes the change streams of every api instance at commit; a stream reads the table, so a lost wake-up only delays.
CREATE FUNCTION changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('changes', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER changes_notify AFTER INSERT ON changes
    FOR EACH STATEMENT EXECUTE FUNCTION changes_notify();
