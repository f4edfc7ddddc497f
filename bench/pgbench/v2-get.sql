-- GetTask: one task with its assignee. run.sh passes -D task_lo, task_hi.
\set id random(:task_lo, :task_hi)
SELECT t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
       u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
       t.due_date, t.done, t.completed_at, t.deleted_at
FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE t.id = :id;
