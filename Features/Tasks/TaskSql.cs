namespace TaskManager.Features.Tasks;

/// <summary>SQL that several task statements share because it is one rule: what a task read returns, how a
/// change reaches today's log row and the outbox. Who may change a task is ProjectAccess's to say.</summary>
public static class TaskSql
{
    /// <summary>The select list that turns a `tasks t` row (plus `users u` as its assignee) into a TaskRow.</summary>
    public const string ResponseColumns = """
        t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
        u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
        t.due_date, t.done, t.completed_at, t.deleted_at, t.project_id
        """;

    /// <summary>Writes or refreshes today's (UTC) daily-log row of the tasks in the CTE named `changed`.</summary>
    public const string LogTodayCte = """
        logged AS (
            INSERT INTO task_logger (task_id, log_date, status, priority, assigned_user_id, project_id)
            SELECT id, (now() AT TIME ZONE 'utc')::date, status, priority, assigned_user_id, project_id FROM changed
            ON CONFLICT (task_id, log_date) DO UPDATE
                SET status = EXCLUDED.status, priority = EXCLUDED.priority, assigned_user_id = EXCLUDED.assigned_user_id
        )
        """;

    /// <summary>The TaskChanged event of each row of the CTE named `changed` (which returns `action`,
    /// `old_row` and `new_row`), written to the outbox in the same statement as the change. A change that
    /// changes nothing records nothing.</summary>
    public const string OutboxEventCte = """
        outboxed AS (
            INSERT INTO outbox_messages (message_type, body)
            SELECT 'task-changed', task_changed_event(action, old_row, new_row, @UserId) FROM changed
            WHERE task_changes(old_row, new_row) <> '{}'::jsonb
        )
        """;
}
