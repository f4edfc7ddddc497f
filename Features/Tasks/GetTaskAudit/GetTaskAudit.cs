using System.ComponentModel;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TaskManager.Features.Projects;
using TaskManager.Infrastructure.Auth;

namespace TaskManager.Features.Tasks.GetTaskAudit;

public sealed record TaskAuditEntry(string Action, JsonElement Changes, bool? PreviousStatus, bool? NewStatus,
    string? ModifiedBy, long? ModifiedById, DateTime ChangedAt);

public sealed record TaskAuditResponse(long TaskId, IReadOnlyList<TaskAuditEntry> Entries);

public sealed record GetTaskAuditQuery(long TaskId, long CallerId, bool CallerIsAdmin) : IQuery<TaskAuditResponse?>;

public sealed class GetTaskAuditHandler(NpgsqlDataSource db) : IQueryHandler<GetTaskAuditQuery, TaskAuditResponse?>
{
    // Entries outlive the task, so a purged task's trail is still found; a task that never existed has none.
    private const string Sql = $"""
        SELECT action, changes::text AS changes, previous_status, new_status,
               modified_by_username AS modified_by, modified_by AS modified_by_id, changed_at
        FROM task_audit a WHERE task_id = @TaskId AND {ProjectAccess.TaskIdNotHidden} AND {ProjectAccess.EntryReadable}
        ORDER BY changed_at, id;

        SELECT EXISTS (SELECT 1 FROM tasks t WHERE t.id = @TaskId AND {ProjectAccess.TaskReadable});
        """;

    public async ValueTask<TaskAuditResponse?> Handle(GetTaskAuditQuery query, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, query, cancellationToken: ct));
        var rows = await results.ReadAsync<AuditRow>();
        var entries = rows.Select(r => new TaskAuditEntry(r.Action, JsonDocument.Parse(r.Changes).RootElement.Clone(),
            r.PreviousStatus, r.NewStatus, r.ModifiedBy, r.ModifiedById, r.ChangedAt)).ToList();
        var exists = await results.ReadSingleAsync<bool>();
        return entries.Count == 0 && !exists ? null : new TaskAuditResponse(query.TaskId, entries);
    }

    private sealed class AuditRow
    {
        public string Action { get; init; } = "";
        public string Changes { get; init; } = "{}";
        public bool? PreviousStatus { get; init; }
        public bool? NewStatus { get; init; }
        public string? ModifiedBy { get; init; }
        public long? ModifiedById { get; init; }
        public DateTime ChangedAt { get; init; }
    }
}

public static class GetTaskAuditEndpoint
{
    public static RouteHandlerBuilder MapGetTaskAudit(this IEndpointRouteBuilder app) => app
        .MapGet("/{id:long}/audit", HandleAsync)
        .WithName("GetTaskAudit")
        .WithSummary("Get a task's audit trail")
        .WithDescription("A task's audit trail (the id is a task's), oldest first (manager, admin). It outlives a permanent delete.")
        .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<TaskAuditResponse>, Problem>> HandleAsync(
        [FromRoute(Name = "id"), Description("The id of a task.")] long taskId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
        await mediator.Send(new GetTaskAuditQuery(taskId, user.UserId(), user.IsInRole(Roles.Admin)), ct) is { } audit
            ? TypedResults.Ok(audit)
            : Problem.Of(StatusCodes.Status404NotFound, $"Task {taskId} does not exist and has no audit trail.");
}
