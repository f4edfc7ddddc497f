-- GetTask: one task with its assignee, if the caller (an admin) may read its project. run.sh passes -D task_lo, task_hi, uid.
\set id random(:task_lo, :task_hi)
SELECT t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
       u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
       t.due_date, t.done, t.completed_at, t.deleted_at, t.project_id, t.parent_id, t.blocked_by,
       CASE WHEN t.label_ids = '{}' THEN '{}'::text[]
            ELSE ARRAY(SELECT l.name FROM labels l WHERE l.id = ANY(t.label_ids) ORDER BY lower(l.name), l.name) END AS labels,
       (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status) AS subtask_count,
       (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status AND s.done) AS subtasks_done,
       (t.blocked_by <> '{}' AND EXISTS (SELECT 1 FROM tasks b WHERE b.id = ANY(t.blocked_by) AND b.status AND NOT b.done)) AS blocked,
       (SELECT count(*)::int FROM task_comments c WHERE c.task_id = t.id) AS comment_count
FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE t.id = :id
  AND EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND (p.visibility = 'public' OR true
           OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid)));
