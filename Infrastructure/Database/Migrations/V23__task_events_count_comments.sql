-- A task in an event reads as v2 shows it, comment_count included (task_comments came in V21).
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
        'blocked', EXISTS (SELECT 1 FROM tasks b WHERE b.id = ANY(t.blocked_by) AND b.status AND NOT b.done),
        'comment_count', (SELECT count(*) FROM task_comments c WHERE c.task_id = t.id))
$$;
