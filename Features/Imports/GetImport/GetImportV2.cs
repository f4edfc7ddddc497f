namespace TaskManager.Features.Imports.GetImport;

/// <summary>GET /api/v2/imports/{id}: the same import, under v2.</summary>
public static class GetImportV2Endpoint
{
    public static RouteHandlerBuilder MapGetImportV2(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}", HandleAsync)
        .WithName("GetImportV2")
        .WithSummary("Get an import")
        .WithDescription("An import's progress and outcome, with its first row errors (uploader, admin).")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<ImportStatusResponse>, Problem>> HandleAsync(Guid id, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        var outcome = await mediator.Send(new GetImportQuery(id, user.UserId(), user.IsInRole(Roles.Admin)), ct);
        return outcome.ToResult(TypedResults.Ok);
    }
}
