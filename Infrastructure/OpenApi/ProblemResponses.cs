using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Answers that come from the pipeline rather than the handler, so no endpoint's result types name them.</summary>
internal static class ProblemResponses
{
    /// <summary>Every operation may be rate limited, and one that takes a body may find it too large.</summary>
    public static Task DescribeLimits(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        Add(operation, context, "429", "Too many requests; the Retry-After header says how many seconds to wait.");
        if (operation.RequestBody is not null)
        {
            Add(operation, context, "413", "The request body is larger than this route accepts.");
        }
        return Task.CompletedTask;
    }

    public static void Add(OpenApiOperation operation, OpenApiOperationTransformerContext context, string status, string description)
    {
        operation.Responses ??= new OpenApiResponses();
        if (operation.Responses.ContainsKey(status))
        {
            return;
        }
        operation.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new()
                {
                    Schema = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document),
                },
            },
        };
    }
}
