-- Labels belong to a project; a name is unique in it ignoring case (ON CONFLICT finds a label by this index).
CREATE TABLE labels (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50 AND name = btrim(name)),
    color      text        CHECK (color ~ '^#[0-9a-f]{6}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version    integer     NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX ux_labels_project_name ON labels (project_id, lower(name));

-- A task's labels, parent and blockers live on its row, so a change to them is part of the one statement that changes
-- the task (its version, its audit entry and its event), and the `label`/`blocked_by` filters are GIN lookups.
-- deleted_with: the task whose deletion took this one with it (a restore of that task brings back exactly these).
ALTER TABLE tasks
    ADD COLUMN label_ids    bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN parent_id    bigint,
    ADD COLUMN blocked_by   bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN deleted_with bigint;
CREATE INDEX ix_tasks_label_ids ON tasks USING gin (label_ids);
CREATE INDEX ix_tasks_blocked_by ON tasks USING gin (blocked_by);
-- subtask_count and subtasks_done of a task, and the `parent_id=ID` filter.
CREATE INDEX ix_tasks_parent ON tasks (parent_id, done) WHERE parent_id IS NOT NULL;

CREATE FUNCTION task_label_names(ids bigint[]) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(l.name ORDER BY lower(l.name), l.name), '[]'::jsonb) FROM labels l WHERE l.id = ANY(ids)
$$;

CREATE OR REPLACE FUNCTION task_resource(t tasks) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', t.id, 'project_id', t.project_id, 'task_name', t.task_name, 'description', t.description,
        'priority', t.priority, 'done', t.done, 'completed_at', t.completed_at, 'due_date', t.due_date,
        'assigned_user_id', t.assigned_user_id, 'assigned_user', (SELECT username FROM users WHERE id = t.assigned_user_id),
        'created_by', t.created_by, 'created_at', t.created_at, 'updated_at', t.updated_at, 'deleted_at', t.deleted_at,
        'version', t.version, 'labels', task_label_names(t.label_ids), 'parent_id', t.parent_id,
        'subtask_count', (SELECT count(*) FROM tasks s WHERE s.parent_id = t.id AND s.status),
        'subtasks_done', (SELECT count(*) FROM tasks s WHERE s.parent_id = t.id AND s.status AND s.done),
        'blocked_by', to_jsonb(t.blocked_by),
        'blocked', EXISTS (SELECT 1 FROM tasks b WHERE b.id = ANY(t.blocked_by) AND b.status AND NOT b.done))
$$;

-- The audit records labels by name (changes.labels), not by id; an empty list and no list are the same.
CREATE OR REPLACE FUNCTION task_changes(old_row tasks, new_row tasks) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_object('old', f.old_value, 'new', f.new_value)), '{}'::jsonb)
    FROM (
        SELECT coalesce(n.key, o.key) AS key, o.value AS old_value, n.value AS new_value
        FROM jsonb_each(coalesce(to_jsonb(new_row), '{}') - '{id,version,created_at,updated_at,created_by,search,priority_rank,completed_at,deleted_at,label_ids,deleted_with}'::text[]) n
        FULL JOIN jsonb_each(coalesce(to_jsonb(old_row), '{}') - '{id,version,created_at,updated_at,created_by,search,priority_rank,completed_at,deleted_at,label_ids,deleted_with}'::text[]) o
            ON o.key = n.key
        UNION ALL
        SELECT 'labels', CASE WHEN old_row.id IS NULL THEN NULL ELSE task_label_names(old_row.label_ids) END,
               CASE WHEN new_row.id IS NULL THEN NULL ELSE task_label_names(new_row.label_ids) END
        WHERE old_row.label_ids IS DISTINCT FROM new_row.label_ids
    ) f
    WHERE coalesce(nullif(f.old_value, '[]'), 'null') IS DISTINCT FROM coalesce(nullif(f.new_value, '[]'), 'null')
$$;

CREATE FUNCTION label_resource(l labels) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', l.id, 'project_id', l.project_id, 'name', l.name, 'color', l.color,
        'task_count', (SELECT count(*) FROM tasks t WHERE t.label_ids @> ARRAY[l.id] AND t.status),
        'created_at', l.created_at, 'updated_at', l.updated_at, 'version', l.version)
$$;

CREATE FUNCTION label_changed_event(action text, l labels, actor bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('label_id', l.id, 'project_id', l.project_id, 'action', action, 'label', label_resource(l),
                              'modified_by', actor, 'changed_at', now())
$$;
