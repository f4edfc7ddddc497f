using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using TaskManager.Features.Tasks.UpdateTask;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.Http;
using TaskManager.Infrastructure.Mediation;
using TaskManager.Infrastructure.OpenApi;

namespace TaskManager.Features.Tasks.RestoreTask;

/// <summary>POST /api/v2/tasks/{id}/restore: undoes a soft delete, through the same handler as v1's PUT status=true.</summary>
public static class RestoreTaskEndpoint
{
    public static RouteHandlerBuilder MapRestoreTask(this IEndpointRouteBuilder app) => app
        .MapPost("/{id:long}/restore", HandleAsync)
        .WithName("RestoreTask")
        .WithSummary("Restore a deleted task")
        .WithDescription("Makes a soft-deleted task active again (deleted_at null); restoring an active task changes nothing.")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.ETag);

    private static async Task<Results<Ok<TaskResource>, ForbiddenProblem, NotFoundProblem>> HandleAsync(
        long id, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct)
    {
        var outcome = await mediator.Send(new UpdateTaskCommand(id, user.UserId(), user.IsPrivileged(), null, null, null, true, null, null), ct);
        if (outcome.Status == OutcomeStatus.Ok)
        {
            http.Response.Headers.ETag = TaskETag.For(outcome.Value!.Version);
            return TypedResults.Ok(TaskResource.From(outcome.Value));
        }
        return outcome.Status == OutcomeStatus.Forbidden ? new ForbiddenProblem(outcome.Error) : new NotFoundProblem(outcome.Error);
    }
}
