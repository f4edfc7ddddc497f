namespace TaskManager.Features.Imports.GetImportErrors;

/// <summary>GET /api/v2/imports/{id}/errors: the same CSV, under v2.</summary>
public static class GetImportErrorsV2Endpoint
{
    public static RouteHandlerBuilder MapGetImportErrorsV2(this IEndpointRouteBuilder app) => app
        .MapGet("/{id}/errors", (Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CsvDownloads downloads, HttpContext http) =>
            GetImportErrorsEndpoint.StreamAsync(id, user, db, downloads, http))
        .WithName("GetImportErrorsV2")
        .DescribedAsImportErrors();
}
