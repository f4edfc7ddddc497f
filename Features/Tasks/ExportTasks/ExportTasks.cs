using System.Globalization;
using TaskManager.Features.Imports;
using TaskManager.Features.Tasks.ListTasks;
using TaskManager.Infrastructure.Database;

namespace TaskManager.Features.Tasks.ExportTasks;

/// <summary>GET /api/v2/tasks/export: the list's tasks (same filters and order) as CSV in the import's format, read in
/// keyset batches (CsvDownloads), so an export of any size holds one batch in memory and no connection while the client
/// reads; formula-like cells neutralised.</summary>
/// <summary>The list's query string; limit and cursor are ignored (an export is every matching task).</summary>
public sealed record ExportTasksRequest : ListTasksRequest;

public sealed class ExportTasksValidator : TaskFiltersValidator<ExportTasksRequest>;

public static class ExportTasksEndpoint
{
    private static readonly string[] Header = ["id", "task_name", "description", "status", "priority", "created_at", "assigned_user", "due_date", "done", "labels"];

    public static RouteHandlerBuilder MapExportTasks(this IEndpointRouteBuilder app) => app
        .MapGet("/export", HandleAsync)
        .WithName("ExportTasks")
        .WithSummary("Export tasks as CSV")
        .WithDescription("The tasks the list's filters select, in its order, as CSV that POST /api/v2/imports takes back as it is.")
        .Produces<Stream>(StatusCodes.Status200OK, "text/csv")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            // The list's query string, less paging: an export is every matching task.
            operation.Parameters = operation.Parameters?.Where(p => p.Name is not ("limit" or "cursor")).ToList();
            return Task.CompletedTask;
        });

    private static async Task<Results<PushStreamHttpResult, Problem>> HandleAsync([Microsoft.AspNetCore.Http.AsParameters] ExportTasksRequest request,
        ClaimsPrincipal user, NpgsqlDataSource db, CsvDownloads downloads, ProjectScope scopes, IOptions<DatabaseOptions> database, HttpContext http)
    {
        var userId = user.UserId();
        var scope = await scopes.ForAsync(Caller.From(user), http.RequestAborted);
        return downloads.Stream<ExportRow>(http, userId, "tasks.csv", Header, async (last, limit, ct) =>
        {
            // Filters parsed afresh for each batch: the keyset adds its own parameters to them.
            var f = TaskFilters.From(request, userId, scope);
            var conditions = f.Where.Length > 0 ? new List<string> { f.Where } : [];
            if (last is not null)
            {
                conditions.Add(TaskKeyset.After(f, TaskKeyset.KeyText(last.SortValue), last.Id)!);
            }
            f.Parameters.Add("BatchRows", limit);
            var sql = $"""
                SELECT t.id, t.task_name, t.description, t.status, t.priority, t.created_at, u.username AS assigned_user, t.due_date, t.done,
                       (SELECT string_agg(l.name, ';' ORDER BY lower(l.name), l.name) FROM labels l WHERE l.id = ANY(t.label_ids)) AS labels,
                       {f.SortKey} AS sort_value
                FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
                {(conditions.Count > 0 ? "WHERE " + string.Join(" AND ", conditions) : "")}
                ORDER BY {f.OrderBy}
                LIMIT @BatchRows
                """;
            await using var connection = await db.OpenConnectionAsync(ct);
            return (await connection.QueryAsync<ExportRow>(new CommandDefinition(sql, f.Parameters,
                commandTimeout: database.Value.ReadTimeoutSeconds, cancellationToken: ct))).AsList();
        }, (csv, row) =>
        {
            csv.WriteField(row.Id);
            csv.WriteField(CsvRows.Neutralize(row.TaskName));
            csv.WriteField(CsvRows.Neutralize(row.Description ?? ""));
            csv.WriteField(row.Status ? "TRUE" : "FALSE");
            csv.WriteField(row.Priority);
            csv.WriteField(row.CreatedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            csv.WriteField(CsvRows.Neutralize(row.AssignedUser ?? ""));
            csv.WriteField(row.DueDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "");
            csv.WriteField(row.Done ? "TRUE" : "FALSE");
            csv.WriteField(CsvRows.Neutralize(row.Labels ?? ""));
        });
    }

    private sealed class ExportRow
    {
        public long Id { get; init; }
        public string TaskName { get; init; } = "";
        public string? Description { get; init; }
        public bool Status { get; init; }
        public string Priority { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public string? AssignedUser { get; init; }
        public DateOnly? DueDate { get; init; }
        public bool Done { get; init; }
        public string? Labels { get; init; }
        public object? SortValue { get; init; }
    }
}
