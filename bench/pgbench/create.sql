-- CreateTask: the task, today's log row and the outbox event in one statement (CreateTaskHandler.Sql with
-- TaskRules.LogTodayCte, OutboxEventCte and ResponseColumns filled in), in the default project as v1 creates. run.sh
-- passes -D uid=<bench user id>.
WITH changed AS (
    INSERT INTO tasks (task_name, description, status, priority, assigned_user_id, created_by, due_date, done, project_id,
                       parent_id, blocked_by, label_ids, label_keys)
    SELECT 'bench task', NULL, true, 'LOW', :uid, :uid, NULL, false, 1,
           NULL, ARRAY(SELECT DISTINCT x FROM unnest(NULL::bigint[]) x ORDER BY x),
           ARRAY(SELECT l.id FROM labels l WHERE l.project_id = 1 AND lower(l.name) IN (SELECT lower(x) FROM unnest(NULL::text[]) x) ORDER BY l.id),
           ARRAY(SELECT lower(k.name) FROM labels k WHERE k.id = ANY(ARRAY(SELECT l.id FROM labels l WHERE l.project_id = 1
                 AND lower(l.name) IN (SELECT lower(x) FROM unnest(NULL::text[]) x) ORDER BY l.id)) ORDER BY 1)
    WHERE EXISTS (SELECT 1 FROM users WHERE id = :uid)
      AND EXISTS (SELECT 1 FROM projects p WHERE p.id = 1 AND p.archived_at IS NULL
                  AND (p.visibility = 'public' OR false OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid))
                  AND (p.visibility = 'public' OR false
                       OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid AND pm.role IN ('owner', 'editor'))))
    RETURNING *, tasks AS new_row, NULL::tasks AS old_row, 'created'::text AS action
), logged AS (
    INSERT INTO task_logger (task_id, log_date, status, priority, assigned_user_id, project_id)
    SELECT id, (now() AT TIME ZONE 'utc')::date, status, priority, assigned_user_id, project_id FROM changed
    ON CONFLICT (task_id, log_date) DO UPDATE
        SET status = EXCLUDED.status, priority = EXCLUDED.priority, assigned_user_id = EXCLUDED.assigned_user_id
), outboxed AS (
    INSERT INTO outbox_messages (message_type, body)
    SELECT 'task-changed', task_changed_event(action, old_row, new_row, :uid) FROM changed
    WHERE task_changes(old_row, new_row) <> '{}'::jsonb
)
SELECT t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
       u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
       t.due_date, t.done, t.completed_at, t.deleted_at, t.project_id, t.parent_id, t.blocked_by,
       CASE WHEN t.label_ids = '{}' THEN '{}'::text[]
            ELSE ARRAY(SELECT l.name FROM labels l WHERE l.id = ANY(t.label_ids) ORDER BY lower(l.name), l.name) END AS labels,
       (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status) AS subtask_count,
       (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status AND s.done) AS subtasks_done,
       (t.blocked_by <> '{}' AND EXISTS (SELECT 1 FROM tasks b WHERE b.id = ANY(t.blocked_by) AND b.status AND NOT b.done)) AS blocked,
       (SELECT count(*)::int FROM task_comments c WHERE c.task_id = t.id) AS comment_count
FROM changed t LEFT JOIN users u ON u.id = t.assigned_user_id;
