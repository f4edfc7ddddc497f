namespace TaskManager.Features.Tasks.GetTaskAudit;

/// <summary>GET /api/v2/tasks/{id}/audit: the same trail as v1's, paged by cursor.</summary>
public static class GetTaskAuditV2Endpoint
{
    public static RouteHandlerBuilder MapGetTaskAuditV2(this IEndpointRouteBuilder app) => app
        .MapGet("/tasks/{id}/audit", HandleAsync)
        .WithName("GetTaskAuditV2")
        .WithSummary("A task's audit trail")
        .WithDescription("Every change to the task, oldest first, paged by cursor (manager, admin). It outlives a permanent delete.")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private static async Task<Results<Ok<AuditPage>, Problem>> HandleAsync(long id, ClaimsPrincipal user, IMediator mediator,
        HttpContext http, CancellationToken ct, [FromQuery] string? limit, [FromQuery] string? cursor)
    {
        if (!CursorPages.TryLimit(limit, out var size, out var badLimit))
        {
            return badLimit;
        }
        var outcome = await mediator.Send(new GetTaskAuditQuery(id, Caller.From(user), size, cursor), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
