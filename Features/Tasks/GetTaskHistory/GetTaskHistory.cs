using System.Globalization;
using TaskManager.Features.TaskLog;

namespace TaskManager.Features.Tasks.GetTaskHistory;

public sealed record TaskHistoryResponse(IReadOnlyList<TaskLogEntry> Entries, string? NextCursor);

public sealed record GetTaskHistoryRequest(
    [property: FromRoute(Name = "id")] long Id,
    [property: FromQuery(Name = "limit")] string? Limit = null,
    [property: FromQuery(Name = "cursor")] string? Cursor = null) : IPageRequest
{
    public string Fingerprint() => $"history:{Id}";

    /// <summary>The date and id a cursor continues after, or null when it is not one of this task's.</summary>
    public (DateOnly Date, long Id)? After(Cursors cursors) =>
        Cursor is not null && cursors.Decode(Cursor, Fingerprint()) is [var date, var id] && QueryValues.Date(date) is { } afterDate &&
        QueryValues.Number(id) is { } afterId ? (afterDate, afterId) : null;
}

public sealed class GetTaskHistoryValidator(Cursors cursors)
    : PageValidator<GetTaskHistoryRequest>(r => r.After(cursors), "cursor is not one this list gave for this task.");

public sealed record GetTaskHistoryQuery(long TaskId, Caller Caller, int Limit, string Fingerprint, (DateOnly Date, long Id)? After)
    : IQuery<Outcome<TaskHistoryResponse>>;

/// <summary>A task's daily-log rows, newest date first, paged by keyset on (log_date, id) within the task.</summary>
public sealed class GetTaskHistoryHandler(NpgsqlDataSource db, Cursors cursors) : IQueryHandler<GetTaskHistoryQuery, Outcome<TaskHistoryResponse>>
{
    private const string Sql = $"""
        SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
               t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
        FROM task_logger l
        JOIN tasks t ON t.id = l.task_id
        LEFT JOIN users u ON u.id = t.assigned_user_id
        WHERE l.task_id = @TaskId AND {ProjectAccess.TaskReadable}
          AND (@AfterDate::date IS NULL OR (l.log_date, l.id) < (@AfterDate, @AfterId))
        ORDER BY l.log_date DESC, l.id DESC
        LIMIT @PageSize;

        SELECT EXISTS (SELECT 1 FROM tasks t WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable});
        """;

    public async ValueTask<Outcome<TaskHistoryResponse>> Handle(GetTaskHistoryQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql,
            new { query.TaskId, query.Caller.CallerId, query.Caller.CallerIsAdmin, AfterDate = query.After?.Date, AfterId = query.After?.Id ?? 0, PageSize = query.Limit + 1 },
            cancellationToken: ct));
        var rows = (await results.ReadAsync<TaskLogEntry>()).AsList();
        if (!await results.ReadSingleAsync<bool>())
        {
            return Outcome<TaskHistoryResponse>.NotFound($"Task {query.TaskId} does not exist.");
        }
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, query.Fingerprint,
            e => [e.LogDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), e.Id.ToString(CultureInfo.InvariantCulture)]);
        return new TaskHistoryResponse(page, next);
    }
}

public static class GetTaskHistoryEndpoint
{
    public static RouteHandlerBuilder MapGetTaskHistory(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}/history", HandleAsync)
        .WithName("GetTaskHistory")
        .WithSummary("A task's daily history")
        .WithDescription("The task's daily-log rows (its status and priority on each date), newest date first, paged by cursor.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<TaskHistoryResponse>, Problem>> HandleAsync(
        [AsParameters] GetTaskHistoryRequest request, ClaimsPrincipal user, IMediator mediator, Cursors cursors, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new GetTaskHistoryQuery(request.Id, Caller.From(user), CursorPages.Limit(request.Limit)!.Value,
            request.Fingerprint(), request.After(cursors)), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
