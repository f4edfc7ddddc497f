using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TaskManager.Features.Projects;
using TaskManager.Infrastructure.OpenApi;

namespace TaskManager.Features.Tasks.ListAudit;

/// <summary>An audit entry as v2 answers it: v1's, with its own id and its task's.</summary>
public sealed record AuditEntry(long Id, long TaskId, string Action, JsonElement Changes, bool? PreviousStatus, bool? NewStatus,
    string? ModifiedBy, long? ModifiedById, DateTime ChangedAt);

public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, string? NextCursor);

/// <summary>Audit entries, paged: one task's oldest first, or every task's in the order they were recorded (the
/// feed). `since` only chooses where the feed starts, so a client following cursors never misses a late entry.</summary>
public sealed record ListAuditQuery(long? TaskId, Caller Caller, DateTime? Since, int Limit, string? Cursor) : IQuery<Outcome<AuditPage>>;

public sealed class ListAuditHandler(NpgsqlDataSource db, Cursors cursors, ProjectScope scopes) : IQueryHandler<ListAuditQuery, Outcome<AuditPage>>
{
    private const string Columns = """
        id, task_id, action, changes::text AS changes, previous_status, new_status,
        modified_by_username AS modified_by, modified_by AS modified_by_id, changed_at
        """;

    private const string TaskSql = $"""
        SELECT {Columns} FROM task_audit a
        WHERE task_id = @TaskId AND {ProjectAccess.TaskIdNotHidden} AND {ProjectAccess.EntryReadable}
          AND (@AfterTime::timestamptz IS NULL OR (changed_at, id) > (@AfterTime, @AfterId))
        ORDER BY changed_at, id LIMIT @PageSize;

        SELECT {ProjectAccess.TaskIdNotHidden}
           AND (EXISTS (SELECT 1 FROM tasks WHERE id = @TaskId)
                OR EXISTS (SELECT 1 FROM task_audit a WHERE task_id = @TaskId AND {ProjectAccess.EntryReadable}));
        """;

    // HiddenMark: for a caller who may not read some projects, where the condition goes that leaves out the entries recorded
    // in them and every entry of a task that is in one now.
    private const string HiddenMark = "/* hidden projects */";

    // In commit order (V27): (txid, id), only below the oldest transaction still running, so no entry can later appear behind
    // a cursor. `since` picks the first page's entries by time; the cursor then takes every entry committed after them.
    private const string FeedSql = $"""
        SELECT {Columns}, a.txid::text AS txid FROM task_audit a
        WHERE a.txid < pg_snapshot_xmin(pg_current_snapshot())
          AND CASE WHEN @AfterTxid::text IS NOT NULL THEN (a.txid, a.id) > (@AfterTxid::text::xid8, @AfterId)
                   WHEN @Since::timestamptz IS NULL THEN true
                   ELSE a.changed_at >= @Since END {HiddenMark}
        ORDER BY a.txid, a.id LIMIT @PageSize;

        SELECT true;
        """;

