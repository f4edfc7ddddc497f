-- The `label` filter names labels across every readable project: one key a name (lower(name)) on the task's row, so the
-- filter is a single GIN lookup with the planner's element statistics (a deep keyset page walks the list's own index),
-- not an overlap with the ids of every project's label of that name. Kept in step with label_ids by every statement
-- that changes either: the task writes, a label's rename or deletion, and an import.
ALTER TABLE tasks ADD COLUMN label_keys text[] NOT NULL DEFAULT '{}';
UPDATE tasks t SET label_keys = ARRAY(SELECT lower(l.name) FROM labels l WHERE l.id = ANY(t.label_ids) ORDER BY 1)
WHERE t.label_ids <> '{}';
CREATE INDEX ix_tasks_label_keys ON tasks USING gin (label_keys);

-- Not a change a client makes: label_keys follows label_ids.
CREATE OR REPLACE FUNCTION task_changes(old_row tasks, new_row tasks) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_object('old', f.old_value, 'new', f.new_value)), '{}'::jsonb)
    FROM (
        SELECT coalesce(n.key, o.key) AS key, o.value AS old_value, n.value AS new_value
        FROM jsonb_each(coalesce(to_jsonb(new_row), '{}') - '{id,version,created_at,updated_at,created_by,search,priority_rank,completed_at,deleted_at,label_ids,label_keys,deleted_with}'::text[]) n
        FULL JOIN jsonb_each(coalesce(to_jsonb(old_row), '{}') - '{id,version,created_at,updated_at,created_by,search,priority_rank,completed_at,deleted_at,label_ids,label_keys,deleted_with}'::text[]) o
            ON o.key = n.key
        UNION ALL
        SELECT 'labels', CASE WHEN old_row.id IS NULL THEN NULL ELSE task_label_names(old_row.label_ids) END,
               CASE WHEN new_row.id IS NULL THEN NULL ELSE task_label_names(new_row.label_ids) END
        WHERE old_row.label_ids IS DISTINCT FROM new_row.label_ids
    ) f
    WHERE coalesce(nullif(f.old_value, '[]'), 'null') IS DISTINCT FROM coalesce(nullif(f.new_value, '[]'), 'null')
$$;
