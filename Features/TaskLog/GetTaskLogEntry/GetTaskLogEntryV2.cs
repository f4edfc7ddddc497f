namespace TaskManager.Features.TaskLog.GetTaskLogEntry;

/// <summary>GET /api/v2/task-log/{id}: the same entry through v2, where every id means one thing.</summary>
public static class GetTaskLogEntryV2Endpoint
{
    public static RouteHandlerBuilder MapGetTaskLogEntryV2(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}", HandleAsync)
        .WithName("GetTaskLogEntryV2")
        .WithSummary("Get a daily-log entry")
        .WithDescription("One daily-log entry by its id, with the task's live fields.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<TaskLogEntryDetail>, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        await mediator.Send(new GetTaskLogEntryQuery(id, user.UserId(), user.IsInRole(Roles.Admin)), ct) is { } entry
            ? TypedResults.Ok(entry)
            : Problem.Of(StatusCodes.Status404NotFound, $"Daily-log entry {id} does not exist.");
}
