using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using TaskManager.Infrastructure.RateLimiting;

namespace TaskManager.Features.Imports.UploadCsv;

/// <summary>What an upload asked for: its body, its caller and its query and header options.</summary>
public sealed record UploadRequest(HttpRequest Http, long UserId, bool CallerIsAdmin, UploadCsvOptions Options);

/// <summary>An upload's query and header options, checked before the body is read; the project may instead come as a
/// form field, checked once it is read.</summary>
public sealed record UploadCsvOptions([FromQuery(Name = "atomic")] bool Atomic = false, [FromQuery(Name = "dry_run")] bool DryRun = false,
    [FromHeader(Name = IdempotencyKeys.Header)] string? IdempotencyKey = null, [FromQuery(Name = "project_id")] string? ProjectId = null);

public sealed class UploadCsvOptionsValidator : AbstractValidator<UploadCsvOptions>
{
    public UploadCsvOptionsValidator()
    {
        RuleFor(o => o.DryRun).Equal(false).When(o => o.Atomic).WithMessage("Choose atomic or dry_run, not both.");
        RuleFor(o => o.IdempotencyKey).ValidIdempotencyKey();
        RuleFor(o => o.ProjectId).Must(UploadCsvBody.IsProjectId).When(o => o.ProjectId is not null).WithMessage(ProjectRules.IdError);
    }
}

/// <summary>Receives an uploaded CSV (v1's POST /api/upload-csv and v2's POST /api/v2/imports): reads the multipart
/// stream by hand so the file is spooled as it arrives, never bound or held in memory.</summary>
public static class UploadCsvBody
{
    /// <summary>What both upload routes declare: the form, the rate limit and the body limit.</summary>
    public static RouteHandlerBuilder AsCsvUpload(this RouteHandlerBuilder route, IEndpointRouteBuilder app)
    {
        var maxBytes = app.ServiceProvider.GetRequiredService<IOptions<ImportOptions>>().Value.MaxFileBytes;
        return route
            .Accepts<UploadCsvForm>("multipart/form-data")
            .DisableAntiforgery()
            .RequireRateLimiting(RateLimitPolicies.Upload)
            // Room for the multipart framing around a file of the largest allowed size.
            .WithRequestBodyLimit(maxBytes + 64 * 1024)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    public static async Task<Results<Accepted<T>, Problem>> ReceiveAsync<T>(
        UploadRequest upload, IMediator mediator, UploadsInFlight inFlight, ImportOptions settings,
        Func<UploadCsvResponse, Task<Accepted<T>>> accepted, CancellationToken ct)
    {
        var request = upload.Http;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) ||
            !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) ||
            HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return Problem.Of(StatusCodes.Status415UnsupportedMediaType, "Send the file as multipart/form-data in a field named 'file'.");
        }
        if (!inFlight.TryEnter(upload.UserId))
        {
            return Problem.Of(StatusCodes.Status429TooManyRequests, $"You are already sending {settings.MaxUploadsInFlightPerUser} files (or the service is receiving as many as it can); wait for one to finish.", 5);
        }
        FileStream? file = null;
        string? fileName = null;
        try
        {
            if (request.HttpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
            {
                rate.MinDataRate = new MinDataRate(settings.MinUploadBytesPerSecond, TimeSpan.FromSeconds(10));
            }
            // The file is spooled as it arrives; a project_id field may come before it or after it.
            var reader = new MultipartReader(boundary, request.Body);
            var projectField = upload.Options.ProjectId;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }
                if (disposition.Name.Equals("project_id", StringComparison.OrdinalIgnoreCase) && upload.Options.ProjectId is null)
                {
                    projectField = await ReadFieldAsync(section.Body, ct);
                    continue;
                }
                if (!disposition.Name.Equals("file", StringComparison.OrdinalIgnoreCase) || file is not null)
                {
                    continue;
                }
                fileName = HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).Value;
                fileName = string.IsNullOrWhiteSpace(fileName) ? "upload.csv" : Path.GetFileName(fileName);
                if (!ImportFileNames.IsClean(fileName))
                {
                    return Problem.Invalid("file", "The file name must not contain control characters.");
                }
                file = await UploadSpool.ReceiveAsync(section.Body, settings.MaxFileBytes, ct);
                if (file is null)
                {
                    return Problem.Of(StatusCodes.Status413PayloadTooLarge, $"The file is larger than the limit of {settings.MaxFileBytes} bytes.");
                }
            }
            if (file is null)
            {
                return Problem.Invalid("file", "The form has no field named 'file'.");
            }
            if (projectField is not null && !IsProjectId(projectField))
            {
                return Problem.Invalid("project_id", ProjectRules.IdError);
            }
            var projectId = projectField is null ? ProjectRules.DefaultProjectId : ProjectRules.ParseIds(projectField)![0];
            var mode = upload.Options.Atomic ? ImportModes.Atomic : upload.Options.DryRun ? ImportModes.DryRun : ImportModes.Partial;
            var outcome = await mediator.Send(new UploadCsvCommand(upload.UserId, fileName![..Math.Min(fileName!.Length, ImportFileNames.MaxLength)], file, mode,
                upload.Options.IdempotencyKey)
            {
                ProjectId = projectId,
                CallerIsAdmin = upload.CallerIsAdmin,
            }, ct);
            return outcome.IsOk ? await accepted(outcome.Value!) : Problem.From(outcome);
        }
        finally
        {
            inFlight.Exit(upload.UserId);
            if (file is not null)
            {
                await file.DisposeAsync();
            }
        }
    }

    /// <summary>Whether a query's or form field's project_id names one project.</summary>
    public static bool IsProjectId(string? value) => value is not null && ProjectRules.ParseIds(value) is [_];

    /// <summary>A small form field's text: at most 64 characters are kept, the rest is read and dropped.</summary>
    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        using var reader = new StreamReader(body);
        var buffer = new char[64];
        var length = await reader.ReadBlockAsync(buffer, ct);
        var rest = new char[256];
        while (await reader.ReadAsync(rest, ct) > 0)
        {
        }
        return new string(buffer, 0, length).Trim();
    }
}
