-- ListTasks, page 1 of the default order (-updated_at), as the handler builds it for ?limit=20, for a caller who may
-- not read the projects in :hidden (run.sh passes -D hidden="'{...}'", the member's hidden projects).
SELECT t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
       u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
       t.due_date, t.done, t.completed_at, t.deleted_at, t.project_id, t.updated_at AS value
FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE t.status AND t.project_id <> ALL (:hidden::bigint[])
ORDER BY t.updated_at DESC, t.id DESC
LIMIT 21;
