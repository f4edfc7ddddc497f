namespace TaskManager.Features.Tasks.DeleteTask;

/// <summary>DELETE /api/v2/tasks/{id}: the same soft delete as v1's, answered 204.</summary>
public static class DeleteTaskV2Endpoint
{
    public static RouteHandlerBuilder MapDeleteTaskV2(this IEndpointRouteBuilder app) => app
        .MapDelete("/{id}", HandleAsync)
        .WithName("DeleteTaskV2")
        .WithSummary("Delete a task")
        .WithDescription("Soft delete: the task stays, with deleted_at set; POST .../restore undoes it.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<NoContent, Problem>> HandleAsync(
        long id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new DeleteTaskCommand(id, user.UserId(), user.IsPrivileged()) { CallerIsAdmin = user.IsInRole(Roles.Admin) }, ct);
        return outcome.ToResult(_ => TypedResults.NoContent());
    }
}
