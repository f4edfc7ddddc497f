using System.Text.Json;

namespace TaskManager.Infrastructure.Http;

/// <summary>The body of a PATCH as a JSON Merge Patch (RFC 7396): a JSON object sent as application/merge-patch+json or
/// application/json, with no key twice. What each key means is the slice's to read.</summary>
public static class MergePatchBody
{
    /// <summary>What every merge-patch route declares: the patch as its body in either media type, the ETag it answers
    /// with, and the problems a patch can meet (invalid, forbidden, not found, archived, stale If-Match, media type).</summary>
    public static RouteHandlerBuilder AcceptsMergePatch<TPatch>(this RouteHandlerBuilder route) where TPatch : notnull => route
        .Accepts<TPatch>("application/merge-patch+json", "application/json")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.ETag)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>The patch's object (the caller disposes it), or the 415 or 400 that says why the body is not one.</summary>
    public static async Task<(JsonDocument? Document, Problem? Problem)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentType is not { } type || !(type.StartsWith("application/merge-patch+json", StringComparison.OrdinalIgnoreCase) ||
                                                      type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, Problem.Of(StatusCodes.Status415UnsupportedMediaType,
                "Send a JSON Merge Patch (Content-Type: application/merge-patch+json or application/json)."));
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { AllowDuplicateProperties = false }, ct);
        }
        catch (JsonException)
        {
            return (null, Problem.Invalid("body", "The request body is not valid JSON."));
        }
        catch (InvalidOperationException)
        {
            // Checking keys for duplicates reads them: a key with half a character fails here.
            return (null, Problem.Invalid("body", "A key holds a \\u escape that is not a whole character (a lone surrogate)."));
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return (null, Problem.Invalid("body", "A merge patch must be a JSON object."));
        }
        return (document, null);
    }

    /// <summary>A PATCH of a versioned resource, end to end: the body read as a merge patch, turned by the slice's
    /// <paramref name="read"/> into its command (or the 400 naming the key that is wrong), sent, and answered 200 with
    /// the resource and its ETag, or with the command's problem.</summary>
    public static async Task<Results<Ok<T>, Problem>> SendAsync<T>(HttpRequest request, IMediator mediator,
        Func<JsonElement, PatchRead<T>> read, Func<T, int> version, CancellationToken ct)
    {
        var (document, problem) = await ReadAsync(request, ct);
        if (document is null)
        {
            return problem!;
        }
        ICommand<Outcome<T>> command;
        using (document)
        {
            var patch = read(document.RootElement);
            if (patch.Command is null)
            {
                return patch.Invalid!;
            }
            command = patch.Command;
        }
        var outcome = await mediator.Send(command, ct);
        return outcome.ToResult(resource =>
        {
            request.HttpContext.Response.Headers.ETag = VersionETag.For(version(resource));
            return TypedResults.Ok(resource);
        });
    }
}

/// <summary>What a slice made of a merge patch: its command, or the 400 that says which key is wrong.</summary>
public readonly record struct PatchRead<T>(ICommand<Outcome<T>>? Command, Problem? Invalid)
{
    public static implicit operator PatchRead<T>(Problem invalid) => new(null, invalid);
}
