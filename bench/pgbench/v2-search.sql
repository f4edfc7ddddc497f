-- ListTasks with q (a task number: its name's word), by relevance. run.sh passes -D q_lo, q_hi and hidden (as v2-list.sql).
\set q random(:q_lo, :q_hi)
SELECT t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
       u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
       t.due_date, t.done, t.completed_at, t.deleted_at, t.project_id, t.parent_id, t.blocked_by,
       CASE WHEN t.label_ids = '{}' THEN '{}'::text[]
            ELSE ARRAY(SELECT l.name FROM labels l WHERE l.id = ANY(t.label_ids) ORDER BY lower(l.name), l.name) END AS labels,
       (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status) AS subtask_count,
       (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status AND s.done) AS subtasks_done,
       (t.blocked_by <> '{}' AND EXISTS (SELECT 1 FROM tasks b WHERE b.id = ANY(t.blocked_by) AND b.status AND NOT b.done)) AS blocked,
       (SELECT count(*)::int FROM task_comments c WHERE c.task_id = t.id) AS comment_count,
       ts_rank('{0.1, 0.2, 0.1, 1.0}', t.search, websearch_to_tsquery('simple', :q::text), 1) AS value
FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE t.search @@ websearch_to_tsquery('simple', :q::text) AND t.status AND t.project_id <> ALL (:hidden::bigint[])
ORDER BY ts_rank('{0.1, 0.2, 0.1, 1.0}', t.search, websearch_to_tsquery('simple', :q::text), 1) DESC, t.id DESC
LIMIT 21;
