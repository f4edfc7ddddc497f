-- The task event's SQL functions in PL/pgSQL: a LANGUAGE sql function that cannot be inlined plans its body again in
-- every statement that calls it, and every task write calls them (the event, its changes, the label names); PL/pgSQL
-- keeps their plans for the session. The bodies are V9's, V7's and V19's; V32 does the same for the resources.
CREATE OR REPLACE FUNCTION task_label_names(ids bigint[]) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF ids IS NULL OR ids = '{}' THEN
        RETURN '[]'::jsonb;
    END IF;
    RETURN (SELECT coalesce(jsonb_agg(l.name ORDER BY lower(l.name), l.name), '[]'::jsonb) FROM labels l WHERE l.id = ANY(ids));
END
$$;

CREATE OR REPLACE FUNCTION task_changes(old_row tasks, new_row tasks) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_object('old', f.old_value, 'new', f.new_value)), '{}'::jsonb)
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
    WHERE coalesce(nullif(f.old_value, '[]'), 'null') IS DISTINCT FROM coalesce(nullif(f.new_value, '[]'), 'null'));
END
$$;

CREATE OR REPLACE FUNCTION task_changed_event(action text, old_row tasks, new_row tasks, actor bigint) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'task_id', coalesce(new_row.id, old_row.id),
        'action', action,
        'changes', task_changes(old_row, new_row),
        'previous_status', old_row.status,
        'new_status', new_row.status,
        'modified_by', actor,
        'modified_by_username', (SELECT username FROM users WHERE id = actor),
        'changed_at', now(),
        'task', CASE WHEN new_row.id IS NOT NULL THEN task_resource(new_row) ELSE task_resource(old_row) END);
END
$$;
