namespace TaskManager.Features.Tasks.GetTask;

/// <summary>One task by its id, deleted ones too, if the caller may read its project.</summary>
public sealed record GetTaskQuery(long TaskId, long CallerId, bool CallerIsAdmin) : IQuery<TaskRow?>;

public sealed class GetTaskHandler(NpgsqlDataSource db) : IQueryHandler<GetTaskQuery, TaskRow?>
{
    private const string Sql = $"""
        SELECT {TaskSql.ResponseColumns}
        FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
        WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable}
        """;

    public async ValueTask<TaskRow?> Handle(GetTaskQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TaskRow>(new CommandDefinition(Sql, query, cancellationToken: ct));
    }
}

public static class GetTaskEndpoint
{
    public static RouteHandlerBuilder MapGetTask(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}", HandleAsync)
        .WithName("GetTask")
        .WithSummary("Get a task")
        .WithDescription("One task by its id, deleted ones too, with its ETag; If-None-Match with that ETag answers 304.")
        .ProducesConditionalGet();

    private static async Task<Results<Ok<TaskResource>, StatusCodeHttpResult, Problem>> HandleAsync(
        long id, [FromHeader(Name = "If-None-Match")] string? ifNoneMatch, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (await mediator.Send(new GetTaskQuery(id, caller.CallerId, caller.CallerIsAdmin), ct) is not { } task)
        {
            return Problem.Of(StatusCodes.Status404NotFound, $"Task {id} does not exist.");
        }
        return VersionETag.Answer(http, ifNoneMatch, task.Version, () => TaskResource.From(task));
    }
}
