namespace TaskManager.Features.Imports.GetImportErrors;

/// <summary>GET /api/v2/imports/{id}/errors: the same CSV, under v2.</summary>
public static class GetImportErrorsV2Endpoint
{
    public static RouteHandlerBuilder MapGetImportErrorsV2(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}/errors", (Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CsvDownloads downloads, HttpContext http) =>
            GetImportErrorsEndpoint.StreamAsync(id, user, db, downloads, http))
        .WithName("GetImportErrorsV2")
        .WithSummary("Get an import's row errors")
        .WithDescription("Every row error of an import, as CSV (uploader, admin).")
        .Produces<Stream>(StatusCodes.Status200OK, "text/csv")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status429TooManyRequests);
}
