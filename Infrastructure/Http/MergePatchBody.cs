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

    /// <summary>The slice's patch: the body read as a JSON object, turned by <paramref name="read"/> into the slice's request
    /// (answering only for keys of the wrong JSON type), then checked by the request's validator, the same one the
    /// ValidationFilter runs for bodies bound as JSON. Either the patch or the 415 or 400 that says why not.</summary>
    public static async Task<(TPatch? Patch, Problem? Problem)> ReadAsync<TPatch>(HttpRequest request,
        Func<JsonElement, PatchRead<TPatch>> read, CancellationToken ct) where TPatch : class
    {
        var (document, problem) = await ReadObjectAsync(request, ct);
        if (document is null)
        {
            return (null, problem);
        }
        PatchRead<TPatch> patch;
        using (document)
        {
            patch = read(document.RootElement);
        }
        if (patch.Invalid is { } invalid)
        {
            return (null, invalid);
        }
        var validator = request.HttpContext.RequestServices.GetRequiredService<IValidator<TPatch>>();
        var result = await validator.ValidateAsync(patch.Patch!, ct);
        return result.IsValid ? (patch.Patch, null) : (null, ValidationFilter.Invalid(result));
    }

    /// <summary>Calls <paramref name="key"/> for each key of the patch, until one answers with a problem. A string holding
    /// a \u escape that is not a whole character fails only as it is read, so that is answered here for every slice.</summary>
    public static Problem? ReadKeys(JsonElement body, Func<string, JsonElement, Problem?> key)
    {
        var current = "body";
        try
        {
            foreach (var property in body.EnumerateObject())
            {
                current = property.Name;
                if (key(current, property.Value) is { } problem)
                {
                    return problem;
                }
            }
        }
        catch (InvalidOperationException)
        {
            return Problem.Invalid(current, $"{current} holds a \\u escape that is not a whole character (a lone surrogate).");
        }
        return null;
    }

    /// <summary>Whether a key holds a whole number (an id, whose sign is the validator's to check).</summary>
    public static bool TryGetId(this JsonElement value, out long id)
    {
        id = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out id);
    }

    /// <summary>A PATCH of a versioned resource, end to end: the patch read and checked (<see cref="ReadAsync"/>), made
    /// into the slice's command, sent, and answered 200 with the resource and its ETag, or with the command's problem.</summary>
    public static async Task<Results<Ok<T>, Problem>> SendAsync<TPatch, T>(HttpRequest request, IMediator mediator,
        Func<JsonElement, PatchRead<TPatch>> read, Func<TPatch, ICommand<Outcome<T>>> command, Func<T, int> version, CancellationToken ct)
        where TPatch : class
    {
        var (patch, problem) = await ReadAsync(request, read, ct);
        if (patch is null)
        {
            return problem!;
        }
        var outcome = await mediator.Send(command(patch), ct);
        return outcome.ToResult(resource =>
        {
            request.HttpContext.Response.Headers.ETag = VersionETag.For(version(resource));
            return TypedResults.Ok(resource);
        });
    }

    private static async Task<(JsonDocument? Document, Problem? Problem)> ReadObjectAsync(HttpRequest request, CancellationToken ct)
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
}

/// <summary>What a slice read from a merge patch: its request, or the 400 that says which key has the wrong JSON type.</summary>
public readonly record struct PatchRead<TPatch>(TPatch? Patch, Problem? Invalid)
{
    public static implicit operator PatchRead<TPatch>(TPatch patch) => new(patch, null);

    public static implicit operator PatchRead<TPatch>(Problem invalid) => new(default, invalid);
}
