using System.Globalization;

namespace TaskManager.Features.Tasks.ListAudit;

/// <summary>Every task's audit entries, paged, in the order they were recorded (the feed). `since` only chooses where
/// the feed starts, so a client following cursors never misses a late entry. One task's trail is GetTaskAudit's.</summary>
public sealed record ListAuditQuery(Caller Caller, DateTime? Since, int Limit, string? Cursor) : IQuery<Outcome<AuditPage>>;

public sealed class ListAuditHandler(NpgsqlDataSource db, Cursors cursors, ProjectScope scopes) : IQueryHandler<ListAuditQuery, Outcome<AuditPage>>
{
    // HiddenMark: for a caller who may not read some projects, where the condition goes that leaves out the entries recorded
    // in them and every entry of a task that is in one now.
    private const string HiddenMark = "/* hidden projects */";

    // In commit order (V27): (txid, id), only below the oldest transaction still running, so no entry can later appear behind
    // a cursor. `since` picks the first page's entries by time; the cursor then takes every entry committed after them.
    private const string FeedSql = $"""
        SELECT {AuditRow.Columns}, a.txid::text AS txid FROM task_audit a
        WHERE a.txid < pg_snapshot_xmin(pg_current_snapshot())
          AND CASE WHEN @AfterTxid::text IS NOT NULL THEN (a.txid, a.id) > (@AfterTxid::text::xid8, @AfterId)
                   WHEN @Since::timestamptz IS NULL THEN true
                   ELSE a.changed_at >= @Since END {HiddenMark}
        ORDER BY a.txid, a.id LIMIT @PageSize
        """;

    public async ValueTask<Outcome<AuditPage>> Handle(ListAuditQuery query, CancellationToken ct)
    {
        var fingerprint = $"feed:{query.Since?.ToString("O", CultureInfo.InvariantCulture)}";
        string? afterTxid = null;
        long afterId = 0;
        if (query.Cursor is not null)
        {
            if (cursors.Decode(query.Cursor, fingerprint) is not [var key, var id] ||
                !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out afterId) ||
                !ulong.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return Outcome<AuditPage>.Invalid("cursor", "cursor is not one this list gave for this query.");
            }
            afterTxid = key;
        }
        var scope = await scopes.ForAsync(query.Caller, ct);
        var sql = FeedSql.Replace(HiddenMark, scope.HidesAny
            ? """
              AND a.project_id <> ALL(@HiddenProjects)
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = a.task_id AND t.project_id = ANY(@HiddenProjects))
              """ : "", StringComparison.Ordinal);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<AuditRow>(new CommandDefinition(sql, new
        {
            scope.HiddenProjects,
            query.Since,
            AfterTxid = afterTxid,
            AfterId = afterId,
            PageSize = query.Limit + 1,
        }, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, fingerprint, r => [r.Txid!, r.Id.ToString(CultureInfo.InvariantCulture)]);
        return new AuditPage(page.Select(r => r.ToEntry()).ToList(), next);
    }
}

public static class ListAuditEndpoint
{
    public static RouteHandlerBuilder MapListAudit(this IEndpointRouteBuilder app) => app
        .MapGet("/audit", HandleAsync)
        .WithName("ListAudit")
        .WithSummary("The audit feed")
        .WithDescription("Every task's audit entries in the order they were recorded, from `since` (a time, inclusive), paged by cursor (manager, admin).")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private static async Task<Results<Ok<AuditPage>, Problem>> HandleAsync(ClaimsPrincipal user, IMediator mediator, HttpContext http,
        CancellationToken ct, [FromQuery] string? since, [FromQuery] string? limit, [FromQuery] string? cursor)
    {
        if (!CursorPages.TryLimit(limit, out var size, out var badLimit))
        {
            return badLimit;
        }
        DateTime? at = null;
        if (since is not null)
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return Problem.Invalid("since", "since must be a time (ISO 8601, such as 2025-04-01T09:30:00Z).");
            }
            at = parsed.UtcDateTime;
        }
        var outcome = await mediator.Send(new ListAuditQuery(Caller.From(user), at, size, cursor), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
