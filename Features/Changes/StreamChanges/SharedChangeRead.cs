namespace TaskManager.Features.Changes.StreamChanges;

/// <summary>Who a stream reads as: its caller and the projects it asked for (null: all). Streams with equal keys see
/// the same changes.</summary>
public sealed record StreamKey(Caller Caller, long[]? Projects)
{
    public bool Equals(StreamKey? other) => other is not null && Caller == other.Caller &&
        (Projects is null ? other.Projects is null : other.Projects is not null && Projects.SequenceEqual(other.Projects));

    public override int GetHashCode() => HashCode.Combine(Caller, Projects?.Length, Projects is { Length: > 0 } p ? p[0] : 0);
}

/// <summary>One change of a shared read, with which of the read's keys see it as it is and which as task.removed.</summary>
public sealed record SharedChange(ChangePosition Position, string Type, DateTime OccurredAt, long? ActorId, long? ProjectId, long? TaskId,
    string Data, int[] Sees, int[] Removed);

public sealed record SharedBatch(IReadOnlyList<SharedChange> Changes, ChangePosition Next, bool HasMore, bool Held);

/// <summary>Reads the feed once for every stream of an instance that has caught up: each change with the keys that may see
/// it, by the feed's own rules (<see cref="ChangeFeed.VisibilityFor"/>), so a thousand streams cost one statement a wake.</summary>
public sealed class SharedChangeRead(NpgsqlDataSource db)
{
    private static readonly string Sql = $$"""
        WITH h AS MATERIALIZED (
            SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon,
                   EXISTS (SELECT 1 FROM changes x WHERE x.txid >= pg_snapshot_xmin(pg_current_snapshot())) AS held
        ), k AS MATERIALIZED (
            SELECT u.key, u.caller_id, u.caller_is_admin, u.projects IS NULL AS all_projects,
                   coalesce(u.projects::bigint[], '{}') AS project_ids
            FROM unnest(@Keys::int[], @CallerIds::bigint[], @Admins::bool[], @Filters::text[]) AS u(key, caller_id, caller_is_admin, projects)
        ), c AS MATERIALIZED (
            SELECT c.*, (SELECT t.project_id FROM tasks t WHERE t.id = c.task_id) AS task_project FROM changes c, h
            WHERE (c.txid, c.seq) > (@AfterTxid::text::xid8, @AfterSeq::bigint) AND c.txid < h.horizon
            ORDER BY c.txid, c.seq
            LIMIT @Take
        ), r AS MATERIALIZED (
            {{ChangeFeed.ReadablePairs("k", "SELECT project_id FROM c UNION SELECT from_project_id FROM c UNION SELECT task_project FROM c")}}
        ), a AS (
            SELECT c.seq, coalesce(array_agg(k.key) FILTER (WHERE w.shows AND NOT s.removed), '{}') AS sees,
                   coalesce(array_agg(k.key) FILTER (WHERE s.removed), '{}') AS removed
            FROM c CROSS JOIN k
            LEFT JOIN r rn ON rn.project_id = c.project_id AND rn.key = k.key
            LEFT JOIN r rt ON rt.project_id = c.task_project AND rt.key = k.key
            LEFT JOIN r ro ON ro.project_id = c.from_project_id AND ro.key = k.key
            {{ChangeFeed.VisibilityFor("k")}}
            GROUP BY c.seq
        )
        SELECT h.horizon::text::bigint AS horizon, h.held, f.*
        FROM h LEFT JOIN LATERAL (
            SELECT c.txid::text::bigint AS txid, c.seq, c.type, c.occurred_at, c.actor_id, c.project_id, c.task_id, c.data::text AS data,
                   a.sees, a.removed
            FROM c JOIN a ON a.seq = c.seq
            ORDER BY c.txid, c.seq
        ) f ON true
        """;

    public async Task<SharedBatch> ReadAsync(IReadOnlyList<StreamKey> keys, ChangePosition after, int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(Sql, new
        {
            Keys = Enumerable.Range(0, keys.Count).ToArray(),
            CallerIds = keys.Select(k => k.Caller.CallerId).ToArray(),
            Admins = keys.Select(k => k.Caller.CallerIsAdmin).ToArray(),
            Filters = keys.Select(k => k.Projects is null ? null : "{" + string.Join(',', k.Projects) + "}").ToArray(),
            AfterTxid = after.Txid,
            AfterSeq = after.Seq,
            Take = limit + 1,
        }, cancellationToken: ct))).AsList();
        var head = rows[0];
        var found = rows.Where(r => r.Txid is not null).ToList();
        var changes = found.Take(limit)
            .Select(r => new SharedChange(new ChangePosition(r.Txid!.Value, r.Seq), r.Type, r.OccurredAt, r.ActorId, r.ProjectId, r.TaskId, r.Data,
                r.Sees, r.Removed))
            .ToList();
        var hasMore = found.Count > limit;
        var next = hasMore ? changes[^1].Position : ChangePosition.Max(after, new ChangePosition(head.Horizon, 0));
        return new SharedBatch(changes, next, hasMore, head.Held);
    }

    private sealed record Row : FeedRow
    {
        public int[] Sees { get; init; } = [];
        public int[] Removed { get; init; } = [];
    }
}
