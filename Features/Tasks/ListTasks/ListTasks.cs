using System.Globalization;
using TaskManager.Features.Changes;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Tasks.ListTasks;

/// <summary>A page as cached: never changed once made, so the cache hands out the same instance.</summary>
[System.ComponentModel.ImmutableObject(true)]
public sealed record ListTasksResponse(IReadOnlyList<TaskResource> Tasks, string? NextCursor);

/// <summary>A page with the change-feed position taken before it was read (first pages only): cached together, so a
/// client that lists and then follows the feed from there misses no change, whenever the page was read.</summary>
public sealed record ListTasksPage(ListTasksResponse Response, string? ChangesPosition);

public sealed record ListTasksQuery(TaskFilters Filters, string? Cursor) : IQuery<Outcome<ListTasksPage>>;

/// <summary>Current tasks, filtered, searched and sorted, paged by keyset: a page continues strictly after the last
/// row of the one before (its sort key, then id), so a deep page costs what the first does. First pages without q, the
/// ones lists and dashboards poll, are cached with the daily log's pages, which every change to a task invalidates.</summary>
public sealed class ListTasksHandler(NpgsqlDataSource db, Cursors cursors, TaskReadCache cache, TimeProvider clock, IOptions<DatabaseOptions> database)
    : IQueryHandler<ListTasksQuery, Outcome<ListTasksPage>>
{
    public async ValueTask<Outcome<ListTasksPage>> Handle(ListTasksQuery query, CancellationToken ct)
    {
        var f = query.Filters;
        var conditions = new List<string>();
        if (f.Where.Length > 0)
        {
            conditions.Add(f.Where);
        }
        if (query.Cursor is not null)
        {
            if (cursors.Decode(query.Cursor, f.Fingerprint) is not [var key, var lastId] ||
                !long.TryParse(lastId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || TaskKeyset.After(f, key, id) is not { } after)
            {
                return Outcome<ListTasksPage>.Invalid("cursor", "cursor is not one this list gave for this query (same q, filters and sort).");
            }
            conditions.Add(after);
        }
        var sql = $"""
            SELECT {TaskSql.ResponseColumns}, {f.SortKey} AS value
            FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
            {(conditions.Count > 0 ? "WHERE " + string.Join(" AND ", conditions) : "")}
            ORDER BY {f.OrderBy}
            LIMIT @PageSize
            """;
        f.Parameters.Add("PageSize", f.Limit + 1);
        if (query.Cursor is not null || !f.Cacheable)
        {
            // A client walking the pages reads each later page once, and searches and polls rarely repeat: caching
            // them would cost a Redis write a request and only fill Redis.
            return await ReadAsync(sql, f, query.Cursor is null, ct);
        }
        // The fingerprint holds every filter (`me` resolved to its id); today's date, because `overdue` moves with it.
        var cacheKey = string.Create(CultureInfo.InvariantCulture, $"tasks-p:{clock.GetUtcNow():yyyy-MM-dd}:{f.Limit}:{f.ScopeKey}:{f.Fingerprint}");
        return await cache.GetOrCreateAsync(cacheKey, token => ReadAsync(sql, f, true, token), ct);
    }

    private async ValueTask<ListTasksPage> ReadAsync(string sql, TaskFilters f, bool first, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        string? position = null;
        List<ListedTask> rows;
        var command = new CommandDefinition(first ? $"{ChangeFeed.EndSql};\n{sql}" : sql, f.Parameters,
            commandTimeout: database.Value.ReadTimeoutSeconds, cancellationToken: ct);
        if (first)
        {
            // The position and the page in one round trip and one implicit transaction, the position's statement first.
            await using var results = await connection.QueryMultipleAsync(command);
            position = new ChangePosition(await results.ReadSingleAsync<long>(), 0).ToString();
            rows = (await results.ReadAsync<ListedTask>()).AsList();
        }
        else
        {
            // One row type with the sort key beside the task's columns: Dapper maps it in one pass, not two per row.
            rows = (await connection.QueryAsync<ListedTask>(command)).AsList();
        }
        var count = Math.Min(rows.Count, f.Limit);
        var tasks = new TaskResource[count];
        for (var i = 0; i < count; i++)
        {
            tasks[i] = TaskResource.From(rows[i]);
        }
        var next = rows.Count > f.Limit
            ? cursors.Encode(f.Fingerprint, [TaskKeyset.KeyText(rows[count - 1].Value), rows[count - 1].Id.ToString(CultureInfo.InvariantCulture)])
            : null;
        return new ListTasksPage(new ListTasksResponse(tasks, next), position);
    }

    private sealed record ListedTask : TaskRow
    {
        public object? Value { get; init; }
    }
}

public static class ListTasksEndpoint
{
    public static RouteHandlerBuilder MapListTasks(this IEndpointRouteBuilder app) => app
        .MapGet("/", HandleAsync)
        .WithName("ListTasks")
        .WithSummary("List tasks")
        .WithDescription("Current tasks, filtered, searched (q: words of the name or description) and sorted, paged by cursor; " +
                         "the Link header carries the next page's URL.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.ChangesPosition)
        .ProducesValidationProblem();

    private static async Task<Results<Ok<ListTasksResponse>, Problem>> HandleAsync(
        [AsParameters] ListTasksRequest request, ClaimsPrincipal user, IMediator mediator, ProjectScope scopes, HttpContext http, CancellationToken ct)
    {
        var filters = TaskFilters.From(request, user.UserId(), await scopes.ForAsync(Caller.From(user), ct));
        var outcome = await mediator.Send(new ListTasksQuery(filters, request.Cursor), ct);
        return outcome.ToResult(page =>
        {
            if (page.ChangesPosition is { } position)
            {
                http.Response.Headers["Changes-Position"] = position;
            }
            return CursorPages.Ok(http, page.Response, page.Response.NextCursor);
        });
    }
}
