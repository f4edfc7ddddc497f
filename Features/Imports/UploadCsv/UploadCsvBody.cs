using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using TaskManager.Infrastructure.Http;
using TaskManager.Infrastructure.RateLimiting;

namespace TaskManager.Features.Imports.UploadCsv;

/// <summary>What an upload asked for: its body, its caller and its query and header options.</summary>
public sealed record UploadRequest(HttpRequest Http, long UserId, bool Atomic, bool DryRun, string? IdempotencyKey);

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
        if (upload.Atomic && upload.DryRun)
        {
            return Problem.Invalid("dry_run", "Choose atomic or dry_run, not both.");
        }
        if (upload.IdempotencyKey is { Length: > 200 })
        {
            return Problem.Invalid("Idempotency-Key", "Idempotency-Key must be at most 200 characters long.");
        }
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
        try
        {
            if (request.HttpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
            {
                rate.MinDataRate = new MinDataRate(settings.MinUploadBytesPerSecond, TimeSpan.FromSeconds(10));
            }
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    !disposition.Name.Equals("file", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).Value;
                fileName = string.IsNullOrWhiteSpace(fileName) ? "upload.csv" : Path.GetFileName(fileName);
                if (fileName.Any(char.IsControl))
                {
                    return Problem.Invalid("file", "The file name must not contain control characters.");
                }
                await using var file = await UploadSpool.ReceiveAsync(section.Body, settings.MaxFileBytes, ct);
                if (file is null)
                {
                    return Problem.Of(StatusCodes.Status413PayloadTooLarge, $"The file is larger than the limit of {settings.MaxFileBytes} bytes.");
                }
                var mode = upload.Atomic ? ImportModes.Atomic : upload.DryRun ? ImportModes.DryRun : ImportModes.Partial;
                var outcome = await mediator.Send(new UploadCsvCommand(upload.UserId, fileName[..Math.Min(fileName.Length, 255)], file, mode, upload.IdempotencyKey), ct);
                return outcome.IsOk ? await accepted(outcome.Value!) : Problem.From(outcome);
            }
            return Problem.Invalid("file", "The form has no field named 'file'.");
        }
        finally
        {
            inFlight.Exit(upload.UserId);
        }
    }
}
