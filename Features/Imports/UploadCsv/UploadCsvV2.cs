using TaskManager.Features.Imports.GetImport;

namespace TaskManager.Features.Imports.UploadCsv;

/// <summary>POST /api/v2/imports: v1's upload, answered with the import itself and its Location.</summary>
public static class UploadCsvV2Endpoint
{
    public static RouteHandlerBuilder MapUploadCsvV2(this IEndpointRouteBuilder app) => app
        .MapPost("", HandleAsync)
        .WithName("UploadCsvV2")
        .WithSummary("Import a CSV file")
        .WithDescription("Upload a CSV file of tasks (multipart field `file`); a worker imports it. The columns of v1's upload, "
            + "plus optional due_date and done; an id column is ignored, so an export imports as it is. project_id (query or form field; "
            + "default: the default project) is where every row lands: the uploader must be able to create tasks there.")
        .AsCsvUpload(app);

    private static Task<Results<Accepted<ImportStatusResponse>, Problem>> HandleAsync(
        [AsParameters] UploadCsvOptions upload, HttpRequest request, ClaimsPrincipal user, IMediator mediator, UploadsInFlight inFlight,
        IOptions<ImportOptions> options, CancellationToken ct) =>
        UploadCsvBody.ReceiveAsync(new UploadRequest(request, user.UserId(), user.IsInRole(Roles.Admin), upload),
            mediator, inFlight, options.Value,
            async accepted =>
            {
                var import = await mediator.Send(new GetImportQuery(accepted.ImportId, user.UserId(), CallerIsAdmin: true), ct);
                return TypedResults.Accepted($"/api/v2/imports/{accepted.ImportId}", import.Value);
            }, ct);
}
