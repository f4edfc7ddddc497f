-- Comments on tasks. Soft-deleting a task keeps them (its row stays); purging it removes them with it.
CREATE TABLE task_comments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id    bigint      NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author_id  bigint      REFERENCES users (id) ON DELETE SET NULL,
    -- 1-10,000 characters, not only white space; kept exactly as written (the service checks it first, in the same terms).
    body       text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000 AND body ~ '[^[:space:]]'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version    integer     NOT NULL DEFAULT 1
);

-- A task's comments oldest first, paged by keyset on id; also what the purge's cascade and comment_count probe.
CREATE INDEX ix_task_comments_task ON task_comments (task_id, id);

-- A comment as v2 shows it: what a comment.* webhook event carries as data.
CREATE FUNCTION comment_resource(c task_comments) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', c.id, 'task_id', c.task_id, 'author_id', c.author_id, 'author', (SELECT username FROM users WHERE id = c.author_id),
        'body', c.body, 'created_at', c.created_at, 'updated_at', c.updated_at, 'version', c.version)
$$;

-- The outbox body of a comment change, written in the statement of the change. The project is the comment's task's,
-- for deliveries to follow its visibility; a deleted comment is named by its id and task only.
CREATE FUNCTION comment_changed_event(action text, c task_comments, project bigint, actor bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'comment_id', c.id,
        'task_id', c.task_id,
        'project_id', project,
        'action', action,
        'comment', CASE WHEN action = 'deleted' THEN jsonb_build_object('id', c.id, 'task_id', c.task_id) ELSE comment_resource(c) END,
        'modified_by', actor,
        'changed_at', now())
$$;
