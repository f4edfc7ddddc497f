-- Project events for webhooks: a project as v2 shows it to anyone (my_role is the caller's, so events leave it out),
-- and the event body each project change writes to the outbox in its own statement. Each also names who could read the
-- project then (its members): once the project is deleted, nothing is left to ask.
CREATE FUNCTION project_resource(p projects) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p.id, 'name', p.name, 'description', p.description, 'visibility', p.visibility, 'is_default', p.is_default,
        'task_count', (SELECT count(*) FROM tasks t WHERE t.project_id = p.id AND t.status),
        'created_by', p.created_by, 'created_at', p.created_at, 'updated_at', p.updated_at, 'archived_at', p.archived_at,
        'version', p.version)
$$;

CREATE FUNCTION project_changed_event(action text, p projects, member jsonb, actor bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'project_id', p.id,
        'action', action,
        'project', project_resource(p),
        'member', member,
        'readers', (SELECT coalesce(jsonb_agg(pm.user_id), '[]'::jsonb) FROM project_members pm WHERE pm.project_id = p.id),
        'modified_by', actor,
        'changed_at', now())
$$;

-- A member as the members routes show it.
CREATE FUNCTION project_member_resource(m project_members) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('user_id', m.user_id, 'username', (SELECT username FROM users WHERE id = m.user_id), 'role', m.role,
                              'added_at', m.added_at)
$$;
