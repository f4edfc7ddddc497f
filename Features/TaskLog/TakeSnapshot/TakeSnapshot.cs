using Dapper;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using TaskManager.Infrastructure.Messaging.Outbox;

namespace TaskManager.Features.TaskLog.TakeSnapshot;

public sealed record TakeSnapshotResponse(string Message, DateOnly LogDate, long RowsWritten);

/// <summary>Writes the day's log row of every active task that has none yet.</summary>
public sealed record TakeSnapshotCommand(DateOnly LogDate) : ICommand<TakeSnapshotResponse>;

public sealed class TakeSnapshotHandler(NpgsqlDataSource db, TaskLogCache cache, Outbox outbox, TimeProvider clock, ILogger<TakeSnapshotHandler> logger)
    : ICommandHandler<TakeSnapshotCommand, TakeSnapshotResponse>
{
    // One set-based statement. ON CONFLICT DO NOTHING makes it idempotent and keeps rows that creates and
    // updates wrote earlier today; two workers running it at once cannot duplicate a row (the unique key),
    // and the advisory lock keeps the second from redoing the first's work while it runs.
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtext('task-log-snapshot'))";

    private const string Sql = """
        WITH written AS (
            INSERT INTO task_logger (task_id, log_date, status, priority, assigned_user_id)
            SELECT t.id, @LogDate, t.status, t.priority, t.assigned_user_id FROM tasks t
            WHERE t.status
              -- Rows already written (today's creates and updates, an earlier pass) are skipped by an anti-join
              -- before the insert, which costs far less than reaching each as an ON CONFLICT no-op.
              AND NOT EXISTS (SELECT 1 FROM task_logger l WHERE l.task_id = t.id AND l.log_date = @LogDate)
            ON CONFLICT (task_id, log_date) DO NOTHING
            RETURNING 1
        ), counted AS (
            SELECT count(*) AS rows_written FROM written
        ), recorded AS (
            INSERT INTO task_log_snapshots (log_date, taken_at, rows_written)
            SELECT @LogDate, now(), rows_written FROM counted
            ON CONFLICT (log_date) DO UPDATE
                SET taken_at = EXCLUDED.taken_at, rows_written = task_log_snapshots.rows_written + EXCLUDED.rows_written
        )
        SELECT rows_written FROM counted;
        """;

    public async ValueTask<TakeSnapshotResponse> Handle(TakeSnapshotCommand command, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(LockSql, transaction: transaction, cancellationToken: ct));
        // A million active tasks take seconds, not the request-sized default timeout.
        var written = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Sql, command, transaction,
            commandTimeout: 600, cancellationToken: ct));
        await outbox.EnqueueAsync(connection, transaction,
            new TaskLogSnapshotTaken { LogDate = command.LogDate, Rows = written, TakenAt = clock.GetUtcNow().UtcDateTime }, ct);
        await transaction.CommitAsync(ct);
        if (written > 0)
        {
            await cache.InvalidateAsync();
        }
        logger.LogInformation("Daily snapshot for {LogDate:yyyy-MM-dd}: {Rows} log rows written", command.LogDate, written);
        return new TakeSnapshotResponse("Snapshot taken", command.LogDate, written);
    }
}

public sealed record SnapshotRequestedResponse(string Message, DateOnly LogDate);

public static class TakeSnapshotEndpoint
{
    public static RouteHandlerBuilder MapTakeSnapshot(this IEndpointRouteBuilder app) => app
        .MapPost("/task-log/snapshot", HandleAsync)
        .WithName("TakeTaskLogSnapshot")
        .WithSummary("Take today's snapshot")
        .WithDescription("Ask a worker to take today's (UTC) daily-log snapshot now (admin). Idempotent.");

    private static async Task<Accepted<SnapshotRequestedResponse>> HandleAsync(NpgsqlDataSource db, Outbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await using var connection = await db.OpenConnectionAsync(ct);
        await outbox.EnqueueAsync(connection, null, new TakeTaskLogSnapshot { LogDate = today }, ct);
        return TypedResults.Accepted("/api/tasks", new SnapshotRequestedResponse("Snapshot requested", today));
    }
}
