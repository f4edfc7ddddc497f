using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using TaskManager.Features.Tasks;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Priority, role, visibility and project role are closed sets but travel as strings. As shared enum components every generator makes
/// one enum type of each, instead of a free string or one enum per property.</summary>
internal static class SchemaEnums
{
    public const string Priority = "Priority";
    public const string Role = "Role";
    public const string Visibility = "ProjectVisibility";
    public const string ProjectRole = "ProjectRole";

    private static readonly Dictionary<string, (IReadOnlyList<string> Values, string Description)> Enums = new()
    {
        [Priority] = (TaskRules.Priorities, "A task's priority. Requests may send it in any case; answers are upper case."),
        [Role] = (Roles.All, "A role; a higher one includes the lower ones. Every account has `user`."),
        [Visibility] = (ProjectRules.Visibilities, "Who reads a project: `public`, everyone signed in; `private`, its members and admins."),
        [ProjectRole] = (ProjectRules.Roles, "A member's role in a project: `viewer` reads, `editor` also changes its tasks, `owner` also manages it."),
    };

    public static Task Apply(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        var used = new HashSet<string>();
        foreach (var schema in (document.Components?.Schemas?.Values ?? []).OfType<OpenApiSchema>())
        {
            foreach (var (name, property) in schema.Properties?.ToList() ?? [])
            {
                // An optional priority is left out rather than sent as null: a generated enum has no null member.
                if (name == "priority" && IsString(property))
                {
                    schema.Properties![name] = Reference(Priority, document, used);
                }
                else if (name == "visibility" && IsString(property))
                {
                    schema.Properties![name] = Reference(Visibility, document, used);
                }
                else if (name == "role" && IsString(property))
                {
                    schema.Properties![name] = Reference(ProjectRole, document, used);
                }
                else if (name == "roles" && property is OpenApiSchema { Items: var items } roles && IsString(items))
                {
                    roles.Items = Reference(Role, document, used);
                }
            }
        }

        // A priority filter takes one value; v2's task list and its export take one or a comma-separated list (SPEC).
        foreach (var (path, item) in document.Paths ?? [])
        {
            var many = context.DocumentName == ApiDocuments.V2 && path.StartsWith("/api/v2/tasks", StringComparison.Ordinal);
            var parameters = (item.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()).SelectMany(o => o.Parameters ?? []).OfType<OpenApiParameter>();
            foreach (var parameter in parameters.Where(p => p is { Name: "priority", In: ParameterLocation.Query } && IsString(p.Schema)))
            {
                parameter.Schema = many
                    ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = Reference(Priority, document, used) }
                    : Reference(Priority, document, used);
                if (many)
                {
                    (parameter.Style, parameter.Explode) = (ParameterStyle.Form, false);
                }
            }
        }

        foreach (var id in used)
        {
            var (values, description) = Enums[id];
            document.Components!.Schemas![id] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
                Description = description,
            };
        }
        return Task.CompletedTask;
    }

    private static bool IsString(IOpenApiSchema? schema) =>
        schema is OpenApiSchema { Type: { } type, Enum: null or { Count: 0 } } && (type & ~JsonSchemaType.Null) == JsonSchemaType.String;

    private static OpenApiSchemaReference Reference(string id, OpenApiDocument document, HashSet<string> used)
    {
        used.Add(id);
        return new OpenApiSchemaReference(id, document);
    }
}
