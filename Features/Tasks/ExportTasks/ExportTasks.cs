using System.Globalization;
using System.Security.Claims;
using System.Text;
using CsvHelper;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TaskManager.Features.Imports;
using TaskManager.Features.Tasks.ListTasks;
using TaskManager.Infrastructure.Auth;
using TaskManager.Infrastructure.Http;

namespace TaskManager.Features.Tasks.ExportTasks;

/// <summary>GET /api/v2/tasks/export: the list's tasks (same filters and order) as CSV in the import's format, streamed
/// row by row from PostgreSQL, so an export of any size holds one row in memory; formula-like cells neutralised.</summary>
public static class ExportTasksEndpoint
{
    private static readonly string[] Header = ["id", "task_name", "description", "status", "priority", "created_at", "assigned_user", "due_date", "done"];

    public static RouteHandlerBuilder MapExportTasks(this IEndpointRouteBuilder app) => app
        .MapGet("/export", HandleAsync)
        .WithName("ExportTasks")
        .WithSummary("Export tasks as CSV")
        .WithDescription("The tasks the list's filters select, in its order, as CSV that POST /api/v2/imports takes back as it is.")
        .Produces<Stream>(StatusCodes.Status200OK, "text/csv")
        .ProducesValidationProblem()
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            // The list's query string, less paging: an export is every matching task.
            operation.Parameters = operation.Parameters?.Where(p => p.Name is not ("limit" or "cursor")).ToList();
            return Task.CompletedTask;
        });

    private static Results<PushStreamHttpResult, Problem> HandleAsync(
        [Microsoft.AspNetCore.Http.AsParameters] ListTasksRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var f = TaskFilters.Parse(request with { Limit = null, Cursor = null }, user.UserId());
        if (f.Errors.Count > 0)
        {
            return Problem.Invalid(f.Errors);
        }
        var sql = $"""
            SELECT t.id, t.task_name, t.description, t.status, t.priority, t.created_at, u.username AS assigned_user, t.due_date, t.done
            FROM tasks t LEFT JOIN users u ON u.id = t.assigned_user_id
            {(f.Where.Length > 0 ? "WHERE " + f.Where : "")}
            ORDER BY {f.OrderBy}
            """;
        return TypedResults.Stream(async body =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var writer = new StreamWriter(body, new UTF8Encoding(false));
            await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
            foreach (var name in Header)
            {
                csv.WriteField(name);
            }
            await csv.NextRecordAsync();
            await foreach (var row in connection.QueryUnbufferedAsync<ExportRow>(sql, f.Parameters).WithCancellation(ct))
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
                await csv.NextRecordAsync();
            }
        }, "text/csv; charset=utf-8", "tasks.csv");
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
    }
}
