-- UpdateTask of a random task's priority by an admin, no If-Match (UpdateTaskHandler.Sql with TaskRules' CTEs
-- filled in): the statement behind v1's PUT and v2's PATCH alike. run.sh passes -D uid=... -D task_lo=... -D task_hi=...
\set id random(:task_lo, :task_hi)
\set p random(0, 3)
WITH RECURSIVE old AS (
    SELECT t AS row FROM tasks t WHERE t.id = :id FOR UPDATE
), next AS (
    SELECT n.*, (n.task_name, n.description, n.status, n.priority, n.assigned_user_id, n.due_date, n.done, n.project_id,
                 n.parent_id, n.blocked_by, n.label_ids)
           IS DISTINCT FROM ((o.row).task_name, (o.row).description, (o.row).status, (o.row).priority,
                             (o.row).assigned_user_id, (o.row).due_date, (o.row).done, (o.row).project_id,
                             (o.row).parent_id, (o.row).blocked_by, (o.row).label_ids) AS differs
    FROM old o, LATERAL (SELECT
        (o.row).task_name AS task_name,
        (o.row).description AS description,
        (o.row).status AS status,
        coalesce((ARRAY['LOW','MEDIUM','HIGH','CRITICAL'])[:p + 1], (o.row).priority) AS priority,
        (o.row).assigned_user_id AS assigned_user_id,
        (o.row).due_date AS due_date,
        (o.row).done AS done,
        (o.row).project_id AS project_id,
        (o.row).parent_id AS parent_id,
        (o.row).blocked_by AS blocked_by,
        (o.row).label_ids AS label_ids) n
), root AS (
    UPDATE tasks t SET
        task_name = n.task_name, description = n.description, status = n.status, priority = n.priority,
        assigned_user_id = n.assigned_user_id, due_date = n.due_date, done = n.done, project_id = n.project_id,
        parent_id = n.parent_id, blocked_by = n.blocked_by, label_ids = n.label_ids,
        label_keys = ARRAY(SELECT lower(k.name) FROM labels k WHERE k.id = ANY(n.label_ids) ORDER BY 1),
        deleted_with = CASE WHEN n.status THEN NULL ELSE t.deleted_with END,
        updated_at = CASE WHEN n.differs THEN now() ELSE t.updated_at END,
        version = t.version + CASE WHEN n.differs THEN 1 ELSE 0 END
    FROM old, next n
    WHERE t.id = :id AND EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND (p.visibility = 'public' OR true
               OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid)))
      AND (true
           OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = t.project_id AND pm.user_id = :uid AND pm.role IN ('owner', 'editor'))
           OR ((t.created_by = :uid OR t.assigned_user_id = :uid OR true)
               AND EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.visibility = 'public')))
      AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND p.archived_at IS NOT NULL)
      AND (NULL::bigint IS NULL OR NULL::bigint = (old.row).project_id)
      AND (NULL::int[] IS NULL OR t.version = ANY(NULL::int[]))
      AND (NULL::bigint IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = NULL::bigint))
    RETURNING t.*, t AS new_row, old.row AS old_row,
        CASE WHEN (old.row).status AND NOT t.status THEN 'deleted'
             WHEN NOT (old.row).status AND t.status THEN 'restored'
             ELSE 'updated' END AS action
), changed AS (
    SELECT * FROM root
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
FROM changed t LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE t.id = :id;
