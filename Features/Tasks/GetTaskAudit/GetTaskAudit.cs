using System.ComponentModel;
using System.Globalization;
using System.Text.Json;

namespace TaskManager.Features.Tasks.GetTaskAudit;

public sealed record TaskAuditEntry(string Action, JsonElement Changes, bool? PreviousStatus, bool? NewStatus,
    string? ModifiedBy, long? ModifiedById, DateTime ChangedAt);

public sealed record TaskAuditResponse(long TaskId, IReadOnlyList<TaskAuditEntry> Entries);

/// <summary>One task's audit trail, oldest first: a page after `After` (v2), or the whole trail when Limit is null (v1).</summary>
public sealed record GetTaskAuditQuery(long TaskId, Caller Caller, int? Limit, (DateTime Time, long Id)? After = null) : IQuery<Outcome<AuditPage>>
{
    /// <summary>What v2's cursors are bound to.</summary>
    public static string Fingerprint(long taskId) => $"audit:{taskId}";
}

public sealed class GetTaskAuditHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<GetTaskAuditQuery, Outcome<AuditPage>>
{
    // Entries outlive the task, so a purged task's trail is still found; a task that never existed has none.
    // LIMIT NULL is no limit.
    private const string Sql = $"""
        SELECT {AuditRow.Columns} FROM task_audit a
        WHERE task_id = @TaskId AND {ProjectAccess.TaskIdNotHidden} AND {ProjectAccess.EntryReadable}
          AND (@AfterTime::timestamptz IS NULL OR (changed_at, id) > (@AfterTime, @AfterId))
        ORDER BY changed_at, id LIMIT @PageSize;

        SELECT {ProjectAccess.TaskIdNotHidden}
           AND (EXISTS (SELECT 1 FROM tasks WHERE id = @TaskId)
                OR EXISTS (SELECT 1 FROM task_audit a WHERE task_id = @TaskId AND {ProjectAccess.EntryReadable}));
        """;

    public async ValueTask<Outcome<AuditPage>> Handle(GetTaskAuditQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, new
        {
            query.TaskId,
            query.Caller.CallerId,
            query.Caller.CallerIsAdmin,
            AfterTime = query.After?.Time,
            AfterId = query.After?.Id ?? 0,
            PageSize = query.Limit + 1,
        }, cancellationToken: ct));
        var rows = (await results.ReadAsync<AuditRow>()).AsList();
        if (!await results.ReadSingleAsync<bool>())
        {
            return Outcome<AuditPage>.NotFound($"Task {query.TaskId} does not exist and has no audit trail.");
        }
        var (page, next) = query.Limit is { } limit
            ? CursorPages.Split(rows, limit, cursors, GetTaskAuditQuery.Fingerprint(query.TaskId),
                r => [r.ChangedAt.ToString("O", CultureInfo.InvariantCulture), r.Id.ToString(CultureInfo.InvariantCulture)])
            : (rows, null);
        return new AuditPage(page.Select(r => r.ToEntry()).ToList(), next);
    }
}

public static class GetTaskAuditEndpoint
{
    public static RouteHandlerBuilder MapGetTaskAudit(this IEndpointRouteBuilder app) => app
        .MapGet("/{id:long}/audit", HandleAsync)
        .WithName("GetTaskAudit")
        .WithSummary("Get a task's audit trail")
        .WithDescription("A task's audit trail (the id is a task's), oldest first (manager, admin). It outlives a permanent delete.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<TaskAuditResponse>, Problem>> HandleAsync(
        [FromRoute(Name = "id"), Description("The id of a task.")] long taskId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new GetTaskAuditQuery(taskId, Caller.From(user), Limit: null), ct);
        return outcome.ToResult(page => TypedResults.Ok(new TaskAuditResponse(taskId, page.Entries.Select(e =>
            new TaskAuditEntry(e.Action, e.Changes, e.PreviousStatus, e.NewStatus, e.ModifiedBy, e.ModifiedById, e.ChangedAt)).ToList())));
    }
}
