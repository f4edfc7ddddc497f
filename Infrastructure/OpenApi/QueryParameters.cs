using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TaskManager.Features.Tasks.ListTasks;
using TaskManager.Features.Webhooks.ListDeliveries;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Query parameters are bound as strings, so that a bad value gets our own 400 naming it, which leaves the
/// generator nothing to say but "string". Their names say what they hold (SPEC's filters), and so does the document.</summary>
internal static class QueryParameters
{
    private static readonly Dictionary<string, Func<OpenApiSchema>> Schemas = new()
    {
        ["date"] = () => Text("date"),
        ["from"] = () => Text("date"),
        ["to"] = () => Text("date"),
        ["due_before"] = () => Text("date"),
        ["due_after"] = () => Text("date"),
        ["since"] = () => Text("date-time"),
        ["updated_since"] = () => Text("date-time"),
        ["status"] = () => new OpenApiSchema { Type = JsonSchemaType.Boolean },
        ["done"] = () => new OpenApiSchema { Type = JsonSchemaType.Boolean },
        ["overdue"] = () => new OpenApiSchema { Type = JsonSchemaType.Boolean },
        ["created_by"] = () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
        ["limit"] = () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1", Maximum = "100", Default = 20 },
        ["deleted"] = () => OneOf(TaskQuery.Deleted),
        ["sort"] = () => OneOf([.. TaskQuery.SortKeys.Keys.SelectMany(f => new[] { f, "-" + f })]),
    };

    // Where one operation's parameter means something else than the name does elsewhere.
    private static readonly Dictionary<(string Operation, string Parameter), Func<OpenApiSchema>> Exceptions = new()
    {
        [("ListDeliveries", "status")] = () => OneOf(ListDeliveriesHandler.Statuses),
        // An upload lands in one project; the lists take a comma-separated list of them.
        [("UploadCsv", "project_id")] = () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
        [("UploadCsvV2", "project_id")] = () => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
    };

    public static Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter is { In: ParameterLocation.Query, Schema: OpenApiSchema { Type: { } type, Format: null, Enum: null or { Count: 0 } } }
                && (type & ~JsonSchemaType.Null) == JsonSchemaType.String
                && (Exceptions.TryGetValue((operation.OperationId ?? "", parameter.Name ?? ""), out var schema)
                    || Schemas.TryGetValue(parameter.Name ?? "", out schema)))
            {
                parameter.Schema = schema();
            }
        }
        return Task.CompletedTask;
    }

    private static OpenApiSchema Text(string format) => new() { Type = JsonSchemaType.String, Format = format };

    private static OpenApiSchema OneOf(params string[] values) =>
        new() { Type = JsonSchemaType.String, Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))] };
}
