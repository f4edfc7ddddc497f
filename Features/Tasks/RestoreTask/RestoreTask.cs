using TaskManager.Features.Tasks.UpdateTask;

namespace TaskManager.Features.Tasks.RestoreTask;

/// <summary>POST /api/v2/tasks/{id}/restore: undoes a soft delete, through the same handler as v1's PUT status=true.</summary>
public static class RestoreTaskEndpoint
{
    public static RouteHandlerBuilder MapRestoreTask(this IEndpointRouteBuilder app) => app
        .MapPost("/{id}/restore", HandleAsync)
        .WithName("RestoreTask")
        .WithSummary("Restore a deleted task")
        .WithDescription("Makes a soft-deleted task active again (deleted_at null); restoring an active task changes nothing.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.ETag)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<TaskResource>, Problem>> HandleAsync(
        long id, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new UpdateTaskCommand(id, user.UserId(), user.IsPrivileged(), null, null, null, true, null, null)
        {
            CallerIsAdmin = user.IsInRole(Roles.Admin),
        }, ct);
        return outcome.ToResult(task =>
        {
            http.Response.Headers.ETag = VersionETag.For(task.Version);
            return TypedResults.Ok(TaskResource.From(task));
        });
    }
}
