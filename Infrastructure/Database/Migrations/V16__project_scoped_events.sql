-- Events learn their project: a task as v2 shows it names it, the audit trail records it (a purged task's trail stays
-- as visible as its project was), imports land in one, and webhook subscriptions and deliveries are scoped by it.
CREATE OR REPLACE FUNCTION task_resource(t tasks) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', t.id, 'project_id', t.project_id, 'task_name', t.task_name, 'description', t.description,
        'priority', t.priority, 'done', t.done, 'completed_at', t.completed_at, 'due_date', t.due_date,
        'assigned_user_id', t.assigned_user_id, 'assigned_user', (SELECT username FROM users WHERE id = t.assigned_user_id),
        'created_by', t.created_by, 'created_at', t.created_at, 'updated_at', t.updated_at, 'deleted_at', t.deleted_at,
        'version', t.version)
$$;

-- Every task lived in the default project until projects existed, so 1 is right for every entry written before.
-- No foreign key, as for task_id: the trail outlives what it describes.
ALTER TABLE task_audit ADD COLUMN project_id bigint NOT NULL DEFAULT 1;
CREATE INDEX ix_task_audit_project ON task_audit (project_id, changed_at, id);

ALTER TABLE imports ADD COLUMN project_id bigint NOT NULL DEFAULT 1 REFERENCES projects (id);

-- A subscription that names a project goes with it (a project is deleted only while it has never held a task).
ALTER TABLE webhook_subscriptions ADD COLUMN project_id bigint REFERENCES projects (id) ON DELETE CASCADE;
-- The project of the event a delivery carries (none for task_log.snapshot_taken and webhook.test).
ALTER TABLE webhook_deliveries ADD COLUMN project_id bigint;
