using System.ComponentModel;

namespace TaskManager.Features.TaskLog.GetTaskLogEntry;

/// <summary>A log entry with its task's live fields and when the task was created and last changed.</summary>
public sealed record TaskLogEntryDetail : TaskLogEntry
{
    public required DateTime CreatedAt { get; init; }
    public required DateTime UpdatedAt { get; init; }
}

public sealed record GetTaskLogEntryQuery(long TaskLoggerId, long CallerId, bool CallerIsAdmin) : IQuery<TaskLogEntryDetail?>;

/// <summary>Not cached: an entry is one primary-key read, cheaper than the Redis round trips a cache miss costs, and
/// reads spread over millions of ids, so a cache of them mostly held entries read once (docs/benchmarks.md).</summary>
public sealed class GetTaskLogEntryHandler(NpgsqlDataSource db) : IQueryHandler<GetTaskLogEntryQuery, TaskLogEntryDetail?>
{
    private const string Sql = $"""
        SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
               t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user,
               t.created_at, t.updated_at
        FROM task_logger l
        JOIN tasks t ON t.id = l.task_id
        LEFT JOIN users u ON u.id = t.assigned_user_id
        WHERE l.id = @TaskLoggerId AND {ProjectAccess.TaskReadable}
        """;

    public async ValueTask<TaskLogEntryDetail?> Handle(GetTaskLogEntryQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TaskLogEntryDetail>(new CommandDefinition(Sql, query, cancellationToken: ct));
    }
}

public static class GetTaskLogEntryEndpoint
{
    public static RouteHandlerBuilder MapGetTaskLogEntry(this IEndpointRouteBuilder app) => app
        .MapGet("/task/{id:long}", HandleAsync)
        .WithName("GetTaskLogEntry")
        .WithSummary("Get a daily-log entry")
        .WithDescription("One daily-log entry, with the task's live fields. The id is a log entry's (`id` in `GET /api/tasks`), " +
                         "not a task's: PUT and DELETE on this path take a task id.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<TaskLogEntryDetail>, Problem>> HandleAsync(
        [FromRoute(Name = "id"), Description("The id of a daily-log entry (not a task id).")] long taskLoggerId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        await mediator.Send(new GetTaskLogEntryQuery(taskLoggerId, user.UserId(), user.IsInRole(Roles.Admin)), ct) is { } entry
            ? TypedResults.Ok(entry)
            : Problem.Of(StatusCodes.Status404NotFound, $"Daily-log entry {taskLoggerId} does not exist.");
}
