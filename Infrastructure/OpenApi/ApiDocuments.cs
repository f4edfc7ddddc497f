using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TaskManager.Infrastructure.OpenApi;

/// <summary>The two documents: v1 (the seed's routes) and v2 (routes under /api/v2), the account routes in both. A route
/// lands in a document by its path alone, so a new slice needs no registration here.</summary>
public static class ApiDocuments
{
    public const string V1 = "v1";
    public const string V2 = "v2";

    public static readonly string[] All = [V1, V2];

    private static readonly string[] AccountPaths = ["/api/register", "/api/login", "/api/token/refresh", "/api/logout", "/api/me", "/api/users"];

    private static readonly Dictionary<string, string> Descriptions = new()
    {
        [V1] = "The seed's interface: tasks, their daily log, audit trail and CSV imports, and the accounts. " +
               "Errors are RFC 9457 problem+json. New clients use v2, where every id means one thing.",
        [V2] = "Tasks as resources that clients search, fetch, patch and page with cursors, and the accounts (shared with v1). " +
               "Errors are RFC 9457 problem+json.",
    };

    // Redocly's tag-description rule holds a document to describing every tag it uses: a new tag gets its line here.
    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Accounts"] = "Registration, sign-in, tokens and the signed-in account.",
        ["Users"] = "Accounts as an admin manages them: roles and activation.",
        ["Tasks"] = "Create, change and delete tasks, and read their audit trail.",
        ["Daily task log"] = "Each task's status and priority day by day, one entry per task and date.",
        ["Imports"] = "CSV files of tasks, imported by a worker: their progress and row errors.",
        ["Tasks (v2)"] = "Tasks as resources: search, page, fetch, create, patch, delete and restore them; their history, audit and CSV export.",
        ["Imports (v2)"] = "CSV files of tasks (v1's columns, plus due_date and done), imported by a worker: upload, list, progress and row errors.",
        ["Daily task log (v2)"] = "Each task's status and priority day by day, paged by cursor.",
        ["Projects (v2)"] = "A team's own space: who reads and changes its tasks (members and their roles), archiving; the public default project holds every task made without one.",
        ["Labels (v2)"] = "A project's labels: names unique in it ignoring case, set on tasks by name; a rename or deletion shows on every task at once.",
        ["Changes (v2)"] = "Everything the caller may read that changed, each once in commit order: follow `next_position`, or stream it as Server-Sent Events.",
        ["Comments (v2)"] = "Discussion on a task: whoever reads the task reads and writes its comments; authors edit theirs, and authors, project owners and admins delete them.",
        ["Batch (v2)"] = "Up to 100 task, comment and label writes in one call, each answered as its single call would be; atomic batches apply all or nothing.",
        ["Tokens (v2)"] = "Personal access tokens: a script or an integration acts as its user, within the token's scopes, without the password.",
        ["Webhooks (v2)"] = "HTTP callbacks of task, import and daily-log events, signed per Standard Webhooks and retried until they land (managers and admins).",
    };

    /// <summary>Whether the route at this path (relative, as ApiExplorer gives it) belongs in the document.</summary>
    public static bool Includes(string document, string? relativePath)
    {
        var path = "/" + (relativePath ?? "").TrimStart('/');
        if (AccountPaths.Any(a => path == a || path.StartsWith(a + "/", StringComparison.Ordinal)))
        {
            return true;
        }
        var isV2 = path.StartsWith("/api/v2/", StringComparison.Ordinal);
        return document == V2 ? isV2 : !isV2;
    }

    /// <summary>Title, version, server and the descriptions of the document's tags.</summary>
    public static Func<OpenApiDocument, OpenApiDocumentTransformerContext, CancellationToken, Task> Describe(string serverUrl) =>
        (document, context, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "TaskManager API",
                Version = context.DocumentName,
                Description = Descriptions[context.DocumentName],
                License = new OpenApiLicense { Name = "MIT", Url = new Uri("https://opensource.org/license/mit") },
                // Whoever runs a TaskManager is its contact; the document cannot name them.
                Contact = new OpenApiContact { Name = "The operators of this TaskManager service" },
            };
            // Configured, never taken from the request: a forged Host header must not send /docs (or an SDK) elsewhere.
            document.Servers = [new OpenApiServer { Url = serverUrl, Description = "This TaskManager service" }];
            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            {
                tag.Description ??= TagDescriptions.GetValueOrDefault(tag.Name ?? "");
            }
            return Task.CompletedTask;
        };
}
