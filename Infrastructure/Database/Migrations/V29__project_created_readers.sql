-- A project's creation event names its creator among the readers: the owner's membership is inserted by the same
-- statement, which cannot see it yet, so a project deleted before the event fanned out reached nobody.
CREATE OR REPLACE FUNCTION project_changed_event(action text, p projects, member jsonb, actor bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'project_id', p.id,
        'action', action,
        'project', project_resource(p),
        'member', member,
        'readers', (SELECT coalesce(jsonb_agg(DISTINCT r.user_id), '[]'::jsonb)
                    FROM (SELECT pm.user_id FROM project_members pm WHERE pm.project_id = p.id
                          UNION ALL SELECT actor WHERE action = 'created' AND actor IS NOT NULL) r),
        'modified_by', actor,
        'changed_at', now())
$$;
