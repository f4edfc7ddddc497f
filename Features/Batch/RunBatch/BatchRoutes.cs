using System.Globalization;

namespace TaskManager.Features.Batch.RunBatch;

/// <summary>The writes a batch may run: each a route of the API, named as its endpoint is (WithName), so an operation
/// runs that endpoint and nothing else. Ids are positive whole numbers, as everywhere else in v2.</summary>
public sealed class BatchRoutes(EndpointDataSource endpoints)
{
    public const int MaxOperations = 100;

    private static readonly Route[] Routes =
    [
        new("POST", "/api/v2/tasks", "CreateTaskV2"),
        new("PATCH", "/api/v2/tasks/{id}", "PatchTask"),
        new("DELETE", "/api/v2/tasks/{id}", "DeleteTaskV2"),
        new("POST", "/api/v2/tasks/{id}/restore", "RestoreTask"),
        new("POST", "/api/v2/tasks/{id}/comments", "CreateComment"),
        new("PATCH", "/api/v2/comments/{id}", "PatchComment"),
        new("DELETE", "/api/v2/comments/{id}", "DeleteComment"),
        new("POST", "/api/v2/projects/{id}/labels", "CreateLabel"),
        new("PATCH", "/api/v2/labels/{id}", "PatchLabel"),
        new("DELETE", "/api/v2/labels/{id}", "DeleteLabel"),
    ];

    public static readonly string[] Methods = ["POST", "PATCH", "DELETE"];

    /// <summary>For error messages and the document: every route a batch accepts.</summary>
    public static string Listed { get; } = string.Join(", ", Routes.Select(r => $"{r.Method} {r.Template}"));

    private Dictionary<string, RouteEndpoint>? byName;

    public sealed record Match(RouteEndpoint Endpoint, RouteValueDictionary Values);

    public static bool IsAllowed(string? method, string? path) => Find(method, path) is not null;

    /// <summary>The endpoint that answers <paramref name="method"/> <paramref name="path"/>, with its route values.</summary>
    public Match? Resolve(string method, string path)
    {
        if (Find(method, path) is not { } found)
        {
            return null;
        }
        byName ??= endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is not null)
            .ToDictionary(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName);
        var endpoint = byName.TryGetValue(found.Route.Name, out var e) ? e
            : throw new InvalidOperationException($"No endpoint is named {found.Route.Name}.");
        return new Match(endpoint, found.Values);
    }

    private static (Route Route, RouteValueDictionary Values)? Find(string? method, string? path)
    {
        if (method is null || path is null)
        {
            return null;
        }
        var segments = path.Split('/');
        foreach (var route in Routes.Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)))
        {
            var template = route.Template.Split('/');
            if (template.Length != segments.Length)
            {
                continue;
            }
            var values = new RouteValueDictionary();
            var matched = true;
            for (var i = 0; i < template.Length && matched; i++)
            {
                if (template[i] == "{id}")
                {
                    matched = long.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0;
                    values["id"] = segments[i];
                }
                else
                {
                    matched = string.Equals(template[i], segments[i], StringComparison.Ordinal);
                }
            }
            if (matched)
            {
                return (route, values);
            }
        }
        return null;
    }

    private sealed record Route(string Method, string Template, string Name);
}
