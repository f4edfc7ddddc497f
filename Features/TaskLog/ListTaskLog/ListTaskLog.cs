using System.Globalization;
using TaskManager.Features.Tasks;
using TaskManager.Infrastructure.Caching;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.TaskLog.ListTaskLog;

public sealed record ListTaskLogRequest(
    [property: FromQuery(Name = "page")] int? Page,
    [property: FromQuery(Name = "per_page")] int? PerPage,
    [property: FromQuery(Name = "date")] string? Date,
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "status")] string? Status,
    [property: FromQuery(Name = "priority")] string? Priority,
    [property: FromQuery(Name = "assigned_user_id")] long? AssignedUserId,
    [property: FromQuery(Name = "task_id")] long? TaskId,
    [property: FromQuery(Name = "project_id")] string? ProjectId = null) : ITaskLogFilters;

public sealed class ListTaskLogValidator : AbstractValidator<ListTaskLogRequest>
{
    public ListTaskLogValidator()
    {
        Include(new TaskLogFiltersValidator());
        RuleFor(r => r.Page).ValidPage();
        RuleFor(r => r.PerPage).ValidPerPage();
    }
}

public sealed record ListTaskLogResponse(IReadOnlyList<TaskLogEntry> Tasks, long Total, int Pages, int CurrentPage, int PerPage);

public sealed record ListTaskLogQuery(int Page, int PerPage, DateOnly? Date, DateOnly? From, DateOnly? To, bool? Status,
    string? Priority, long? AssignedUserId, long? TaskId) : IQuery<CachedJson<ListTaskLogResponse>>
{
    public long Offset => (long)(Page - 1) * PerPage;

    /// <summary>Projects whose tasks' rows the caller may not see (<see cref="Scope.HiddenProjects"/>).</summary>
    public long[] HiddenProjects { get; init; } = [];

    public string ScopeKey { get; init; } = "";

    /// <summary>Only rows of tasks in these projects (empty: every project the caller may read).</summary>
    public long[] ProjectIds { get; init; } = [];

    public string CacheKey => string.Create(CultureInfo.InvariantCulture,
        $"list:{Page}:{PerPage}:{Date}:{From}:{To}:{Status}:{Priority}:{AssignedUserId}:{TaskId}:{string.Join(',', ProjectIds)}:{ScopeKey}");

    public ListTaskLogQuery In(Scope scope) => this with { HiddenProjects = scope.HiddenProjects, ScopeKey = scope.Key };
}

