using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Date and time query parameters are bound as strings (so a bad one gets our own 400 message), which the
/// generator can only call strings; their names say what they hold, and the document says it as a format.</summary>
internal static class ParameterFormats
{
    private static readonly Dictionary<string, string> Formats = new()
    {
        ["date"] = "date",
        ["from"] = "date",
        ["to"] = "date",
        ["due_before"] = "date",
        ["due_after"] = "date",
        ["since"] = "date-time",
        ["updated_since"] = "date-time",
    };

    public static Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter is { In: ParameterLocation.Query, Schema: OpenApiSchema { Type: { } type, Format: null } schema }
                && (type & ~JsonSchemaType.Null) == JsonSchemaType.String
                && Formats.TryGetValue(parameter.Name ?? "", out var format))
            {
                schema.Format = format;
            }
        }
        return Task.CompletedTask;
    }
}
