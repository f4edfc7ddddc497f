-- The resources events carry (and the change feed's and webhooks' data repeat) write their times as the API does:
-- UTC with a Z and the fraction's trailing zeros dropped, not in the session's time zone. And in PL/pgSQL, as V31's,
-- so their plans are kept for the session.
CREATE FUNCTION json_time(ts timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT rtrim(rtrim(to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '0'), '.') || 'Z'
$$;

CREATE OR REPLACE FUNCTION task_resource(t tasks) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', t.id, 'project_id', t.project_id, 'task_name', t.task_name, 'description', t.description,
        'priority', t.priority, 'done', t.done, 'completed_at', json_time(t.completed_at), 'due_date', t.due_date,
        'assigned_user_id', t.assigned_user_id, 'assigned_user', (SELECT username FROM users WHERE id = t.assigned_user_id),
        'created_by', t.created_by, 'created_at', json_time(t.created_at), 'updated_at', json_time(t.updated_at),
        'deleted_at', json_time(t.deleted_at), 'version', t.version, 'labels', task_label_names(t.label_ids), 'parent_id', t.parent_id,
        'subtask_count', (SELECT count(*) FROM tasks s WHERE s.parent_id = t.id AND s.status),
        'subtasks_done', (SELECT count(*) FROM tasks s WHERE s.parent_id = t.id AND s.status AND s.done),
        'blocked_by', to_jsonb(t.blocked_by),
        'blocked', t.blocked_by <> '{}' AND EXISTS (SELECT 1 FROM tasks b WHERE b.id = ANY(t.blocked_by) AND b.status AND NOT b.done),
        'comment_count', (SELECT count(*) FROM task_comments c WHERE c.task_id = t.id));
END
$$;

CREATE OR REPLACE FUNCTION project_resource(p projects) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', p.id, 'name', p.name, 'description', p.description, 'visibility', p.visibility, 'is_default', p.is_default,
        'task_count', (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status),
        'created_by', p.created_by, 'created_at', json_time(p.created_at), 'updated_at', json_time(p.updated_at),
        'archived_at', json_time(p.archived_at), 'version', p.version);
END
$$;

CREATE OR REPLACE FUNCTION project_member_resource(m project_members) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object('user_id', m.user_id, 'username', (SELECT username FROM users WHERE id = m.user_id), 'role', m.role,
                              'added_at', json_time(m.added_at));
END
$$;

CREATE OR REPLACE FUNCTION label_resource(l labels) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object('id', l.id, 'project_id', l.project_id, 'name', l.name, 'color', l.color,
        'task_count', (SELECT count(*) FROM tasks t WHERE t.label_ids @> ARRAY[l.id] AND t.status),
        'created_at', json_time(l.created_at), 'updated_at', json_time(l.updated_at), 'version', l.version);
END
$$;

CREATE OR REPLACE FUNCTION comment_resource(c task_comments) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', c.id, 'task_id', c.task_id, 'author_id', c.author_id, 'author', (SELECT username FROM users WHERE id = c.author_id),
        'body', c.body, 'created_at', json_time(c.created_at), 'updated_at', json_time(c.updated_at), 'version', c.version);
END
$$;
