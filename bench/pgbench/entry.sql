-- GetTaskLogEntry: one log entry with its task and assignee, if the caller (an admin) may read the task's project.
-- run.sh passes -D id_lo=... -D id_hi=... -D uid=...
\set id random(:id_lo, :id_hi)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user,
       t.created_at, t.updated_at
FROM task_logger l
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE l.id = :id
  AND EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND (p.visibility = 'public' OR true
           OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid)));
