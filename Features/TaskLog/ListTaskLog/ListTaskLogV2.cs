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
    [property: FromQuery(Name = "project_id")] string? ProjectId = null) : ITaskLogFilters;

public sealed class ListTaskLogV2Validator : AbstractValidator<ListTaskLogV2Request>
{
    public ListTaskLogV2Validator()
    {
        Include(new TaskLogFiltersValidator());
        RuleFor(r => r.Limit).Must(l => CursorPages.Limit(l) is not null).WithMessage(CursorPages.LimitError);
    }
}

public sealed record TaskLogPage(IReadOnlyList<TaskLogEntry> Entries, string? NextCursor);

public sealed record ListTaskLogV2Query(ListTaskLogQuery Filters, string? Cursor) : IQuery<Outcome<TaskLogPage>>;

/// <summary>The daily log in v1's order (newest date, then id, descending), paged by keyset instead of offset, so a
/// deep page costs what the first does. Not cached: each page is an index range read.</summary>
public sealed class ListTaskLogV2Handler(NpgsqlDataSource db, Cursors cursors, IOptions<DatabaseOptions> database)
    : IQueryHandler<ListTaskLogV2Query, Outcome<TaskLogPage>>
{
    public async ValueTask<Outcome<TaskLogPage>> Handle(ListTaskLogV2Query query, CancellationToken ct)
    {
        var f = query.Filters;
        var fingerprint = string.Create(CultureInfo.InvariantCulture, $"log:{f.Date}:{f.From}:{f.To}:{f.Status}:{f.Priority}:{f.AssignedUserId}:{f.TaskId}:{string.Join(',', f.ProjectIds)}");
        var where = TaskLogFilters.Where(f);
        var args = new DynamicParameters(f);
        if (query.Cursor is not null)
        {
            if (cursors.Decode(query.Cursor, fingerprint) is not [var date, var id] ||
                !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var afterDate) ||
                !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var afterId))
            {
                return Outcome<TaskLogPage>.Invalid("cursor", "cursor is not one this list gave for this query.");
            }
            where.Append(where.Length == 0 ? "WHERE " : " AND ").Append("(l.log_date, l.id) < (@AfterDate, @AfterId)");
            args.Add("AfterDate", afterDate);
            args.Add("AfterId", afterId);
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
        var (page, next) = CursorPages.Split(rows, f.PerPage, cursors, fingerprint,
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

    private static async Task<Results<Ok<TaskLogPage>, Problem>> HandleAsync(
        [AsParameters] ListTaskLogV2Request request, ClaimsPrincipal user, ProjectScope scopes, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var filters = request.ToQuery(1, CursorPages.Limit(request.Limit)!.Value).In(await scopes.ForAsync(Caller.From(user), ct));
        var outcome = await mediator.Send(new ListTaskLogV2Query(filters, request.Cursor), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