public sealed class ListTaskLogHandler(NpgsqlDataSource db, TaskReadCache cache, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    IOptions<DatabaseOptions> database)
    : IQueryHandler<ListTaskLogQuery, CachedJson<ListTaskLogResponse>>
{
    // The chosen page's rows, joined to their tasks: what both ways of choosing the page end with.
    private const string PageRows = """
        SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
               t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
        FROM page
        JOIN task_logger l ON l.id = page.id
        JOIN tasks t ON t.id = l.task_id
        LEFT JOIN users u ON u.id = t.assigned_user_id
        ORDER BY l.log_date DESC, l.id DESC
        """;

    // The page is chosen from the log alone, walking ix_task_logger_date_id in the list's order; only the
    // chosen rows are joined to their tasks.
    private const string PageSql = $$"""
        WITH page AS (
            SELECT l.id FROM task_logger l
            {0}
            ORDER BY l.log_date DESC, l.id DESC
            LIMIT @PerPage OFFSET @Offset
        )
        {{PageRows}}
        """;

    // Filtered by date, status or priority, a page's first row is found from the log's counts: the date it falls on (a
    // running sum over the counts, newest first), then an OFFSET that starts at that date, so a deep page costs what
    // page 1 does.
    // {2}: for a caller with hidden projects, their rows by date, taken off the counts (read from their own index).
    private const string PageByCountsSql = $$"""
        WITH counted AS (
            SELECT c.log_date, c.entries - coalesce(h.entries, 0) AS entries
            FROM (SELECT l.log_date, sum(l.entries) AS entries FROM task_log_counts l {0} GROUP BY l.log_date) c
            LEFT JOIN ({2}) h USING (log_date)
        ), running AS (
            SELECT log_date, entries, sum(entries) OVER (ORDER BY log_date DESC) AS through FROM counted
        ), target AS (
            SELECT log_date, through - entries AS before FROM running WHERE through > @Offset ORDER BY log_date DESC LIMIT 1
        ), page AS (
            SELECT l.id FROM task_logger l
            {1}
            ORDER BY l.log_date DESC, l.id DESC
            LIMIT @PerPage OFFSET (SELECT @Offset - before FROM target)
        )
        {{PageRows}}
        """;

    // Totals come from the counts the log's triggers keep, less the caller's hidden projects' rows ({1}), unless the
    // filter names an assignee, a task or projects.
    private const string CountByCountsSql = "SELECT ((SELECT coalesce(sum(entries), 0) FROM task_log_counts l {0}) - (SELECT coalesce(sum(entries), 0) FROM ({1}) h))::bigint";
    private const string CountRowsSql = "SELECT count(*) FROM task_logger l {0}";

    // The hidden projects' rows by date, under the list's date, status and priority filters.
    private const string HiddenByDateSql = "SELECT l.log_date, count(*) AS entries FROM task_logger l {0} GROUP BY l.log_date";
    private const string NothingHiddenSql = "SELECT NULL::date AS log_date, 0::bigint AS entries WHERE false";

    // Pages are cached as the JSON the client receives: a hit is written out without being serialized again.
    public ValueTask<CachedJson<ListTaskLogResponse>> Handle(ListTaskLogQuery query, CancellationToken ct) =>
        cache.GetOrCreateAsync(query.CacheKey,
            async token => CachedJson<ListTaskLogResponse>.Serialize(await ReadAsync(query, token), json.Value.SerializerOptions), ct);

    private async ValueTask<ListTaskLogResponse> ReadAsync(ListTaskLogQuery query, CancellationToken ct)
    {
        var where = TaskLogFilters.Where(query);
        // The counts know nothing of assignees, tasks or projects; a caller's hidden projects are taken off them.
        var counted = query is { AssignedUserId: null, TaskId: null, ProjectIds.Length: 0 };
        var filters = TaskLogFilters.Where(query with { HiddenProjects = [] });
        var hidden = query.HiddenProjects.Length == 0 ? NothingHiddenSql : string.Format(CultureInfo.InvariantCulture, HiddenByDateSql,
            (filters.Length == 0 ? "WHERE " : filters + " AND ") + "l.project_id = ANY(@HiddenProjects)");

        const string FromTarget = "l.log_date <= (SELECT log_date FROM target)";
        var page = counted
            ? string.Format(CultureInfo.InvariantCulture, PageByCountsSql, filters,
                where.Length == 0 ? "WHERE " + FromTarget : $"{where} AND {FromTarget}", hidden)
            : string.Format(CultureInfo.InvariantCulture, PageSql, where);
        var sql = page + ";\n" + (counted
            ? string.Format(CultureInfo.InvariantCulture, CountByCountsSql, filters, hidden)
            : string.Format(CultureInfo.InvariantCulture, CountRowsSql, where));

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, query,
            commandTimeout: database.Value.ReadTimeoutSeconds, cancellationToken: ct));
        var entries = (await results.ReadAsync<TaskLogEntry>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return new ListTaskLogResponse(entries, total, Paging.Pages(total, query.PerPage), query.Page, query.PerPage);
    }
}

public static class ListTaskLogEndpoint
{
    public static RouteHandlerBuilder MapListTaskLog(this IEndpointRouteBuilder app) => app
        .MapGet("/tasks", HandleAsync)
        .WithName("ListTaskLog")
        .WithSummary("List the daily task log")
        .WithDescription("The daily task log, newest date first, then id descending; filter by date, range, status, priority, assignee or task.")
        .ProducesValidationProblem();

    private static async Task<CachedJson<ListTaskLogResponse>> HandleAsync(
        [AsParameters] ListTaskLogRequest request, ClaimsPrincipal user, ProjectScope scopes, IMediator mediator, CancellationToken ct) =>
        await mediator.Send(request.ToQuery(request.Page ?? 1, request.PerPage ?? Paging.DefaultPerPage).In(await scopes.ForAsync(Caller.From(user), ct)), ct);
}
