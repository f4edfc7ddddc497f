using System.Text.Json;

namespace TaskManager.Features.Changes;

/// <summary>A change as the feed and the stream show it.</summary>
public sealed record ChangeResource(string Position, string Type, DateTime OccurredAt, long? ActorId, long? ProjectId, long? TaskId, JsonElement Data);

/// <summary>What one read of the feed found. Gone: `after` is older than what retention kept. Held: committed changes
/// wait behind a transaction still running, so a stream should look again soon.</summary>
public sealed record ChangeBatch(IReadOnlyList<ChangeResource> Changes, ChangePosition Next, bool HasMore, bool Gone, bool Held);

/// <summary>Reads the feed for one caller. The horizon (the oldest transaction still running) and the rows come from one
/// statement, so from one snapshot: every change before the horizon is committed or never will be, and every change that
/// commits later sits after it (docs/reliability.md, "The change feed").</summary>
public sealed class ChangeFeed(NpgsqlDataSource db)
{
    private const string Scoped = "(@AllProjects OR {0} = ANY(@ProjectIds))";

    // A change of a task now out of the caller's sight is hidden as the audit feed hides it (TaskIdNotHidden): its data
    // would show what the task is now, and the caller meets task.removed instead.
    private static string SeesNewWith(string projectReadable, string taskVisible) => $"""
        {string.Format(null, Scoped, "c.project_id")}
        AND (@CallerIsAdmin OR ({projectReadable} AND {taskVisible}))
        """;

    // A task moved out of what the caller may read (or out of the projects it asked for) is task.removed for it.
    private static string SeesOldWith(string fromProjectReadable) => $"""
        c.from_project_id IS NOT NULL AND c.from_project_id IS DISTINCT FROM c.project_id AND {string.Format(null, Scoped, "c.from_project_id")}
        AND (@CallerIsAdmin OR {fromProjectReadable})
        """;

    private static string ReadableProject(string project) => $"EXISTS (SELECT 1 FROM projects p WHERE p.id = {project} AND {ProjectAccess.Readable})";

    private static readonly string SeesNew = SeesNewWith(ReadableProject("c.project_id"),
        $"NOT EXISTS (SELECT 1 FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = c.task_id AND NOT {ProjectAccess.Readable})");

    private static readonly string SeesOld = SeesOldWith(ReadableProject("c.from_project_id"));

    /// <summary>Change `c` is shown to the caller, given `v` (sees_new, sees_old) and `s` (removed) as <see cref="Sql"/> has them.</summary>
    private static readonly string Shows = $"""
        (v.sees_new OR s.removed
         OR ({string.Format(null, Scoped, "c.project_id")}
             AND ((c.type = 'project.member_removed' AND c.member_id = @CallerId)
                  OR (c.type = 'project.deleted' AND (c.data->>'visibility' = 'public' OR @CallerId = ANY(c.readers))))))
        """;

    /// <summary>What decides whether change `c` is shown, for a caller whose parameters come from columns of row `k`
    /// (caller_id, caller_is_admin, all_projects, project_ids): the same rules for many callers in one statement. The
    /// statement joins, for each change and key, `rn`, `rt` and `ro`: rows of <see cref="ReadablePairs"/> for the change's
    /// project, its task's project now (`c.task_project`) and the project it moved from, null where the key may not read it.</summary>
    internal static string VisibilityFor(string k) => $"""
        CROSS JOIN LATERAL (SELECT ({SeesNewWith("rn.key IS NOT NULL", "(c.task_project IS NULL OR rt.key IS NOT NULL)")}) AS sees_new,
                                   ({SeesOldWith("ro.key IS NOT NULL")}) AS sees_old) v
        CROSS JOIN LATERAL (SELECT v.sees_old AND NOT v.sees_new AS removed) s
        CROSS JOIN LATERAL (SELECT {Shows} AS shows) w
        """.Replace("@CallerIsAdmin", $"{k}.caller_is_admin", StringComparison.Ordinal).Replace("@CallerId", $"{k}.caller_id", StringComparison.Ordinal)
        .Replace("@AllProjects", $"{k}.all_projects", StringComparison.Ordinal).Replace("@ProjectIds", $"{k}.project_ids", StringComparison.Ordinal);

