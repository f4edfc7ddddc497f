-- ListTasks?label=label-3 after a cursor, as the handler builds it for ?limit=20 with the cursor's key (updated_at, id) as
-- parameters. run.sh replaces the \set lines with the keys of the cursors wrk walks, so both start from the same places;
-- :hidden is the caller's hidden projects, as in v2-list.sql.
\set n 1
\set key_us 1
\set key_id 1
SELECT t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
       u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
       t.due_date, t.done, t.completed_at, t.deleted_at, t.project_id, t.parent_id, t.blocked_by,
       CASE WHEN t.label_ids = '{}' THEN '{}'::text[]
            ELSE ARRAY(SELECT l.name FROM labels l WHERE l.id = ANY(t.label_ids) ORDER BY lower(l.name), l.name) END AS labels,
       (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status) AS subtask_count,
       (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status AND s.done) AS subtasks_done,
       (t.blocked_by <> '{}' AND EXISTS (SELECT 1 FROM tasks b WHERE b.id = ANY(t.blocked_by) AND b.status AND NOT b.done)) AS blocked,
       (SELECT count(*)::int FROM task_comments c WHERE c.task_id = t.id) AS comment_count, t.updated_at AS value
FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE t.project_id <> ALL (:hidden::bigint[])
  AND t.label_keys && lower('{label-3}'::text[]::text)::text[]
  AND t.status AND (t.updated_at, t.id) < (to_timestamp(:key_us / 1000000.0), :key_id)
ORDER BY t.updated_at DESC, t.id DESC
LIMIT 21;
