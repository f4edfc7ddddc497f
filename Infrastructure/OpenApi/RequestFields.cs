using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>Writes each request body's <see cref="RequestBodyAttribute"/> into the documents: a required field is
/// non-null and every other one optional (absent and null mean the same), and the example is the schema's. The
/// generator alone would mark every field of the all-nullable request records required and nullable.</summary>
internal static class RequestFields
{
    private static readonly Dictionary<string, RequestBodyAttribute> Bodies = typeof(RequestFields).Assembly.GetTypes()
        .Select(t => (t.Name, Body: t.GetCustomAttribute<RequestBodyAttribute>()))
        .Where(t => t.Body is not null)
        .ToDictionary(t => t.Name, t => t.Body!);

    public static Task AddExample(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonTypeInfo.Type.GetCustomAttribute<RequestBodyAttribute>() is { Example: { } example })
        {
            schema.Examples = [JsonNode.Parse(example)!];
        }
        return Task.CompletedTask;
    }

    public static Task Apply(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        foreach (var (id, body) in Bodies)
        {
            var required = body.Required;
            if (document.Components?.Schemas?.TryGetValue(id, out var found) is not true || found is not OpenApiSchema schema)
            {
                continue; // not in this document
            }
            schema.Required = new HashSet<string>(required);
            foreach (var name in required)
            {
                if (schema.Properties?.TryGetValue(name, out var candidate) is not true || candidate is not OpenApiSchema { Type: { } type } property)
                {
                    throw new InvalidOperationException($"{id} has no property '{name}' to require.");
                }
                property.Type = type & ~JsonSchemaType.Null;
            }
        }
        foreach (var (id, fields) in Bodies.Select(b => (b.Key, b.Value.NeverNull)))
        {
            if (document.Components?.Schemas?.TryGetValue(id, out var found) is true && found is OpenApiSchema schema)
            {
                foreach (var name in fields)
                {
                    if (schema.Properties?.TryGetValue(name, out var candidate) is true && candidate is OpenApiSchema { Type: { } type } property)
                    {
                        property.Type = type & ~JsonSchemaType.Null;
                    }
                }
            }
        }
        InlineJsonObjects(document);
        return Task.CompletedTask;
    }

    // A JsonElement (a batch operation's body and answer) is any JSON object: said inline, since an empty shared schema
    // behind a nullable oneOf reads to SDK generators as a discriminator they cannot resolve.
    private static void InlineJsonObjects(OpenApiDocument document)
    {
        if (document.Components?.Schemas?.Remove("JsonElement") is not true)
        {
            return;
        }
        foreach (var schema in document.Components.Schemas.Values.OfType<OpenApiSchema>())
        {
            foreach (var (name, property) in schema.Properties?.ToList() ?? [])
            {
                var refersToIt = property is OpenApiSchemaReference { Reference.Id: "JsonElement" } ||
                                 (property is OpenApiSchema { OneOf: { } one } && one.OfType<OpenApiSchemaReference>().Any(r => r.Reference.Id == "JsonElement"));
                if (refersToIt || (property is OpenApiSchema { Type: null, OneOf: null, AnyOf: null, AllOf: null } && name == "body"))
                {
                    schema.Properties![name] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "A JSON object." };
                }
            }
        }
    }
}
