-- ListComments: the first page of 50 of a task's comments, oldest first, as the handler builds it for an admin.
-- run.sh passes -D task_lo, task_hi (the tasks the seed gave 200 comments each) and uid.
\set id random(:task_lo, :task_hi)
SELECT c.id, c.task_id, c.author_id, u.username AS author, c.body, c.created_at, c.updated_at, c.version
FROM tasks t
JOIN task_comments c ON c.task_id = t.id AND c.id > 0
LEFT JOIN users u ON u.id = c.author_id
WHERE t.id = :id AND EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id AND (p.visibility = 'public' OR true
           OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid)))
ORDER BY c.id
LIMIT 51;
