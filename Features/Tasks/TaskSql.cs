namespace TaskManager.Features.Tasks;

/// <summary>SQL that several task statements share because it is one rule: what a task read returns, how a
/// change reaches today's log row and the outbox. Who may change a task is ProjectAccess's to say.</summary>
public static class TaskSql
{
    /// <summary>The select list that turns a `tasks t` row (plus `users u` as its assignee) into a TaskRow.</summary>
    public const string ResponseColumns = $$"""
        t.id, t.task_name, t.description, t.status, t.priority, t.assigned_user_id,
        u.username AS assigned_user, t.created_by, t.created_at, t.updated_at, t.version,
        t.due_date, t.done, t.completed_at, t.deleted_at, t.project_id, t.parent_id, t.blocked_by,
        CASE WHEN t.label_ids = '{}' THEN '{}'::text[]
             ELSE ARRAY(SELECT l.name FROM labels l WHERE l.id = ANY(t.label_ids) ORDER BY lower(l.name), l.name) END AS labels,
        (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status) AS subtask_count,
        (SELECT count(*)::int FROM tasks s WHERE s.parent_id = t.id AND s.status AND s.done) AS subtasks_done,
        {{Blocked}} AS blocked,
        (SELECT count(*)::int FROM task_comments c WHERE c.task_id = t.id) AS comment_count
        """;

    /// <summary>Task `t` is blocked: a task it is blocked by is neither done nor deleted. Derived when read, so it is right the
    /// moment a blocker changes.</summary>
    public const string Blocked = "(t.blocked_by <> '{}' AND EXISTS (SELECT 1 FROM tasks b WHERE b.id = ANY(t.blocked_by) AND b.status AND NOT b.done))";

    /// <summary>`subtree`: the ids of every task below @TaskId, for a statement that starts WITH RECURSIVE.</summary>
    public const string SubtreeCte = """
        subtree(id) AS (
            SELECT id FROM tasks WHERE parent_id = @TaskId
            UNION
            SELECT c.id FROM tasks c JOIN subtree s ON c.parent_id = s.id
        )
        """;

    /// <summary>`cascaded`: a deletion or restore of the row in the CTE named `root` carried to the subtree (the CTE
    /// `below`, its rows locked): a deletion takes every subtask still there with it, and a restore brings back exactly those.
    /// Returns what `root` returns, so `changed` is the two together.</summary>
    public const string CascadeCte = """
        below AS (
            SELECT d AS row, d.id FROM tasks d WHERE d.id IN (SELECT id FROM subtree) FOR UPDATE
        ), cascaded AS (
            UPDATE tasks d SET status = r.status, deleted_with = CASE WHEN r.status THEN NULL ELSE r.id END,
                updated_at = now(), version = d.version + 1
            FROM root r, below b
            WHERE d.id = b.id AND r.action IN ('deleted', 'restored')
              AND CASE WHEN r.action = 'deleted' THEN d.status ELSE NOT d.status AND d.deleted_with = coalesce((r.old_row).deleted_with, r.id) END
            RETURNING d.*, d AS new_row, b.row AS old_row, r.action
        ), changed AS (
            SELECT * FROM root UNION ALL SELECT * FROM cascaded
        )
        """;

    /// <summary>The label ids of project <paramref name="project"/> named in @Labels (ignoring case), as a task stores them.</summary>
    public static string LabelIds(string project) =>
        $"ARRAY(SELECT l.id FROM labels l WHERE l.project_id = {project} AND lower(l.name) IN (SELECT lower(x) FROM unnest(@Labels::text[]) x) ORDER BY l.id)";

    /// <summary>The filter keys (lower-case names) of the labels with ids <paramref name="ids"/>: what a task stores beside
    /// them for the `label` filter (migration V26).</summary>
    public static string LabelKeys(string ids) => $"ARRAY(SELECT lower(k.name) FROM labels k WHERE k.id = ANY({ids}) ORDER BY 1)";

    /// <summary>@BlockedBy as a task stores it: each id once, in order.</summary>
    public const string BlockedBySet = "ARRAY(SELECT DISTINCT x FROM unnest(@BlockedBy::bigint[]) x ORDER BY x)";

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
