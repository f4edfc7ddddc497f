-- ListTasks after a cursor: the page after a random task in the default order (the cursor's key read by id here). run.sh passes -D task_lo, task_hi.
\set pos random(:task_lo, :task_hi)
SELECT t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
       u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
       t.due_date, t.done, t.completed_at, t.deleted_at, t.updated_at AS value
FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE t.status AND (t.updated_at, t.id) < (SELECT p.updated_at, p.id FROM tasks p WHERE p.id = :pos)
ORDER BY t.updated_at DESC, t.id DESC
LIMIT 21;