    /// <summary>(project_id, key) for each project in <paramref name="projects"/> that key `k` may read, by <see cref="ProjectAccess.Readable"/>.</summary>
    internal static string ReadablePairs(string k, string projects) => $"""
        SELECT p.id AS project_id, {k}.key FROM {k} JOIN projects p ON p.id IN ({projects})
        WHERE {ProjectAccess.Readable.Replace("@CallerIsAdmin", $"{k}.caller_is_admin", StringComparison.Ordinal).Replace("@CallerId", $"{k}.caller_id", StringComparison.Ordinal)}
        """;

    // OFFSET 0 keeps `v` a subquery evaluated once a row: inlined, its two checks were copied into every expression that
    // reads them, a dozen subplans more to plan on each call and a plan that could fall into scanning the feed.
    private static readonly string Sql = $"""
        WITH h AS MATERIALIZED (
            SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon,
                   coalesce((SELECT (@AfterTxid::text::xid8, @AfterSeq::bigint) < (r.purged_txid, r.purged_seq) FROM change_retention r), false) AS gone,
                   EXISTS (SELECT 1 FROM changes x WHERE x.txid >= pg_snapshot_xmin(pg_current_snapshot())) AS held
        )
        SELECT h.horizon::text::bigint AS horizon, h.gone, h.held, f.*
        FROM h LEFT JOIN LATERAL (
            SELECT c.txid::text::bigint AS txid, c.seq, CASE WHEN s.removed THEN 'task.removed' ELSE c.type END AS type,
                   c.occurred_at, c.actor_id, c.project_id, c.task_id,
                   CASE WHEN s.removed THEN jsonb_build_object('id', c.task_id)::text ELSE c.data::text END AS data
            FROM changes c
            CROSS JOIN LATERAL (SELECT ({SeesNew}) AS sees_new, ({SeesOld}) AS sees_old OFFSET 0) v
            CROSS JOIN LATERAL (SELECT v.sees_old AND NOT v.sees_new AS removed) s
            WHERE NOT h.gone AND (c.txid, c.seq) > (@AfterTxid::text::xid8, @AfterSeq::bigint) AND c.txid < h.horizon
              AND {Shows}
            ORDER BY c.txid, c.seq
            LIMIT @Take
        ) f ON true
        """;

    /// <summary>The current end as a statement, for a read that takes it in the same round trip.</summary>
    public const string EndSql = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

    /// <summary>The current end: every change that commits from now on sits after it.</summary>
    public async Task<ChangePosition> EndAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return new(await connection.ExecuteScalarAsync<long>(new CommandDefinition(EndSql, cancellationToken: ct)), 0);
    }

    /// <summary>Up to <paramref name="limit"/> changes after <paramref name="after"/> the caller may read; null projects: all.</summary>
    public async Task<ChangeBatch> ReadAsync(Caller caller, ChangePosition after, long[]? projects, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<ChangeRow>(new CommandDefinition(Sql, new
        {
            caller.CallerId,
            caller.CallerIsAdmin,
            AfterTxid = after.Txid,
            AfterSeq = after.Seq,
            AllProjects = projects is null,
            ProjectIds = projects ?? [],
            Take = limit + 1,
        }, cancellationToken: ct))).AsList();
        var head = rows[0];
        if (head.Gone)
        {
            return new ChangeBatch([], after, false, true, false);
        }
        var changes = rows.Where(r => r.Txid is not null).Take(limit)
            .Select(r => new ChangeResource(new ChangePosition(r.Txid!.Value, r.Seq).ToString(), r.Type, r.OccurredAt, r.ActorId, r.ProjectId, r.TaskId,
                JsonElement.Parse(r.Data)))
            .ToList();
        var hasMore = rows.Count(r => r.Txid is not null) > limit;
        // A short page read everything before the horizon: the next read starts there, not at the last change it saw.
        var next = hasMore ? new ChangePosition(rows[limit - 1].Txid!.Value, rows[limit - 1].Seq)
            : ChangePosition.Max(after, new ChangePosition(head.Horizon, 0));
        return new ChangeBatch(changes, next, hasMore, false, head.Held);
    }

    private sealed record ChangeRow : FeedRow
    {
        public bool Gone { get; init; }
    }
}

/// <summary>A row of a feed read: the read's horizon and whether a change is held, and a change (null Txid: none).</summary>
internal record FeedRow
{
    public long Horizon { get; init; }
    public bool Held { get; init; }
    public long? Txid { get; init; }
    public long Seq { get; init; }
    public string Type { get; init; } = "";
    public DateTime OccurredAt { get; init; }
    public long? ActorId { get; init; }
    public long? ProjectId { get; init; }
    public long? TaskId { get; init; }
    public string Data { get; init; } = "{}";
}
