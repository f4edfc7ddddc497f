using System.Globalization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Response headers a client needs, declared in the document so generated clients expose them. Every 201 and
/// 202 names its resource in Location and every 429 says when to retry; an endpoint declares the others itself:
/// <c>.WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.ETag)</c>.</summary>
public static class ResponseHeaders
{
    public const string ETag = "ETag";
    public const string Location = "Location";
    public const string Link = "Link";
    public const string RetryAfter = "Retry-After";
    public const string IdempotentReplayed = "Idempotent-Replayed";
    public const string RateLimitPolicy = "RateLimit-Policy";
    public const string RateLimit = "RateLimit";
    public const string ChangesPosition = "Changes-Position";

    private static readonly Dictionary<string, (string Description, JsonSchemaType Type)> Known = new()
    {
        [ETag] = ("The resource's version as a strong entity tag (\"7\"): send it back in If-Match (or If-None-Match).", JsonSchemaType.String),
        [Location] = ("The path of the resource this request created or accepted.", JsonSchemaType.String),
        [Link] = ("The next page, as `<url>; rel=\"next\"` (RFC 8288); absent on the last page.", JsonSchemaType.String),
        [RetryAfter] = ("How many seconds to wait before trying again.", JsonSchemaType.Integer),
        [IdempotentReplayed] = ("`true` when this answer replays the first one given to the same Idempotency-Key.", JsonSchemaType.Boolean),
        [RateLimitPolicy] = ("The caller's request quota (draft-ietf-httpapi-ratelimit-headers): `\"default\";q=200;w=10` is a bucket of 200 " +
                             "requests that refills in 10 seconds. Each personal access token has its own.", JsonSchemaType.String),
        [ChangesPosition] = ("The change feed's position taken before this first page was read: follow `/api/v2/changes?after=` from it " +
                             "and a copy made from the list misses no change.", JsonSchemaType.String),
        [RateLimit] = ("What is left of that quota: `\"default\";r=57;t=8` is 57 requests left, full again in 8 seconds.", JsonSchemaType.String),
    };

    /// <summary>A GET of one resource: 200 with its ETag, 304 with it when If-None-Match names it, 404 when the caller
    /// can read no such thing.</summary>
    public static RouteHandlerBuilder ProducesConditionalGet(this RouteHandlerBuilder builder) => builder
        .Produces(StatusCodes.Status304NotModified)
        .WithResponseHeader(StatusCodes.Status200OK, ETag)
        .WithResponseHeader(StatusCodes.Status304NotModified, ETag)
        .ProducesProblem(StatusCodes.Status404NotFound);

    public static RouteHandlerBuilder WithResponseHeader(this RouteHandlerBuilder builder, int status, string header) =>
        Known.ContainsKey(header)
            ? builder.WithMetadata(new DeclaredResponseHeader(status, header))
            : throw new ArgumentException($"No description for the response header '{header}'; add it to {nameof(ResponseHeaders)}.", nameof(header));

    internal static Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var signedIn = OperationSecurity.IsSignedIn(context.Description.ActionDescriptor.EndpointMetadata);
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (status is "201" or "202")
            {
                Add(response, Location);
            }
            if (status is "429")
            {
                Add(response, RetryAfter);
            }
            // On every signed-in answer; declared where a client paces itself: on success and on a 429.
            if (signedIn && (status.StartsWith('2') || status is "429"))
            {
                Shared(response, RateLimitPolicy, context.Document!);
                Shared(response, RateLimit, context.Document!);
            }
        }
        foreach (var declared in context.Description.ActionDescriptor.EndpointMetadata.OfType<DeclaredResponseHeader>())
        {
            var status = declared.Status.ToString(CultureInfo.InvariantCulture);
            if (operation.Responses?.TryGetValue(status, out var response) is not true)
            {
                throw new InvalidOperationException($"{operation.OperationId} declares {declared.Header} on {status}, which it never answers.");
            }
            Add(response!, declared.Header);
        }
        return Task.CompletedTask;
    }

    private static void Add(IOpenApiResponse response, string header)
    {
        if (response is not OpenApiResponse concrete)
        {
            return;
        }
        var (description, type) = Known[header];
        concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
        concrete.Headers[header] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
    }

    // Declared once under components/headers and referred to: they are on nearly every response.
    private static void Shared(IOpenApiResponse response, string header, OpenApiDocument document)
    {
        if (response is not OpenApiResponse concrete)
        {
            return;
        }
        document.Components ??= new OpenApiComponents();
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        if (!document.Components.Headers.ContainsKey(header))
        {
            var (description, type) = Known[header];
            document.Components.Headers[header] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
        }
        concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
        concrete.Headers[header] = new OpenApiHeaderReference(header, document);
    }

    private sealed record DeclaredResponseHeader(int Status, string Header);
}
