using System.Globalization;

namespace TaskManager.Features.Tasks;

/// <summary>A task's labels, parent and blockers, as a write sets them: what it asks of the project before the write, and the
/// checks after it. Both run in the write's transaction under the project's structure lock, which every write of labels,
/// parents or blockers takes first, so two writes racing cannot form a cycle together: the second sees the first.</summary>
public static class TaskStructure
{
    public const int MaxLevels = 5;
    public const int MaxLabelsPerProject = 500;
    public const int MaxLabelsPerTask = 50;
    public const int MaxBlockers = 100;

    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtextextended('task-structure-' || @ProjectId, 0))";

    // Names the project lacks are created there, when the caller may create in it (the write then says why not if it may
    // not); a name that differs only in case is the label already there.
    private static readonly string EnsureLabelsSql = $"""
        WITH made AS (
            {CreateLabelsSql}
            WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = @ProjectId AND p.archived_at IS NULL AND {ProjectAccess.Readable} AND {ProjectAccess.Creatable})
            ON CONFLICT (project_id, lower(name)) DO NOTHING
            RETURNING labels AS row
        ), ev AS (
            {Labels.LabelSql.Outbox("'created'", "made.row", "made")}
        )
        SELECT (SELECT count(*) FROM labels WHERE project_id = @ProjectId) + (SELECT count(*) FROM made)
        """;

    /// <summary>Inserts the labels named in @Labels (each once, ignoring case) into project @ProjectId; a statement adds its
    /// condition, ON CONFLICT (project_id, lower(name)) DO NOTHING and RETURNING.</summary>
    public const string CreateLabelsSql = """
        INSERT INTO labels (project_id, name)
        SELECT @ProjectId, w.name FROM (SELECT DISTINCT ON (lower(x)) x AS name FROM unnest(@Labels::text[]) x ORDER BY lower(x), x) w
        """;

    /// <summary>Locks the project's structure and creates the labels it lacks; null, or the 409 of a project that would
    /// hold more than <see cref="MaxLabelsPerProject"/> labels.</summary>
    public static async Task<Outcome<T>?> PrepareAsync<T>(NpgsqlConnection connection, NpgsqlTransaction tx, long projectId, string[]? labels,
        long callerId, bool callerIsAdmin, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(LockSql, new { ProjectId = projectId }, tx, cancellationToken: ct));
        if (labels is not { Length: > 0 })
        {
            return null;
        }
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(EnsureLabelsSql,
            new { ProjectId = projectId, Labels = labels, CallerId = callerId, CallerIsAdmin = callerIsAdmin }, tx, cancellationToken: ct));
        return count > MaxLabelsPerProject
            ? Outcome<T>.Conflict($"Project {projectId} would hold more than {MaxLabelsPerProject} labels; delete some first.")
            : null;
    }

    // Read after the write, in its transaction: every link of task @Id must stay in its project, and neither chain may
    // loop. The walks are bounded: parents by the level limit, blockers by UNION (each task once per blocker).
    private const string CheckSql = """
        WITH RECURSIVE me AS (
            SELECT * FROM tasks WHERE id = @Id
        ), ancestors(id, parent_id, depth) AS (
            SELECT p.id, p.parent_id, 1 FROM tasks p, me WHERE p.id = me.parent_id
            UNION ALL
            SELECT p.id, p.parent_id, a.depth + 1 FROM tasks p JOIN ancestors a ON p.id = a.parent_id WHERE a.depth <= 6 AND a.id <> @Id
        ), descendants(id, depth) AS (
            SELECT c.id, 1 FROM tasks c WHERE c.parent_id = @Id
            UNION ALL
            SELECT c.id, d.depth + 1 FROM tasks c JOIN descendants d ON c.parent_id = d.id WHERE d.depth <= 6 AND c.id <> @Id
        ), blockers(id, via) AS (
            SELECT b, b FROM me, unnest(me.blocked_by) b
            UNION
            SELECT x, w.via FROM blockers w JOIN tasks bt ON bt.id = w.id, unnest(bt.blocked_by) x WHERE w.id <> @Id
        )
        SELECT
            (me.parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.id = me.parent_id AND p.project_id = me.project_id)) AS parent_elsewhere,
            EXISTS (SELECT 1 FROM ancestors WHERE id = @Id) AS parent_loops,
            ((SELECT count(*) FROM ancestors) + 1 + coalesce((SELECT max(depth) FROM descendants), 0))::int AS levels,
            ARRAY(SELECT b FROM unnest(me.blocked_by) b
                  WHERE NOT EXISTS (SELECT 1 FROM tasks x WHERE x.id = b AND x.project_id = me.project_id) ORDER BY b) AS blockers_elsewhere,
            ARRAY(SELECT DISTINCT via FROM blockers WHERE id = @Id ORDER BY via) AS blockers_looping,
            (EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = me.id AND c.project_id <> me.project_id)
             OR EXISTS (SELECT 1 FROM tasks o WHERE o.blocked_by @> ARRAY[me.id] AND o.project_id <> me.project_id)) AS ties_elsewhere,
            me.project_id
        FROM me
        """;

    /// <summary>Why task <paramref name="id"/>'s links, as just written, break a rule (a 400 naming the field); null when
    /// they hold. <paramref name="moved"/>: the write moved the task, so a link it did not set names project_id.</summary>
    public static async Task<Outcome<T>?> CheckAsync<T>(NpgsqlConnection connection, NpgsqlTransaction tx, long id, bool parentSent, bool blockersSent,
        bool moved, CancellationToken ct)
    {
        var c = await connection.QuerySingleAsync<Check>(new CommandDefinition(CheckSql, new { Id = id }, tx, cancellationToken: ct));
        var project = c.ProjectId.ToString(CultureInfo.InvariantCulture);
        if (c.ParentElsewhere)
        {
            return moved && !parentSent
                ? Outcome<T>.Invalid("project_id", $"Task {id} is a subtask: a task stays in its parent's project (set parent_id to null to move it).")
                : Outcome<T>.Invalid("parent_id", $"parent_id must be a task of project {project}, the task's own.");
        }
        if (c.ParentLoops)
        {
            return Outcome<T>.Invalid("parent_id", $"Task {id} cannot be a subtask of itself or of one of its own subtasks.");
        }
        if (c.Levels > MaxLevels)
        {
            return Outcome<T>.Invalid("parent_id", $"Subtasks nest at most {MaxLevels} levels deep (a top-level task is level 1); this would make {c.Levels}.");
        }
        if (c.BlockersElsewhere.Length > 0)
        {
            return moved && !blockersSent
                ? Outcome<T>.Invalid("project_id", $"Task {id} is blocked by tasks of its project: a task stays with them (set blocked_by to [] to move it).")
                : Outcome<T>.Invalid("blocked_by", $"Tasks {List(c.BlockersElsewhere)} are not tasks of project {project}, the task's own.");
        }
        if (c.BlockersLooping.Length > 0)
        {
            return Outcome<T>.Invalid("blocked_by",
                $"Tasks {List(c.BlockersLooping)} and {id} would form a cycle: task {id} already blocks them, directly or through other tasks.");
        }
        return c.TiesElsewhere
            ? Outcome<T>.Invalid("project_id", $"Task {id} has subtasks or blocks tasks in its project: a task, its subtasks and its dependencies stay in one project.")
            : null;
    }

    private static string List(long[] ids) => string.Join(", ", ids.Select(i => i.ToString(CultureInfo.InvariantCulture)));

    // Init properties, not a positional record: Dapper matches constructors by column type, and reads arrays as System.Array.
    private sealed class Check
    {
        public bool ParentElsewhere { get; init; }
        public bool ParentLoops { get; init; }
        public int Levels { get; init; }
        public long[] BlockersElsewhere { get; init; } = [];
        public long[] BlockersLooping { get; init; } = [];
        public bool TiesElsewhere { get; init; }
        public long ProjectId { get; init; }
    }
}