    public async ValueTask<Outcome<AuditPage>> Handle(ListAuditQuery query, CancellationToken ct)
    {
        var fingerprint = query.TaskId is { } task ? $"audit:{task}" : $"feed:{query.Since?.ToString("O", CultureInfo.InvariantCulture)}";
        DateTime? afterTime = null;
        string? afterTxid = null;
        long afterId = 0;
        if (query.Cursor is not null)
        {
            // A task's trail pages by (changed_at, id); the feed by (txid, id).
            if (cursors.Decode(query.Cursor, fingerprint) is not [var key, var id] ||
                !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out afterId))
            {
                return Outcome<AuditPage>.Invalid("cursor", "cursor is not one this list gave for this query.");
            }
            if (query.TaskId is null)
            {
                if (!ulong.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    return Outcome<AuditPage>.Invalid("cursor", "cursor is not one this list gave for this query.");
                }
                afterTxid = key;
            }
            else
            {
                afterTime = DateTime.ParseExact(key, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
            }
        }
        var scope = query.TaskId is null ? await scopes.ForAsync(query.Caller, ct) : Scope.Everything;
        var sql = query.TaskId is not null ? TaskSql : FeedSql.Replace(HiddenMark, scope.HidesAny
            ? """
              AND a.project_id <> ALL(@HiddenProjects)
              AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = a.task_id AND t.project_id = ANY(@HiddenProjects))
              """ : "", StringComparison.Ordinal);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, new
        {
            query.TaskId,
            query.Caller.CallerId,
            query.Caller.CallerIsAdmin,
            scope.HiddenProjects,
            query.Since,
            AfterTime = afterTime,
            AfterTxid = afterTxid,
            AfterId = afterId,
            PageSize = query.Limit + 1,
        }, cancellationToken: ct));
        var rows = (await results.ReadAsync<Row>()).AsList();
        if (!await results.ReadSingleAsync<bool>())
        {
            return Outcome<AuditPage>.NotFound($"Task {query.TaskId} does not exist and has no audit trail.");
        }
        var (page, next) = CursorPages.Split(rows, query.Limit, cursors, fingerprint,
            r => [r.Txid ?? r.ChangedAt.ToString("O", CultureInfo.InvariantCulture), r.Id.ToString(CultureInfo.InvariantCulture)]);
        return new AuditPage(page.Select(r => new AuditEntry(r.Id, r.TaskId, r.Action, JsonDocument.Parse(r.Changes).RootElement.Clone(),
            r.PreviousStatus, r.NewStatus, r.ModifiedBy, r.ModifiedById, r.ChangedAt)).ToList(), next);
    }

    // Init properties: the feed reads one column more than a task's trail, and Dapper matches a constructor by every column.
    private sealed class Row
    {
        public long Id { get; init; }
        public long TaskId { get; init; }
        public string Action { get; init; } = "";
        public string Changes { get; init; } = "{}";
        public bool? PreviousStatus { get; init; }
        public bool? NewStatus { get; init; }
        public string? ModifiedBy { get; init; }
        public long? ModifiedById { get; init; }
        public DateTime ChangedAt { get; init; }

        /// <summary>The writing transaction (the feed's order); null in a task's trail.</summary>
        public string? Txid { get; init; }
    }
}

public static class ListAuditEndpoints
{
    public static RouteHandlerBuilder MapGetTaskAuditV2(this IEndpointRouteBuilder app) => app
        .MapGet("/tasks/{id}/audit", (long id, ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct,
                [FromQuery] string? limit, [FromQuery] string? cursor) => HandleAsync(new Request(id, null, limit, cursor), user, mediator, http, ct))
        .WithName("GetTaskAuditV2")
        .WithSummary("A task's audit trail")
        .WithDescription("Every change to the task, oldest first, paged by cursor (manager, admin). It outlives a permanent delete.")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    public static RouteHandlerBuilder MapListAudit(this IEndpointRouteBuilder app) => app
        .MapGet("/audit", (ClaimsPrincipal user, IMediator mediator, HttpContext http, CancellationToken ct,
                [FromQuery] string? since, [FromQuery] string? limit, [FromQuery] string? cursor) => HandleAsync(new Request(null, since, limit, cursor), user, mediator, http, ct))
        .WithName("ListAudit")
        .WithSummary("The audit feed")
        .WithDescription("Every task's audit entries in the order they were recorded, from `since` (a time, inclusive), paged by cursor (manager, admin).")
        .WithResponseHeader(StatusCodes.Status200OK, ResponseHeaders.Link)
        .ProducesValidationProblem();

    private sealed record Request(long? TaskId, string? Since, string? Limit, string? Cursor);

    private static async Task<Results<Ok<AuditPage>, Problem>> HandleAsync(Request request, ClaimsPrincipal user, IMediator mediator,
        HttpContext http, CancellationToken ct)
    {
        if (!CursorPages.TryLimit(request.Limit, out var size, out var badLimit))
        {
            return badLimit;
        }
        DateTime? since = null;
        if (request.Since is not null)
        {
            if (!DateTimeOffset.TryParse(request.Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return Problem.Invalid("since", "since must be a time (ISO 8601, such as 2025-04-01T09:30:00Z).");
            }
            since = parsed.UtcDateTime;
        }
        var outcome = await mediator.Send(new ListAuditQuery(request.TaskId, Caller.From(user), since, size, request.Cursor), ct);
        return outcome.ToResult(page => CursorPages.Ok(http, page, page.NextCursor));
    }
}
