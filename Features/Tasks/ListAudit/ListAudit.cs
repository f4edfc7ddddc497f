using System.Globalization;

namespace TaskManager.Features.Tasks.ListAudit;

/// <summary>Every task's audit entries, paged, in the order they were recorded (the feed). `since` only chooses where
/// the feed starts, so a client following cursors never misses a late entry. One task's trail is GetTaskAudit's.</summary>
public sealed record ListAuditRequest(
    [property: FromQuery(Name = "since")] string? Since,
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor)
{
    // Methods, not properties: none is a parameter, nor text to check for NUL.

    /// <summary>What a cursor is bound to.</summary>
    public string Fingerprint() => $"feed:{QueryValues.Time(Since)?.ToString("O", CultureInfo.InvariantCulture)}";

    /// <summary>The transaction id and entry id a cursor continues after, or null when it is not one of this query's.</summary>
    public (string Txid, long Id)? After(Cursors cursors) =>
        Cursor is not null && cursors.Decode(Cursor, Fingerprint()) is [var key, var id] && QueryValues.Number(id) is { } afterId &&
        ulong.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? (key, afterId) : null;
}

/// <summary>One error at a time, in the order the feed has always checked them.</summary>
public sealed class ListAuditValidator : AbstractValidator<ListAuditRequest>
{
    public ListAuditValidator(Cursors cursors)
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Limit).ValidLimit();
        RuleFor(r => r.Since).ValidTime();
        RuleFor(r => r.Cursor).ValidCursor(r => r.After(cursors), "cursor is not one this list gave for this query.");
    }
}

public sealed record ListAuditQuery(Caller Caller, DateTime? Since, int Limit, string Fingerprint, (string Txid, long Id)? After) : IQuery<AuditPage>;

public sealed class ListAuditHandler(NpgsqlDataSource db, Cursors cursors, ProjectScope scopes) : IQueryHandler<ListAuditQuery, AuditPage>
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

    public async ValueTask<AuditPage> Handle(ListAuditQuery query, CancellationToken ct)
    {
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
            AfterTxid = query.After?.Txid,
            AfterId = query.After?.Id ?? 0,
            PageSize = query.Limit + 1,
        }, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, query.Fingerprint, r => [r.Txid!, r.Id.ToString(CultureInfo.InvariantCulture)]);
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

    private static async Task<Ok<AuditPage>> HandleAsync([AsParameters] ListAuditRequest request, ClaimsPrincipal user, IMediator mediator,
        Cursors cursors, HttpContext http, CancellationToken ct)
    {
        var page = await mediator.Send(new ListAuditQuery(Caller.From(user), QueryValues.Time(request.Since), CursorPages.Limit(request.Limit)!.Value,
            request.Fingerprint(), request.After(cursors)), ct);
        return CursorPages.Ok(http, page, page.NextCursor);
    }
}
