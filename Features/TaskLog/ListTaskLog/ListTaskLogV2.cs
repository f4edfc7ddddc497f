using System.Globalization;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.TaskLog.ListTaskLog;

public sealed record ListTaskLogV2Request(
    [property: FromQuery(Name = "date")] string? Date,
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "status")] string? Status,
    [property: FromQuery(Name = "priority")] string? Priority,
    [property: FromQuery(Name = "assigned_user_id")] long? AssignedUserId,
    [property: FromQuery(Name = "task_id")] long? TaskId,
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor,
    [property: FromQuery(Name = "project_id")] string? ProjectId = null) : ITaskLogFilters
{
    /// <summary>What a cursor is bound to: the filters, not the caller's scope.</summary>
    public static string Fingerprint(ListTaskLogQuery f) =>
        string.Create(CultureInfo.InvariantCulture, $"log:{f.Date}:{f.From}:{f.To}:{f.Status}:{f.Priority}:{f.AssignedUserId}:{f.TaskId}:{string.Join(',', f.ProjectIds)}");

    /// <summary>The date and id a cursor continues after, or null when it is not one of this query's.</summary>
    public (DateOnly Date, long Id)? After(Cursors cursors) =>
        Cursor is not null && cursors.Decode(Cursor, Fingerprint(this.ToQuery(1, 1))) is [var date, var id] && QueryValues.Date(date) is { } afterDate &&
        QueryValues.Number(id) is { } afterId ? (afterDate, afterId) : null;
}

public sealed class ListTaskLogV2Validator : AbstractValidator<ListTaskLogV2Request>
{
    public ListTaskLogV2Validator(Cursors cursors)
    {
        var filters = new TaskLogFiltersValidator();
        Include(filters);
        RuleFor(r => r.Limit).ValidLimit();
        // Only a query that reads has cursors: bad filters or limit are reported alone, as they always were.
        RuleFor(r => r.Cursor).ValidCursor(r => r.After(cursors), "cursor is not one this list gave for this query.")
            .When(r => filters.Validate(r).IsValid && CursorPages.Limit(r.Limit) is not null);
    }
}

public sealed record TaskLogPage(IReadOnlyList<TaskLogEntry> Entries, string? NextCursor);

public sealed record ListTaskLogV2Query(ListTaskLogQuery Filters, (DateOnly Date, long Id)? After) : IQuery<TaskLogPage>;

/// <summary>The daily log in v1's order (newest date, then id, descending), paged by keyset instead of offset, so a
/// deep page costs what the first does. Not cached: each page is an index range read.</summary>
public sealed class ListTaskLogV2Handler(NpgsqlDataSource db, Cursors cursors, IOptions<DatabaseOptions> database)
    : IQueryHandler<ListTaskLogV2Query, TaskLogPage>
{
    public async ValueTask<TaskLogPage> Handle(ListTaskLogV2Query query, CancellationToken ct)
    {
        var f = query.Filters;
        var where = TaskLogFilters.Where(f);
        var args = new DynamicParameters(f);
        if (query.After is { } after)
        {
            where.Append(where.Length == 0 ? "WHERE " : " AND ").Append("(l.log_date, l.id) < (@AfterDate, @AfterId)");
            args.Add("AfterDate", after.Date);
            args.Add("AfterId", after.Id);
        }
        args.Add("PageSize", f.PerPage + 1);
        var sql = $"""
            SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
                   t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
            FROM task_logger l
            JOIN tasks t ON t.id = l.task_id
            LEFT JOIN users u ON u.id = t.assigned_user_id
            {where}
            ORDER BY l.log_date DESC, l.id DESC
            LIMIT @PageSize
            """;
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<TaskLogEntry>(new CommandDefinition(sql, args,
            commandTimeout: database.Value.ReadTimeoutSeconds, cancellationToken: ct))).AsList();
        var (page, next) = CursorPages.Split(rows, f.PerPage, cursors, ListTaskLogV2Request.Fingerprint(f),
            e => [e.LogDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), e.Id.ToString(CultureInfo.InvariantCulture)]);
        return new TaskLogPage(page, next);
    }
}

public static class ListTaskLogV2Endpoint
{
    public static RouteHandlerBuilder MapListTaskLogV2(this IEndpointRouteBuilder app) => app
        .MapGet("/", HandleAsync)
        .WithName("ListTaskLogV2")
        .WithSummary("List the daily log")
        .WithDescription("The daily task log, newest date first, then id descending, with v1's filters, paged by cursor.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private static async Task<Ok<TaskLogPage>> HandleAsync([AsParameters] ListTaskLogV2Request request, ClaimsPrincipal user, ProjectScope scopes,
        IMediator mediator, Cursors cursors, HttpContext http, CancellationToken ct)
    {
        var filters = request.ToQuery(1, CursorPages.Limit(request.Limit)!.Value).In(await scopes.ForAsync(Caller.From(user), ct));
        var page = await mediator.Send(new ListTaskLogV2Query(filters, request.After(cursors)), ct);
        return CursorPages.Ok(http, page, page.NextCursor);
    }
}
